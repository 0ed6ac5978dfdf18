package io.github.proxycodec.hardening;

import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.V2Bytes;
import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Floods of datagrams from distinct spoofed clients never grow a codec's flow table past its
 * bound, and with ten thousand clients at once every reply carries its own client's header to
 * its own client's edge.
 *
 * <p>A million datagrams per codec by default (a few seconds each); {@code -Dflood.datagrams}
 * changes it.
 */
@Timeout(120)
class UdpFloodTest {

    private static final int DATAGRAMS = Integer.getInteger("flood.datagrams", 1_000_000);
    private static final int BOUND = 1024;
    /** Input buffers without leak tracking (a million stack traces would dominate); each is checked by hand. */
    private static final UnpooledByteBufAllocator PLAIN = new UnpooledByteBufAllocator(false, true);
    private static final byte[] PAYLOAD = ByteArrays.ascii("flood");

    /** The i-th spoofed client: distinct for every i below 2^31, never unspecified. */
    static InetSocketAddress client(int i) {
        byte[] ip = {(byte) (1 + (i >>> 24) % 223), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
        return new InetSocketAddress(address(ip), 1024 + (i % 60000));
    }

    /** The edge port that carries client i (Spectrum gives each flow its own source port). */
    static InetSocketAddress edge(int i) {
        return new InetSocketAddress(address(new byte[] {(byte) 162, (byte) 158, (byte) (i >>> 16 & 1), (byte) (i >>> 8)}),
                1024 + (i & 0xFF) * 200 + (i >>> 17) % 200);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Counts the codec's events instead of keeping them. */
    private static final class EventCounter extends ChannelInboundHandlerAdapter {
        final long[] byKind = new long[UdpProxyEvent.Kind.values().length];

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UdpProxyEvent) {
                byKind[((UdpProxyEvent) evt).kind().ordinal()]++;
            }
        }

        long of(UdpProxyEvent.Kind kind) {
            return byKind[kind.ordinal()];
        }
    }

    private static UdpProxyConfig config() {
        return UdpProxyConfig.builder().maxFlows(BOUND).ticker(Ticker.newMockTicker()).build();
    }

    @Test
    void sppFloodOfDistinctClientsStaysWithinTheBound() {
        SppCodec codec = new SppCodec(config());
        EventCounter events = new EventCounter();
        EmbeddedChannel ch = new EmbeddedChannel(codec, events);
        long start = System.nanoTime();
        for (int i = 0; i < DATAGRAMS; i++) {
            InetSocketAddress client = client(i);
            ByteBuf content = PLAIN.heapBuffer(SppHeader.LENGTH + PAYLOAD.length);
            SppHeader.of(client, UdpChannels.ORIGIN).writeTo(content).writeBytes(PAYLOAD);
            passOn(ch, new DatagramPacket(content, UdpChannels.ORIGIN, edge(i % 64)), client, content);
            assertTrue(codec.flows() <= BOUND, "flows " + codec.flows() + " after datagram " + i);
        }
        report("SPP", start, codec);
        assertFlood(codec, events);
        // The most recent clients are still answered, through their own edge with their own header.
        for (int i = DATAGRAMS - BOUND; i < DATAGRAMS; i += 97) {
            DatagramPacket out = reply(ch, client(i));
            try {
                assertEquals(edge(i % 64), out.recipient());
                assertArrayEquals(SppHeader.of(client(i), UdpChannels.ORIGIN).toByteArray(),
                        Arrays.copyOf(ByteBufUtil.getBytes(out.content()), SppHeader.LENGTH));
            } finally {
                out.release();
            }
        }
        assertRefused(ch, client(0));
        assertEquals(1, codec.drops(UdpDropReason.NO_FLOW_FOR_REPLY), "an evicted client's reply never leaves");
        assertFalse(ch.finish());
    }

    @Test
    void firstDatagramFloodOfDistinctClientsStaysWithinTheBound() {
        ProxyV2DatagramCodec codec = new ProxyV2DatagramCodec(config(), ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM);
        EventCounter events = new EventCounter();
        EmbeddedChannel ch = new EmbeddedChannel(codec, events);
        long start = System.nanoTime();
        for (int i = 0; i < DATAGRAMS; i++) {
            InetSocketAddress client = client(i);
            byte[] header = V2Bytes.header(V2Bytes.PROXY, 0x12, ByteArrays.concat(client.getAddress().getAddress(),
                    V2Bytes.ip("198.51.100.1", 4), V2Bytes.port(client.getPort()), V2Bytes.port(53)));
            ByteBuf content = PLAIN.heapBuffer(header.length + PAYLOAD.length).writeBytes(header).writeBytes(PAYLOAD);
            passOn(ch, new DatagramPacket(content, UdpChannels.ORIGIN, edge(i)), client, content);
            assertTrue(codec.flows() <= BOUND, "flows " + codec.flows() + " after datagram " + i);
        }
        report("FIRST_DATAGRAM", start, codec);
        assertFlood(codec, events);
        for (int i = DATAGRAMS - BOUND; i < DATAGRAMS; i += 97) {
            DatagramPacket out = reply(ch, client(i));
            try {
                assertEquals(edge(i), out.recipient(), "a reply goes to the edge port of its client's flow");
                assertArrayEquals(ByteArrays.ascii("reply"), ByteBufUtil.getBytes(out.content()));
            } finally {
                out.release();
            }
        }
        assertRefused(ch, client(0));
        assertFalse(ch.finish());
    }

