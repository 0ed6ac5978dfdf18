package io.github.proxycodec.haproxy;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import io.github.proxycodec.testing.VectorFiles;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For every test vector Netty's {@code HAProxyMessageDecoder} accepts, a handler written for
 * Netty's decoder ({@link LikeVelocityHandler}), unchanged, sees the same message field by field
 * (and then the same bytes) behind {@link ProxyProtocolHandler} and {@link HAProxyMessageBridge}
 * as behind Netty's decoder; where our handler refuses what Netty accepts, it sees nothing.
 */
class HAProxyMessageCrossCheckTest {

    /** What Netty accepts and we refuse, and why. */
    private static final Map<String, Reason> WE_REFUSE = Map.of(
            "crafted/bad_v2_crc", Reason.V2_CRC_MISMATCH); // Netty does not check CRC32C

    /** Trusts the test channel's peer; DGRAM headers allowed so that UDP4/UDP6 are compared too. */
    private static final ProxyProtocolConfig CONFIG = ProxyProtocolConfig.builder()
            .trustedProxies(TrustedProxies.of("127.0.0.0/8")).allowDatagramTransport(true).build();

    /** What the Netty-style handler saw behind one pipeline. */
    record Seen(List<MessageFields> messages, List<InetSocketAddress> remotes, List<String> order, byte[] bytes) {
        static Seen of(LikeVelocityHandler h) {
            return new Seen(h.messages, h.remoteAddresses, h.order, h.bytes());
        }
    }

    static List<String> vectorsNettyAccepts() {
        return VectorFiles.names().stream().filter(n -> behindNetty(Vector.load(n).bytes()) != null)
                .collect(Collectors.toList());
    }

    @Test
    void theLoopCoversTheCapturedAndCraftedHeaders() {
        List<String> names = vectorsNettyAccepts();
        for (String n : List.of("haproxy-v1-tcp4", "haproxy-v2-tcp6", "haproxy-v2-tcp4-tls13-clientcert",
                "haproxy-v2-local-healthcheck", "nginx-v1-tcp6", "dnsdist-v2-udp4-dns", "crafted/v2_tcp6_tlvs_crc",
                "crafted/v1_unknown", "crafted/bad_v2_crc")) {
            assertTrue(names.contains(n), n + " is in the loop: " + names);
        }
        assertFalse(names.contains("crafted/bad_v2_tlv_overrun"), "Netty refuses it too");
        assertFalse(names.contains("crafted/spp-ipv6"), "an SPP datagram is no PROXY header");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorsNettyAccepts")
    void aNettyStyleHandlerSeesWhatNettysDecoderGivesIt(String name) {
        byte[] bytes = Vector.load(name).bytes();
        Seen netty = behindNetty(bytes);
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = behindUs(handler);
        ch.read(bytes);
        ProxyProtocolEvent event = assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
        Reason refused = WE_REFUSE.get(name);
        if (refused != null) {
            assertEquals(refused, event.reason());
            assertEquals(List.of(), handler.order, "nothing reaches the handler");
            assertFalse(ch.isOpen(), "the connection is closed");
        } else {
            assertEquals(ProxyProtocolEvent.Outcome.HEADER, event.outcome(), () -> String.valueOf(event.cause()));
            assertEquals(netty.messages(), handler.messages, "the message, field by field");
            assertEquals(netty.remotes(), handler.remoteAddresses, "the client address the handler builds");
            assertEquals(netty.order(), handler.order, "the message first, then the client's bytes");
            assertArrayEquals(netty.bytes(), handler.bytes(), "the client's bytes");
            assertTrue(ch.pipeline().get(HAProxyMessageBridge.class) == null, "the bridge removed itself");
        }
        ch.finishAndReleaseAll();
    }

    /** Headers no vector has, where Netty's decoder has a quirk the bridge must reproduce. */
    static List<ProxyHeader> craftedHeaders() {
        InetSocketAddress c = new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString("192.0.2.10"), 12345);
        InetSocketAddress s = new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString("198.51.100.20"), 443);
        byte[] sslEndingEmpty = {0x01, 0, 0, 0, 0, 0x22, 0, 2, 'c', 'n', 0x21, 0, 0};
        return List.of(
                ProxyHeader.builder().addresses(c, s).tlv(ProxyTlv.NOOP, new byte[0]).build(),  // Netty skips the last 3 bytes
                ProxyHeader.builder().addresses(c, s).tlv(ProxyTlv.NOOP, new byte[0]).tlv(0xF0, "x").build(),
                ProxyHeader.builder().addresses(c, s).tlv(ProxyTlv.SSL, sslEndingEmpty).build(),
                ProxyHeader.builder().command(ProxyHeader.Command.LOCAL).addresses(c, s).tlv(ProxyTlv.ALPN, "h2").build(),
                ProxyHeader.builder().tlv(ProxyTlv.AUTHORITY, "example.com").build(),             // PROXY, UNSPEC
                ProxyHeader.builder().paths("/run/client.sock", "/run/server.sock").tlv(ProxyTlv.NETNS, "blue").build(),
                ProxyHeader.builder().family(ProxyHeader.Family.INET6).addresses(c, s).build());  // IPv4-mapped
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("craftedHeaders")
    void nettysQuirksAreReproduced(ProxyHeader header) {
        byte[] bytes = ProxyHeaderEncoder.toByteArray(header);
        Seen netty = behindNetty(bytes);
        LikeVelocityHandler handler = new LikeVelocityHandler();
        PeerChannel ch = behindUs(handler);
        ch.read(bytes);
        assertEquals(netty.messages(), handler.messages, "the message, field by field");
        ch.finishAndReleaseAll();
    }

    /** Runs Netty's decoder and the handler over {@code bytes}; null if Netty refuses them. */
    static Seen behindNetty(byte[] bytes) {
        LikeVelocityHandler handler = new LikeVelocityHandler();
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(), handler);
        try {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes));
            ch.checkException();
        } catch (RuntimeException refused) {
            return null;
        } finally {
            closeQuietly(ch);
        }
        return handler.messages.isEmpty() ? null : Seen.of(handler);
    }

    /** Netty's decoder reports a partial header once more on close: not this test's concern. */
    private static void closeQuietly(EmbeddedChannel ch) {
        try {
            ch.finishAndReleaseAll();
        } catch (RuntimeException ignored) {
            ch.releaseInbound();
        }
    }

    /** A channel from 127.0.0.1 with our handler, the bridge and {@code handler}. */
    static PeerChannel behindUs(LikeVelocityHandler handler) {
        return new PeerChannel(new InetSocketAddress("127.0.0.1", 40000), new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addFirst(new ProxyProtocolHandler(CONFIG), new HAProxyMessageBridge(), handler);
            }
        });
    }
}
