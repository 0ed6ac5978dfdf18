package io.github.proxycodec.testkit;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxySslInfo;
import io.github.proxycodec.ProxyTlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ProxiedChannel} and {@link TestHeaders}: what an application's handler sees behind them. */
class ProxiedChannelTestkitTest {

    private static final InetSocketAddress SERVER = TestAddresses.address("198.51.100.20", 443);

    /** An application handler: answers each read with the client address it sees, then the text. */
    static final class WhoAmI extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            String reply = "client=" + ProxyProtocol.clientAddress(ctx.channel()) + " " + msg.toString(StandardCharsets.UTF_8);
            ctx.writeAndFlush(Unpooled.copiedBuffer(reply, StandardCharsets.UTF_8));
        }
    }

    @Test
    void theApplicationSeesTheClientOfTheHeaderAndOnlyTheClientsBytes() {
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).handlers(new WhoAmI())
                .connect(TestAddresses.CLIENT);
        assertEquals(TestAddresses.CLOUDFLARE_EDGE, ch.remoteAddress(), "the channel's peer is the proxy");
        assertEquals(TestAddresses.CLIENT, ch.clientAddress());
        assertEquals(ProxyProtocolEvent.Outcome.HEADER, ch.outcome().outcome());
        assertNull(ch.readOutbound(), "the header itself reached no handler");

        ch.writeInboundText("hello");
        assertEquals("client=" + TestAddresses.CLIENT + " hello", ch.readOutboundText());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aV1HeaderWithDataInTheSameReadWorksAsInProduction() {
        byte[] v1 = TestHeaders.v1(TestAddresses.CLIENT6, TestAddresses.address("2001:db8::20", 443));
        byte[] both = new byte[v1.length + 2];
        System.arraycopy(v1, 0, both, 0, v1.length);
        both[v1.length] = 'h';
        both[v1.length + 1] = 'i';
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).handlers(new WhoAmI()).connectSending(both);
        ch.assertAccepted();
        assertEquals(ProxyHeader.Version.V1, ch.header().version());
        assertEquals("client=" + TestAddresses.CLIENT6 + " hi", ch.readOutboundText());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aProductionConfigRefusesAPeerOutsideItsTrustList() {
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.address("192.0.2.99", 40000))
                .config(ProxyProtocolConfig.defaults()).handlers(new WhoAmI()).open();
        ch.assertRefused(Reason.UNTRUSTED_SOURCE);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aMalformedHeaderIsRefusedAndNothingReachesTheApplication() {
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).handlers(new WhoAmI())
                .connectSending("PROXY TCP4 192.0.2.300 198.51.100.20 1 2\r\nhi".getBytes(StandardCharsets.US_ASCII));
        ch.assertRefused(Reason.V1_INVALID_ADDRESS);
        assertNull(ch.readOutbound());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void theHeaderTimeoutClosesAConnectionThatSendsNothing() {
        ProxyProtocolConfig config = ProxyProtocolConfig.builder()
                .trustedProxies(io.github.proxycodec.TrustedProxies.of("173.245.48.0/20"))
                .headerTimeout(Duration.ofSeconds(3)).build();
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).config(config).open();
        assertNull(ch.outcome(), "still waiting");
        ch.advanceTimeBy(3, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        ch.assertRefused(Reason.TIMEOUT);
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void assertAcceptedSaysWhyAConnectionWasNotAccepted() {
        AssertionError e = assertThrows(AssertionError.class, () -> ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE)
                .connect(ProxyHeader.builder().version(ProxyHeader.Version.V1).addresses(TestAddresses.CLIENT, SERVER)
                        .build()).assertRefused(Reason.TIMEOUT));
        assertTrue(e.getMessage().contains("a header was accepted"), e.getMessage());

        ProxiedChannel refused = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).connectSending("GET /\r\n".getBytes(StandardCharsets.US_ASCII));
        AssertionError why = assertThrows(AssertionError.class, refused::assertAccepted);
        assertTrue(why.getMessage().contains("NOT_A_PROXY_HEADER"), why.getMessage());
        refused.finishAndReleaseAll();
    }

    @Test
    void tlvHelpersDecodeToWhatTheyWereBuiltFrom() {
        ProxyTlv ssl = TestHeaders.ssl(ProxySslInfo.CLIENT_SSL | ProxySslInfo.CLIENT_CERT_CONN, 0,
                ProxyTlv.of(ProxyTlv.SSL_VERSION, "TLSv1.3"), ProxyTlv.of(ProxyTlv.SSL_CN, "client.example"));
        ProxyHeader h = ProxyHeader.builder().addresses(TestAddresses.CLIENT, SERVER).tlv(ssl)
                .tlv(TestHeaders.awsVpcEndpoint("vpce-0123456789abcdef0")).tlv(TestHeaders.azurePrivateLink(0x12345678L))
                .tlv(TestHeaders.gcpPscConnection(-2L)).tlv(ProxyTlv.AUTHORITY, "example.com").build();
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).connect(h);

        ProxyHeader got = ch.header();
        ProxySslInfo info = got.ssl().orElseThrow();
        assertTrue(info.isSsl() && info.hasClientCertificateInConnection() && info.hasVerifiedClientCertificate());
        assertEquals("TLSv1.3", info.version().orElseThrow());
        assertEquals("client.example", info.commonName().orElseThrow());
        assertEquals("vpce-0123456789abcdef0", got.awsVpcEndpointId().orElseThrow());
        assertEquals(0x12345678L, got.azurePrivateLinkId().getAsLong());
        assertEquals(-2L, got.gcpPscConnectionId().getAsLong());
        assertEquals("example.com", got.authority().orElseThrow());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aLocalHeaderLeavesTheConnectionsOwnAddress() {
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE).connectSending(TestHeaders.v2Local());
        ch.assertAccepted();
        assertEquals(TestAddresses.CLOUDFLARE_EDGE, ch.clientAddress());
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void anIpv6ProxyIsTrustedByDefaultToo() {
        InetSocketAddress proxy = TestAddresses.address("2606:4700::1", 40000);
        ProxiedChannel ch = ProxiedChannel.from(proxy).local(TestAddresses.address("2001:db8::443", 443))
                .connect(TestAddresses.CLIENT6);
        assertEquals(proxy, ch.remoteAddress());
        assertEquals(TestAddresses.CLIENT6, ch.clientAddress());
        assertEquals(TestAddresses.address("2001:db8::443", 443), ProxyProtocol.destinationAddress(ch));
        assertFalse(ch.finishAndReleaseAll());
    }
}
