package io.github.proxycodec.haproxy;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolEvent.Outcome;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per rule of {@link HAProxyMessageBridge}: when a HAProxyMessage is fired, and when not. */
class HAProxyMessageBridgeTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress CLIENT = addr("192.0.2.10", 12345);
    private static final InetSocketAddress SERVER = addr("198.51.100.20", 443);
    private static final byte[] PING = "PING\n".getBytes(StandardCharsets.US_ASCII);
    private static final ProxyProtocolConfig TRUST_PEER = ProxyProtocolConfig.builder()
            .trustedProxies(TrustedProxies.of("127.0.0.0/8")).build();

    private static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    private static PeerChannel channel(ProxyProtocolConfig config, LikeVelocityHandler handler) {
        return new PeerChannel(PEER, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                HAProxyMessageBridge.addFirst(ch.pipeline(), config).addAfter(
                        ch.pipeline().context(HAProxyMessageBridge.class).name(), null, handler);
            }
        });
    }

    private static byte[] withPing(ProxyHeader header) {
        byte[] h = ProxyHeaderEncoder.toByteArray(header);
        byte[] out = new byte[h.length + PING.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(PING, 0, out, h.length, PING.length);
        return out;
    }

    private static ProxyProtocolEvent onlyEvent(PeerChannel ch) {
        assertEquals(1, ch.events().size(), () -> "events: " + ch.events());
        return assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
    }

    @Test
    void anAcceptedHeaderIsPassedOnAsOneMessageBeforeTheClientsBytes() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = channel(TRUST_PEER, handler);
        ch.read(withPing(ProxyHeader.builder().addresses(CLIENT, SERVER).tlv(ProxyTlv.AUTHORITY, "example.com").build()));

        assertEquals(Outcome.HEADER, onlyEvent(ch).outcome());
        assertEquals(List.of("message", "bytes"), handler.order);
        assertEquals(List.of(CLIENT), handler.remoteAddresses);
        MessageFields m = handler.messages.get(0);
        assertEquals("TCP4", m.protocol());
        assertEquals(443, m.destinationPort());
        assertEquals(List.of("0x02 PP2_TYPE_AUTHORITY HAProxyTLV 6578616d706c652e636f6d"), m.tlvs());
        assertArrayEquals(PING, handler.bytes());
        assertNull(ch.pipeline().get(HAProxyMessageBridge.class), "the bridge removed itself");
        assertNull(ch.pipeline().get(ProxyProtocolHandler.class));
        assertFalse(ch.finish(), "nothing left over");
    }

    @Test
    void aHeaderSplitAcrossReadsGivesOneMessageThenTheBytesInOrder() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = channel(TRUST_PEER, handler);
        ch.readByteByByte(withPing(ProxyHeader.builder().version(ProxyHeader.Version.V1).addresses(CLIENT, SERVER).build()));

        assertEquals(1, handler.messages.size());
        assertEquals("message", handler.order.get(0));
        assertFalse(handler.order.subList(1, handler.order.size()).contains("message"));
        assertArrayEquals(PING, handler.bytes());
        assertFalse(ch.finish());
    }

    @Test
    void anUntrustedPeerIsRefusedAndNothingIsFired() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        ProxyProtocolConfig trustOthers = ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("10.0.0.0/8")).build();
        PeerChannel ch = channel(trustOthers, handler); // refused as soon as it is active, before any byte

        assertEquals(Reason.UNTRUSTED_SOURCE, onlyEvent(ch).reason());
        assertEquals(List.of(), handler.order, "no message, no bytes");
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void aMalformedHeaderIsRefusedAndNothingIsFired() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = channel(TRUST_PEER, handler);
        ch.read(Vector.load("crafted/bad_v2_tlv_overrun").bytes());

        assertEquals(Reason.V2_TLV_MALFORMED, onlyEvent(ch).reason());
        assertEquals(List.of(), handler.order);
        assertFalse(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void anUntrustedPeerServedDirectlyGetsNoMessageAndItsBytesFlow() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        ProxyProtocolConfig direct = ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("10.0.0.0/8"))
                .untrustedPolicy(UntrustedPolicy.SERVE_DIRECT).build();
        PeerChannel ch = channel(direct, handler);
        ch.read(PING);

        assertEquals(Outcome.NO_HEADER, onlyEvent(ch).outcome());
        assertEquals(List.of("bytes"), handler.order);
        assertArrayEquals(PING, handler.bytes());
        assertNull(ch.pipeline().get(HAProxyMessageBridge.class), "the bridge removed itself");
        assertFalse(ch.finish());
    }

    @Test
    void anOptionalHeaderThatIsAbsentGivesNoMessage() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = channel(TRUST_PEER.toBuilder().headerPolicy(HeaderPolicy.OPTIONAL).build(), handler);
        ch.read(PING);

        assertEquals(Outcome.NO_HEADER, onlyEvent(ch).outcome());
        assertEquals(List.of("bytes"), handler.order);
        assertArrayEquals(PING, handler.bytes());
        assertFalse(ch.finish());
    }

    @Test
    void aMessageNoHandlerTakesIsReleasedByThePipelineTail() {
        // No Netty-style handler: the message reaches the tail, which releases it (the leak check would fail otherwise).
        PeerChannel ch = new PeerChannel(PEER, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                HAProxyMessageBridge.addFirst(c.pipeline(), TRUST_PEER);
            }
        });
        ch.read(withPing(ProxyHeader.builder().addresses(CLIENT, SERVER).tlv(ProxyTlv.ALPN, "h2").build()));
        assertEquals(2, ch.reads(), "the message, then the bytes, reached the recorder, which released them");
        assertArrayEquals(PING, ch.received());
        assertFalse(ch.finish());
    }

    @Test
    void aV1Ipv6AddressIsWrittenInItsCanonicalForm() {
        // The parser keeps no text; HAProxy and nginx write RFC 5952, so that is what is passed on.
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = channel(TRUST_PEER, handler);
        ch.read("PROXY TCP6 2001:DB8:0:0:0:0:0:10 2001:db8::20 23456 8443\r\n".getBytes(StandardCharsets.US_ASCII));

        MessageFields m = handler.messages.get(0);
        assertEquals("2001:db8::10", m.source());
        assertEquals("2001:db8::20", m.destination());
        assertEquals(List.of(addr("2001:db8::10", 23456)), handler.remoteAddresses);
        assertFalse(ch.finish());
    }

    @Test
    void theMessageOfAnSslTlvCarriesItsFlagsAndSubTlvs() {
        byte[] ssl = {0x05, 0, 0, 0, 0, 0x21, 0, 7, 'T', 'L', 'S', 'v', '1', '.', '3'};
        HAProxyMessage m = HAProxyMessages.of(ProxyHeader.builder().addresses(CLIENT, SERVER).tlv(ProxyTlv.SSL, ssl).build());
        try {
            assertEquals(2, m.tlvs().size(), "the SSL TLV, then its sub-TLV again, as Netty lists them");
            io.netty.handler.codec.haproxy.HAProxySSLTLV t =
                    assertInstanceOf(io.netty.handler.codec.haproxy.HAProxySSLTLV.class, m.tlvs().get(0));
            assertTrue(t.isPP2ClientSSL());
            assertTrue(t.isPP2ClientCertSess());
            assertEquals(0, t.verify());
            assertEquals("TLSv1.3", t.encapsulatedTLVs().get(0).content().toString(StandardCharsets.US_ASCII));
            assertNotNull(m.tlvs().get(1));
        } finally {
            assertTrue(m.release(), "one release frees the message and its TLVs");
        }
    }

    @Test
    void replacePutsOurHandlerWhereAFrameworkInstalledNettysDecoder() {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = new PeerChannel(PEER, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                // As a framework sets up its pipeline: Netty's decoder under a name, its reader after it.
                c.pipeline().addFirst("haproxy-decoder", new HAProxyMessageDecoder());
                c.pipeline().addAfter("haproxy-decoder", "reader", handler);
                HAProxyMessageBridge.replace(c.pipeline(), "haproxy-decoder", TRUST_PEER);
            }
        });
        assertNull(ch.pipeline().get(HAProxyMessageDecoder.class));
        ch.read(withPing(ProxyHeader.builder().addresses(CLIENT, SERVER).build()));

        assertEquals(List.of(CLIENT), handler.remoteAddresses);
        assertArrayEquals(PING, handler.bytes());
        assertFalse(ch.finish());
    }
}
