package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.TrustedProxies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntFunction;

import static io.github.proxycodec.udp.Udp.EDGE;
import static io.github.proxycodec.udp.Udp.addr;
import static io.github.proxycodec.udp.Udp.buf;
import static io.github.proxycodec.udp.Udp.spp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A flood of one-datagram spoofed clients between two datagrams of established clients: the
 * flow table's probation segment takes the flood, so a server push (a game tick, a DNS NOTIFY)
 * to an established client still finds its route and leaves with that client's own header.
 * The application answers every datagram, as a DNS server would, so the spoofed clients get
 * replies too: a reply must not promote a flow.
 */
class SpoofedFloodTest {

    private static final InetSocketAddress CF = addr("198.51.100.20", 27015);
    private static final int ESTABLISHED = 50;
    private static final int SPOOFED = 100_000;

    @Test
    void pushesToEstablishedClientsSurviveAHundredThousandSpoofedOneShotClients() {
        SppCodec codec = new SppCodec(UdpProxyConfig.builder().maxFlows(1024).build());
        EmbeddedChannel ch = new EmbeddedChannel(codec, new Answer());
        InetSocketAddress[] clients = new InetSocketAddress[ESTABLISHED];
        for (int i = 0; i < ESTABLISHED; i++) {
            clients[i] = addr("192.0.2." + (i + 1), 20_000 + i);
            ch.writeInbound(spp(clients[i], CF, EDGE, "join"));
            ch.writeInbound(spp(clients[i], CF, EDGE, "move"));
        }
        drain(ch);
        for (int i = 0; i < SPOOFED; i++) {
            InetSocketAddress spoofed = addr("10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255), 1 + i % 60_000);
            ch.writeInbound(spp(spoofed, CF, EDGE, "x"));
            drain(ch);
            if (i % 2_000 == 0) {
                pushToAll(ch, clients, "tick " + i); // pushes between the flood's datagrams, too
            }
        }
        pushToAll(ch, clients, "final tick");
        assertEquals(1024, codec.flows());
        assertEquals(0, codec.drops(UdpDropReason.NO_FLOW_FOR_REPLY), "a push found no route");
        assertFalse(ch.finish());
    }

    private static void pushToAll(EmbeddedChannel ch, InetSocketAddress[] clients, String text) {
        for (InetSocketAddress client : clients) {
            ch.writeOutbound(new DatagramPacket(buf(text), client));
            DatagramPacket out = ch.readOutbound();
            assertNotNull(out, "nothing sent to " + client);
            try {
                assertEquals(EDGE, out.recipient());
                byte[] all = Udp.bytes(out.content());
                assertArrayEquals(SppHeader.of(client, CF).toByteArray(), Arrays.copyOf(all, SppHeader.LENGTH),
                        "the push to " + client + " must carry its own header");
                assertEquals(text, new String(all, SppHeader.LENGTH, all.length - SppHeader.LENGTH,
                        StandardCharsets.US_ASCII));
            } finally {
                out.release();
            }
        }
    }

    @Test
    void perDatagramRoutesOfEstablishedClientsSurviveTheFlood() {
        ProxyV2DatagramCodec codec = new ProxyV2DatagramCodec(v2Config(), ProxyV2DatagramCodec.Mode.PER_DATAGRAM);
        EmbeddedChannel ch = new EmbeddedChannel(codec, new Answer());
        InetSocketAddress[] clients = established();
        for (InetSocketAddress client : clients) {
            ch.writeInbound(v2(client, DNSDIST, "query"));
            ch.writeInbound(v2(client, DNSDIST, "query"));
        }
        drain(ch);
        for (int i = 0; i < SPOOFED; i++) {
            ch.writeInbound(v2(spoofed(i), DNSDIST, "x"));
            drain(ch);
            if (i % 2_000 == 0) {
                pushToAll(ch, clients, i2 -> DNSDIST);
            }
        }
        pushToAll(ch, clients, i2 -> DNSDIST);
        assertEquals(1024, codec.flows());
        assertFalse(ch.finish());
    }

    @Test
    void firstDatagramFlowsOfEstablishedClientsSurviveTheFlood() {
        ProxyV2DatagramCodec codec = new ProxyV2DatagramCodec(v2Config(), ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM);
        EmbeddedChannel ch = new EmbeddedChannel(codec, new Answer());
        InetSocketAddress[] clients = established();
        for (int i = 0; i < ESTABLISHED; i++) {
            ch.writeInbound(v2(clients[i], edgePort(i), "hello"));
            ch.writeInbound(Udp.datagram(Udp.ascii("state"), edgePort(i)));
        }
        drain(ch);
        for (int i = 0; i < SPOOFED; i++) {
            // Spectrum's way: the header alone, then the client's one datagram, which is its first.
            ch.writeInbound(v2(spoofed(i), edgePort(ESTABLISHED + i), ""));
            ch.writeInbound(Udp.datagram(Udp.ascii("x"), edgePort(ESTABLISHED + i)));
            drain(ch);
            if (i % 2_000 == 0) {
                pushToAll(ch, clients, SpoofedFloodTest::edgePort);
            }
        }
        pushToAll(ch, clients, SpoofedFloodTest::edgePort);
        assertEquals(1024, codec.flows());
        assertFalse(ch.finish());
    }

    private static final InetSocketAddress DNSDIST = addr("127.0.0.1", 40000);
    private static final InetSocketAddress SERVICE = addr("203.0.113.5", 53);

    private static UdpProxyConfig v2Config() {
        return UdpProxyConfig.builder().trustedEdges(TrustedProxies.of("127.0.0.0/8")).maxFlows(1024).build();
    }

    private static InetSocketAddress[] established() {
        InetSocketAddress[] clients = new InetSocketAddress[ESTABLISHED];
        for (int i = 0; i < ESTABLISHED; i++) {
            clients[i] = addr("192.0.2." + (i + 1), 20_000 + i);
        }
        return clients;
    }

    private static InetSocketAddress spoofed(int i) {
        return addr("10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255), 1 + i % 60_000);
    }

    /** The edge address and port of flow {@code i}, as Spectrum gives each client its own. */
    private static InetSocketAddress edgePort(int i) {
        return addr("127.0." + (i >> 14) + "." + (i >> 6 & 255), 1024 + (i & 63));
    }

    private static DatagramPacket v2(InetSocketAddress client, InetSocketAddress from, String payload) {
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client, SERVICE).build();
        ByteBuf out = Unpooled.buffer();
        ProxyHeaderEncoder.encode(h, out);
        out.writeCharSequence(payload, StandardCharsets.US_ASCII);
        return new DatagramPacket(out, addr("127.0.0.1", 2408), from);
    }

    /** Pushes to every client through a PROXY v2 codec: each must leave for its own edge address. */
    private static void pushToAll(EmbeddedChannel ch, InetSocketAddress[] clients, IntFunction<InetSocketAddress> edge) {
        for (int i = 0; i < clients.length; i++) {
            ch.writeOutbound(new DatagramPacket(buf("push"), clients[i]));
            DatagramPacket out = ch.readOutbound();
            assertNotNull(out, "nothing sent to " + clients[i]);
            try {
                assertEquals(edge.apply(i), out.recipient(), "the push to " + clients[i] + " went astray");
            } finally {
                out.release();
            }
        }
    }

    /** Releases the answers sent so far. */
    private static void drain(EmbeddedChannel ch) {
        for (Object out; (out = ch.readOutbound()) != null; ) {
            ReferenceCountUtil.release(out);
        }
    }

    /** The application: answers every datagram to its sender, and releases it. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ProxiedDatagram in = (ProxiedDatagram) msg;
            try {
                ctx.writeAndFlush(new DatagramPacket(buf("ack"), in.sender()));
            } finally {
                in.release();
            }
        }
    }
}
