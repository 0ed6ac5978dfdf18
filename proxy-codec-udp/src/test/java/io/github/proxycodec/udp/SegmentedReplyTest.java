package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.github.proxycodec.udp.Udp.EDGE;
import static io.github.proxycodec.udp.Udp.addr;
import static io.github.proxycodec.udp.Udp.ascii;
import static io.github.proxycodec.udp.Udp.buf;
import static io.github.proxycodec.udp.Udp.concat;
import static io.github.proxycodec.udp.Udp.datagram;
import static io.github.proxycodec.udp.Udp.spp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Segmented (GSO) replies through both codecs: each segment stays a datagram of its own, the
 * SPP header goes in front of every one, and the reply limit applies per segment.
 */
class SegmentedReplyTest {

    private static final InetSocketAddress CF = addr("198.51.100.20", 443);
    private static final InetSocketAddress CLIENT = addr("192.0.2.10", 40000);
    private static final InetSocketAddress PROXY = addr("127.0.0.1", 40000);

    private AbstractUdpProxyCodec codec;
    private EmbeddedChannel ch;

    @AfterEach
    void nothingLeftOver() {
        assertFalse(ch.finish(), "no message may be left in the channel");
    }

    /** An SPP codec with a flow for CLIENT; {@code segmentSends} as if on epoll with UDP_SEGMENT. */
    private void openSpp(int maxReplyLength, boolean segmentSends) {
        codec = new SppCodec(UdpProxyConfig.builder().maxReplyLength(maxReplyLength).build());
        ch = new EmbeddedChannel(codec);
        codec.sendsSegments = segmentSends;
        ch.writeInbound(spp(CLIENT, CF, EDGE, "hello"));
        ((ProxiedDatagram) ch.readInbound()).release();
    }

    private void openV2(Mode mode, int maxReplyLength, boolean segmentSends) {
        codec = new ProxyV2DatagramCodec(UdpProxyConfig.builder().trustedEdges(TrustedProxies.of("127.0.0.1/32"))
                .maxReplyLength(maxReplyLength).build(), mode);
        ch = new EmbeddedChannel(codec);
        codec.sendsSegments = segmentSends;
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(CLIENT, CF).build();
        ByteBuf header = Unpooled.buffer();
        ProxyHeaderEncoder.encode(h, header);
        ch.writeInbound(datagram(concat(Udp.bytes(header), ascii("hello")), PROXY));
        ((ProxiedDatagram) ch.readInbound()).release();
    }