    @Test
    void perDatagramFloodOfDistinctClientsStaysWithinTheBound() {
        ProxyV2DatagramCodec codec = new ProxyV2DatagramCodec(config(), ProxyV2DatagramCodec.Mode.PER_DATAGRAM);
        EventCounter events = new EventCounter();
        EmbeddedChannel ch = new EmbeddedChannel(codec, events);
        long start = System.nanoTime();
        InetSocketAddress dnsdist = Bytes.addr("162.158.1.1", 5300); // one proxy address for every client
        for (int i = 0; i < DATAGRAMS; i++) {
            InetSocketAddress client = client(i);
            byte[] header = V2Bytes.header(V2Bytes.PROXY, 0x12, ByteArrays.concat(client.getAddress().getAddress(),
                    V2Bytes.ip("198.51.100.1", 4), V2Bytes.port(client.getPort()), V2Bytes.port(53)));
            ByteBuf content = PLAIN.heapBuffer(header.length + PAYLOAD.length).writeBytes(header).writeBytes(PAYLOAD);
            passOn(ch, new DatagramPacket(content, UdpChannels.ORIGIN, dnsdist), client, content);
            assertTrue(codec.flows() <= BOUND, "flows " + codec.flows() + " after datagram " + i);
        }
        report("PER_DATAGRAM", start, codec);
        assertFlood(codec, events);
        assertRefused(ch, client(0));
        assertFalse(ch.finish());
    }

    private static void passOn(EmbeddedChannel ch, DatagramPacket in, InetSocketAddress client, ByteBuf content) {
        ch.writeInbound(in);
        ProxiedDatagram out = ch.readInbound();
        if (out == null || !client.equals(out.sender())) {
            throw new AssertionError("datagram of " + client + " passed on as " + out);
        }
        out.release();
        if (content.refCnt() != 0) {
            throw new AssertionError("datagram of " + client + " not released");
        }
    }

    private static void assertFlood(AbstractUdpProxyCodec codec, EventCounter events) {
        assertEquals(BOUND, codec.flows(), "the table is full, not larger");
        assertEquals(DATAGRAMS - BOUND, codec.evictions(), "every client beyond the bound evicted exactly one flow");
        assertEquals(DATAGRAMS - BOUND, events.of(UdpProxyEvent.Kind.FLOW_EVICTED));
        assertEquals(DATAGRAMS, events.of(UdpProxyEvent.Kind.FLOW_CREATED));
        assertEquals(0, codec.drops(), "nothing dropped");
    }

    private static DatagramPacket reply(EmbeddedChannel ch, InetSocketAddress client) {
        ChannelFuture f = ch.writeAndFlush(new DatagramPacket(PLAIN.heapBuffer().writeBytes(ByteArrays.ascii("reply")), client));
        assertTrue(f.isSuccess(), () -> "reply to " + client + ": " + f.cause());
        DatagramPacket out = ch.readOutbound();
        assertNotNull(out);
        return out;
    }

    private static void assertRefused(EmbeddedChannel ch, InetSocketAddress client) {
        ByteBuf content = PLAIN.heapBuffer().writeBytes(ByteArrays.ascii("reply"));
        ChannelFuture f = ch.writeAndFlush(new DatagramPacket(content, client));
        assertFalse(f.isSuccess(), "the first client's flow was evicted long ago");
        assertEquals(0, content.refCnt());
        assertNull(ch.readOutbound());
    }

    private static void report(String codec, long start, AbstractUdpProxyCodec c) {
        double s = (System.nanoTime() - start) / 1e9;
        System.out.printf("UDP flood %s: %,d datagrams from distinct clients in %.1f s (%,.0f/s); flows %d (bound %d), "
                + "evictions %,d%n", codec, DATAGRAMS, s, DATAGRAMS / s, c.flows(), BOUND, c.evictions());
    }

    @Test
    void tenThousandConcurrentSppClientsEachGetTheirOwnHeaderBack() {
        int clients = 10_000;
        TrackingAllocator alloc = new TrackingAllocator();
        SppCodec codec = new SppCodec(UdpProxyConfig.builder().ticker(Ticker.newMockTicker()).build());
        EmbeddedChannel ch = new EmbeddedChannel(codec);
        ch.config().setAllocator(alloc);
        List<ProxiedDatagram> received = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            // Many clients share each edge address and port, as behind one Cloudflare colo.
            byte[] datagram = ByteArrays.concat(SppHeader.of(client(i), UdpChannels.ORIGIN).toByteArray(), ByteArrays.ascii("q" + i));
            ch.writeInbound(new DatagramPacket(alloc.copyOf(datagram), UdpChannels.ORIGIN, edge(i % 16)));
            received.add(ch.readInbound());
        }
        assertEquals(clients, codec.flows());
        Collections.shuffle(received, new Random(7));
        for (ProxiedDatagram in : received) {
            // The application answers packet.sender(), in whatever order it finishes.
            ByteBuf answer = alloc.buffer().writeBytes(ByteArrays.ascii("a")).writeBytes(in.content());
            assertTrue(ch.writeAndFlush(new DatagramPacket(answer, in.sender())).isSuccess());
            in.release();
        }
        int checked = 0;
        for (DatagramPacket out; (out = ch.readOutbound()) != null; checked++) {
            try {
                byte[] wire = ByteBufUtil.getBytes(out.content());
                int i = Integer.parseInt(new String(wire, SppHeader.LENGTH + 2, wire.length - SppHeader.LENGTH - 2,
                        java.nio.charset.StandardCharsets.US_ASCII));
                assertArrayEquals(SppHeader.of(client(i), UdpChannels.ORIGIN).toByteArray(),
                        Arrays.copyOf(wire, SppHeader.LENGTH), "the reply to client " + i + " carries its own header");
                assertEquals(edge(i % 16), out.recipient(), "and goes to the edge it came from");
            } finally {
                out.release();
            }
        }
        assertEquals(clients, checked, "one reply per client");
        assertEquals(0, codec.drops());
        assertFalse(ch.finish());
        alloc.assertAllReleased("10k clients");
    }
}
