package io.github.proxycodec.examples;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.testkit.ProxiedChannel;
import io.github.proxycodec.testkit.SppEdge;
import io.github.proxycodec.testkit.TestAddresses;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The origins' own handlers, without sockets, behind proxy-codec-testkit: a connection from a
 * Cloudflare edge through the real header handler, and a Spectrum SPP edge that checks every
 * reply's echoed header. The pipelines are the ones {@code TcpOrigin.start} and
 * {@code UdpOrigin.start} build.
 */
class OriginTestkitTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Console console = new Console(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new ByteArrayInputStream(new byte[0]));

    private String printed() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void tcpOriginAnswersWithTheClientOfTheHeader() {
        ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE)
                .config(ProxyProtocolConfig.defaults())             // the origin's default: --trust cloudflare
                .handlers(new LineBasedFrameDecoder(8192), new StringDecoder(StandardCharsets.UTF_8),
                        new StringEncoder(StandardCharsets.UTF_8), new TcpOrigin.Origin(console))
                .connect(TestAddresses.CLIENT6);

        assertTrue(printed().contains("\"client\":\"[2001:db8::10]:23456\""), printed());
        assertTrue(printed().contains("\"peer\":\"173.245.48.1:40000\""), printed());
        ch.writeInboundText("hello\n");
        assertEquals("client=[2001:db8::10]:23456 hello\n", ch.readOutboundText());
        assertFalse(ch.finishAndReleaseAll());
        assertTrue(ch.pipeline().get(ProxyProtocolHandler.class) == null);
    }

    @Test
    void udpOriginRepliesThroughTheEdgeWithTheHeaderEchoed() {
        UdpProxyConfig config = UdpProxyConfig.defaults();          // trusts Cloudflare's ranges, as --trust cloudflare
        SppCodec codec = (SppCodec) UdpOrigin.codec("spp", config).get();
        try (SppEdge edge = SppEdge.around(codec, new UdpOrigin.Origin(console))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertEquals("client=192.0.2.10:12345 ping", edge.replyText(TestAddresses.CLIENT));
            assertTrue(printed().contains("\"event\":\"flow\""), printed());
            edge.assertNoReply();
        }
    }
}