    /** {@code length} bytes counting up, so a segment out of place shows. */
    private static byte[] payload(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + i / 251);
        }
        return b;
    }

    private ChannelFuture writeSegmented(byte[] payload, int segmentSize) {
        ChannelFuture f = ch.writeOneOutbound(new SegmentedDatagramPacket(buf(payload), segmentSize, CLIENT));
        ch.flushOutbound();
        return f;
    }

    private List<DatagramPacket> sent() {
        List<DatagramPacket> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.add((DatagramPacket) o);
        }
        return out;
    }

    /** Checks {@code out} is {@code payload} cut every {@code segment} bytes, each behind the SPP header. */
    private static void assertFramedSegments(byte[] payload, int segment, byte[] out) {
        byte[] header = SppHeader.of(CLIENT, CF).toByteArray();
        int at = 0;
        for (int from = 0; from < payload.length; from += segment) {
            int n = Math.min(segment, payload.length - from);
            assertArrayEquals(header, Arrays.copyOfRange(out, at, at + SppHeader.LENGTH), "header at " + at);
            assertArrayEquals(Arrays.copyOfRange(payload, from, from + n),
                    Arrays.copyOfRange(out, at + SppHeader.LENGTH, at + SppHeader.LENGTH + n), "segment at " + from);
            at += SppHeader.LENGTH + n;
        }
        assertEquals(at, out.length, "nothing after the last segment");
    }

    private static byte[] release(DatagramPacket p) {
        try {
            return Udp.bytes(p.content());
        } finally {
            p.release();
        }
    }

    // ------------------------------------------------------------------ SPP

    @Test
    void sppWithoutSegmentSendsSendsEverySegmentAsItsOwnFramedDatagram() {
        openSpp(1472, false);
        byte[] payload = payload(3 * 1200 + 500);
        ChannelFuture f = writeSegmented(payload, 1200);
        List<DatagramPacket> out = sent();
        assertEquals(4, out.size(), "one datagram per segment, never two behind one header");
        for (int i = 0; i < 4; i++) {
            DatagramPacket p = out.get(i);
            assertFalse(p instanceof SegmentedDatagramPacket);
            assertEquals(EDGE, p.recipient());
            int n = i < 3 ? 1200 : 500;
            assertFramedSegments(Arrays.copyOfRange(payload, i * 1200, i * 1200 + n), 1200, release(p));
        }
        assertTrue(f.isSuccess(), "the reply's promise completes once every segment is written");
        assertEquals(0, codec.drops());
    }

    @Test
    void sppWithSegmentSendsGrowsTheSegmentSizeByTheHeader() {
        openSpp(1472, true);
        byte[] payload = payload(10 * 1434 - 100); // the last segment 100 bytes short
        ChannelFuture f = writeSegmented(payload, 1434);
        List<DatagramPacket> out = sent();
        assertEquals(1, out.size());
        SegmentedDatagramPacket p = assertInstanceOf(SegmentedDatagramPacket.class, out.get(0));
        assertEquals(1434 + SppHeader.LENGTH, p.segmentSize());
        assertEquals(EDGE, p.recipient());
        assertFramedSegments(payload, 1434, release(p));
        assertTrue(f.isSuccess());
    }

    @Test
    void sppSegmentsThatFillTheLimitExactlyAreSent() {
        openSpp(1472, false);
        byte[] payload = payload(3 * 1434);
        writeSegmented(payload, 1434);
        List<DatagramPacket> out = sent();
        assertEquals(3, out.size());
        for (DatagramPacket p : out) {
            assertEquals(1472, release(p).length);
        }
    }

    @Test
    void sppSegmentOverTheLimitRefusesTheWholeReplyAndSendsNothing() {
        openSpp(1472, true);
        SegmentedDatagramPacket reply = new SegmentedDatagramPacket(buf(payload(1435 + 10)), 1435, CLIENT);
        ChannelFuture f = ch.writeOneOutbound(reply);
        ch.flushOutbound();
        assertNull(ch.readOutbound());
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, ((UdpProxyException) f.cause()).reason());
        assertEquals(0, reply.refCnt());
        assertEquals(1, codec.drops(UdpDropReason.REPLY_TOO_LARGE));
    }

    @Test
    void sppSegmentedReplyLargerThanOneSendIsSplitIntoSeveralSegmentedSends() {
        openSpp(1472, true);
        byte[] payload = payload(80 * 1000); // 80 framed segments of 1038: 63 fit in 65 507 bytes
        ChannelFuture f = writeSegmented(payload, 1000);
        List<DatagramPacket> out = sent();
        assertEquals(2, out.size());
        byte[] first = release(out.get(0));
        byte[] second = release(out.get(1));
        assertEquals(63 * 1038, first.length);
        assertFramedSegments(Arrays.copyOf(payload, 63_000), 1000, first);
        assertFramedSegments(Arrays.copyOfRange(payload, 63_000, 80_000), 1000, second);
        assertTrue(f.isSuccess());
    }

    @Test
    void sppSegmentedReplyOfOneSegmentIsAPlainFramedDatagram() {
        openSpp(1472, true);
        byte[] payload = payload(900);
        writeSegmented(payload, 1200);
        DatagramPacket p = ch.readOutbound();
        assertFalse(p instanceof SegmentedDatagramPacket);
        assertFramedSegments(payload, 1200, release(p));
    }

    @Test
    void sppSegmentedReplyWithAVoidPromiseSendsEverySegment() {
        openSpp(1472, false);
        ch.writeOneOutbound(new SegmentedDatagramPacket(buf(payload(250)), 100, CLIENT), ch.voidPromise());
        ch.flushOutbound();
        List<DatagramPacket> out = sent();
        assertEquals(3, out.size());
        out.forEach(SegmentedReplyTest::release);
    }

    // ------------------------------------------------------------------ PROXY v2

    @Test
    void v2WithoutSegmentSendsSendsEverySegmentBareAndInOrder() {
        openV2(Mode.PER_DATAGRAM, 1472, false);
        byte[] payload = payload(2 * 1472 + 1); // 2 full segments and a 1-byte one
        ChannelFuture f = writeSegmented(payload, 1472);
        List<DatagramPacket> out = sent();
        assertEquals(3, out.size());
        int at = 0;
        for (DatagramPacket p : out) {
            assertEquals(PROXY, p.recipient());
            byte[] b = release(p);
            assertArrayEquals(Arrays.copyOfRange(payload, at, at + b.length), b, "no header on PROXY v2 replies");
            at += b.length;
        }
        assertEquals(payload.length, at);
        assertTrue(f.isSuccess());
    }

    @Test
    void v2WithSegmentSendsKeepsTheSegmentation() {
        openV2(Mode.FIRST_DATAGRAM, 1472, true);
        byte[] payload = payload(5 * 1350 + 7);
        ChannelFuture f = writeSegmented(payload, 1350);
        SegmentedDatagramPacket p = assertInstanceOf(SegmentedDatagramPacket.class, ch.readOutbound());
        assertEquals(1350, p.segmentSize());
        assertEquals(PROXY, p.recipient());
        assertArrayEquals(payload, release(p));
        assertTrue(f.isSuccess());
    }

    @Test
    void v2LimitAppliesPerSegmentNotToTheWholeBatch() {
        openV2(Mode.FIRST_DATAGRAM, 1472, false);
        writeSegmented(payload(10 * 1472), 1472);
        List<DatagramPacket> out = sent();
        assertEquals(10, out.size());
        out.forEach(SegmentedReplyTest::release);

        SegmentedDatagramPacket tooBig = new SegmentedDatagramPacket(buf(payload(3000)), 1473, CLIENT);
        ChannelFuture f = ch.writeOneOutbound(tooBig);
        ch.flushOutbound();
        assertNull(ch.readOutbound());
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, ((UdpProxyException) f.cause()).reason());
        assertEquals(0, tooBig.refCnt());
    }
}
