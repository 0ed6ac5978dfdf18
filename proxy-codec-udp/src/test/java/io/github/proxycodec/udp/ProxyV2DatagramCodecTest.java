package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Vector;
import io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.github.proxycodec.udp.Udp.ORIGIN;
import static io.github.proxycodec.udp.Udp.addr;
import static io.github.proxycodec.udp.Udp.ascii;
import static io.github.proxycodec.udp.Udp.buf;
import static io.github.proxycodec.udp.Udp.concat;
import static io.github.proxycodec.udp.Udp.datagram;
import static io.github.proxycodec.udp.Udp.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROXY v2 over UDP through an {@link EmbeddedChannel}, in both modes. */
class ProxyV2DatagramCodecTest {

    /** dnsdist (or a Spectrum edge) on loopback: every client arrives from this one port. */
    private static final InetSocketAddress PROXY = addr("127.0.0.1", 40000);
    private static final InetSocketAddress PROXY2 = addr("127.0.0.1", 40001);
    private static final InetSocketAddress PROXY6 = addr("::1", 40000);
    private static final InetSocketAddress SERVICE = addr("203.0.113.5", 53);
    private static final TrustedProxies LOOPBACK = TrustedProxies.of("127.0.0.1/32", "::1/128");

    private final MockTicker clock = Ticker.newMockTicker();
    private final Udp.Events events = new Udp.Events();
    private ProxyV2DatagramCodec codec;
    private EmbeddedChannel ch;

    private void open(Mode mode, UdpProxyConfig.Builder config) {
        codec = new ProxyV2DatagramCodec(config.trustedEdges(LOOPBACK).ticker(clock).build(), mode);
        ch = new EmbeddedChannel(codec, events);
    }

    private void open(Mode mode) {
        open(mode, UdpProxyConfig.builder());
    }

    @AfterEach
    void nothingLeftOver() {
        assertFalse(ch.finish(), "no message may be left in the channel");
    }

    private static byte[] header(InetSocketAddress client, InetSocketAddress dst) {
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client, dst).build();
        ByteBuf out = Unpooled.buffer();
        ProxyHeaderEncoder.encode(h, out);
        return Udp.bytes(out);
    }

    private static byte[] local() {
        ByteBuf out = Unpooled.buffer();
        ProxyHeaderEncoder.encode(ProxyHeader.builder().command(ProxyHeader.Command.LOCAL).build(), out);
        return Udp.bytes(out);
    }

    private static DatagramPacket v2(InetSocketAddress client, InetSocketAddress from, String payload) {
        return datagram(concat(header(client, SERVICE), ascii(payload)), from);
    }

    private ProxiedDatagram receive(DatagramPacket p) {
        ch.writeInbound(p);
        return ch.readInbound();
    }

    private String receiveText(DatagramPacket p, InetSocketAddress expectedSender) {
        ProxiedDatagram in = receive(p);
        try {
            assertEquals(expectedSender, in.sender());
            return text(in.content());
        } finally {
            in.release();
        }
    }

    /** Reads one reply and checks it goes to {@code edge} as the bare payload. */
    private void assertSent(InetSocketAddress edge, String payload) {
        DatagramPacket out = ch.readOutbound();
        try {
            assertEquals(edge, out.recipient());
            assertEquals(payload, text(out.content()), "PROXY v2 replies carry no header");
        } finally {
            out.release();
        }
    }

    private UdpProxyException refused(Object reply) {
        ChannelFuture f = ch.writeOneOutbound(reply);
        ch.flushOutbound();
        assertNull(ch.readOutbound());
        return (UdpProxyException) f.cause();
    }

    // ------------------------------------------------------------------ PER_DATAGRAM

    @Test
    void dnsdistIpv4VectorPassesTheQueryOnFromTheRealClient() {
        open(Mode.PER_DATAGRAM);
        Vector v = Vector.load("dnsdist-v2-udp4-dns");
        ProxiedDatagram in = receive(datagram(v.bytes(), PROXY));
        try {
            assertEquals(addr("127.0.0.1", 53001), in.sender());
            assertEquals(addr("127.0.0.1", 41760), in.recipient());
            assertEquals(PROXY, in.edge());
            assertEquals(28, v.headerLength());
            assertArrayEquals(v.payload(), Udp.bytes(in.content()));
            assertEquals(51, in.content().readableBytes());
            assertEquals(ProxyHeader.Transport.DGRAM, in.proxyHeader().transport());
            assertEquals(ProxyHeader.Family.INET, in.proxyHeader().family());
            assertNull(in.sppHeader());
        } finally {
            in.release();
        }
    }

    @Test
    void dnsdistIpv6VectorPassesTheQueryOnFromTheRealClient() {
        open(Mode.PER_DATAGRAM);
        Vector v = Vector.load("dnsdist-v2-udp6-dns");
        ProxiedDatagram in = receive(datagram(v.bytes(), PROXY6));
        try {
            assertEquals(addr("::1", 53011), in.sender());
            assertEquals(addr("::1", 41760), in.recipient());
            assertArrayEquals(v.payload(), Udp.bytes(in.content()));
            assertEquals(ProxyHeader.Family.INET6, in.proxyHeader().family());
        } finally {
            in.release();
        }
    }

    @Test
    void localHealthCheckIsPassedOnFromTheProxyAndItsAnswerGoesBack() {
        open(Mode.PER_DATAGRAM);
        Vector v = Vector.load("dnsdist-v2-udp-local-healthcheck");
        ProxiedDatagram in = receive(datagram(v.bytes(), PROXY));
        assertEquals(PROXY, in.sender());
        assertEquals(ORIGIN, in.recipient());
        assertEquals(ProxyHeader.Command.LOCAL, in.proxyHeader().command());
        assertArrayEquals(v.payload(), Udp.bytes(in.content()));
        assertEquals(0, codec.flows(), "a health check opens no flow");
        InetSocketAddress sender = in.sender();
        in.release();

        ch.writeOutbound(new DatagramPacket(buf("healthy"), sender));
        assertSent(PROXY, "healthy");
    }

    @Test
    void repliesGoToTheProxyEachClientCameThroughEvenWhenClientsShareOneProxyPort() {
        open(Mode.PER_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        InetSocketAddress b = addr("198.51.100.2", 2222);
        InetSocketAddress c = addr("2001:db8::3", 3333);
        assertEquals("qa", receiveText(v2(a, PROXY, "qa"), a));
        assertEquals("qb", receiveText(v2(b, PROXY, "qb"), b));
        assertEquals("qc", receiveText(v2(c, PROXY2, "qc"), c));
        assertEquals(3, codec.flows());

        ch.writeOutbound(new DatagramPacket(buf("ac"), c));
        assertSent(PROXY2, "ac");
        ch.writeOutbound(new DatagramPacket(buf("ab"), b));
        assertSent(PROXY, "ab");
        ch.writeOutbound(new DatagramPacket(buf("aa"), a));
        assertSent(PROXY, "aa");
    }

    @Test
    void explicitReplyGoesToTheEdgeWithoutHeader() {
        open(Mode.PER_DATAGRAM);
        ProxiedDatagram in = receive(v2(addr("198.51.100.1", 1111), PROXY2, "q"));
        ch.writeOutbound(in.reply(buf("a")));
        in.release();
        assertSent(PROXY2, "a");
    }

    @Test
    void emptyPayloadAfterAHeaderIsAnEmptyDatagramInPerDatagramMode() {
        open(Mode.PER_DATAGRAM);
        assertEquals("", receiveText(v2(addr("198.51.100.1", 1111), PROXY, ""), addr("198.51.100.1", 1111)));
    }

    @Test
    void datagramWithoutHeaderIsDroppedInPerDatagramMode() {
        open(Mode.PER_DATAGRAM);
        assertNull(receive(datagram(ascii("plain DNS query"), PROXY)));
        assertEquals(1, codec.drops(UdpDropReason.MISSING_HEADER));
    }

    @Test
    void streamHeaderIsInvalidOverUdp() {
        open(Mode.PER_DATAGRAM, UdpProxyConfig.builder().dropEvents(true));
        byte[] h = header(addr("198.51.100.1", 1111), SERVICE);
        h[13] = 0x11; // INET STREAM
        assertNull(receive(datagram(concat(h, ascii("q")), PROXY)));
        assertEquals(1, codec.drops(UdpDropReason.INVALID_HEADER));
        UdpProxyEvent e = events.of(UdpProxyEvent.Kind.DROPPED).get(0);
        assertEquals(ProxyProtocolException.Reason.TRANSPORT_NOT_ALLOWED, e.headerReason());
        assertEquals(PROXY, e.edge());
    }

    @Test
    void malformedHeadersAreDroppedWithTheParsersReason() {
        open(Mode.PER_DATAGRAM, UdpProxyConfig.builder().dropEvents(true));
        byte[] badVersion = header(addr("198.51.100.1", 1111), SERVICE);
        badVersion[12] = 0x31;
        byte[] badFamily = header(addr("198.51.100.1", 1111), SERVICE);
        badFamily[13] = 0x13;
        byte[] shortAddress = header(addr("198.51.100.1", 1111), SERVICE);
        shortAddress[15] = 11; // length 11 < the 12-byte INET block
        byte[] v1 = ascii("PROXY TCP4 198.51.100.1 203.0.113.5 1111 53\r\n");
        for (byte[] b : new byte[][] {badVersion, badFamily, shortAddress, v1}) {
            assertNull(receive(datagram(concat(b, ascii("q")), PROXY)));
        }
        assertEquals(4, codec.drops(UdpDropReason.INVALID_HEADER));
        assertEquals(Arrays.asList(ProxyProtocolException.Reason.V2_UNSUPPORTED_VERSION,
                        ProxyProtocolException.Reason.V2_UNSUPPORTED_FAMILY,
                        ProxyProtocolException.Reason.V2_ADDRESS_TRUNCATED,
                        ProxyProtocolException.Reason.VERSION_NOT_ACCEPTED),
                events.of(UdpProxyEvent.Kind.DROPPED).stream().map(UdpProxyEvent::headerReason).toList());
    }

    @Test
    void truncatedHeaderIsDroppedAsTooShort() {
        open(Mode.PER_DATAGRAM);
        byte[] h = header(addr("198.51.100.1", 1111), SERVICE);
        assertNull(receive(datagram(Arrays.copyOf(h, h.length - 1), PROXY)));
        assertNull(receive(datagram(Arrays.copyOf(h, 14), PROXY)));
        assertEquals(2, codec.drops(UdpDropReason.TOO_SHORT));
    }

    @Test
    void untrustedSenderIsDropped() {
        open(Mode.PER_DATAGRAM);
        assertNull(receive(v2(addr("198.51.100.1", 1111), addr("192.0.2.1", 40000), "q")));
        assertEquals(1, codec.drops(UdpDropReason.UNTRUSTED_SENDER));
        assertEquals(0, codec.flows());
    }

    @Test
    void unspecifiedClientAddressOrPortIsDropped() {
        open(Mode.PER_DATAGRAM);
        assertNull(receive(v2(addr("0.0.0.0", 1111), PROXY, "q")));
        assertNull(receive(v2(addr("198.51.100.1", 0), PROXY, "q")));
        byte[] unspecProxy = header(addr("198.51.100.1", 1111), SERVICE);
        unspecProxy[13] = 0x00; // PROXY command with UNSPEC family
        assertNull(receive(datagram(unspecProxy, PROXY)));
        assertEquals(3, codec.drops(UdpDropReason.UNSPECIFIED_ADDRESS));
    }

    @Test
    void replyToAnAddressThatIsNeitherAClientNorAProxyIsRefused() {
        open(Mode.PER_DATAGRAM);
        ByteBuf payload = buf("x");
        UdpProxyException e = refused(new DatagramPacket(payload, addr("198.51.100.9", 9)));
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, e.reason());
        assertTrue(e.getMessage().contains("/198.51.100.9:9"), e.getMessage());
        assertEquals(0, payload.refCnt());
    }

    @Test
    void oversizeReplyIsRefused() {
        open(Mode.PER_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(v2(a, PROXY, "q")).release();
        ch.writeOutbound(new DatagramPacket(buf(new byte[1472]), a));
        DatagramPacket ok = ch.readOutbound();
        assertEquals(1472, ok.content().readableBytes());
        ok.release();
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, refused(new DatagramPacket(buf(new byte[1473]), a)).reason());
    }

    @Test
    void replyRoutesExpireAfterThePerDatagramIdleTimeout() {
        open(Mode.PER_DATAGRAM, UdpProxyConfig.builder().perDatagramIdleTimeout(java.time.Duration.ofSeconds(10)));
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(v2(a, PROXY, "q")).release();
        clock.advance(10, TimeUnit.SECONDS);
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, refused(new DatagramPacket(buf("late"), a)).reason());
        assertEquals(1, codec.expirations());
        assertEquals(a, events.of(UdpProxyEvent.Kind.FLOW_EXPIRED).get(0).client());
    }

    @Test
    void sppReplyCannotGoThroughAProxyV2Codec() {
        open(Mode.PER_DATAGRAM);
        SppHeader h = SppHeader.of(addr("198.51.100.1", 1111), SERVICE);
        ProxiedDatagram spp = new ProxiedDatagram(buf("q"), SERVICE, h.client(), PROXY, h, null);
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, refused(spp.reply(buf("a"))).reason());
        spp.release();
    }

    // ------------------------------------------------------------------ FIRST_DATAGRAM

    @Test
    void headerOnlyFirstDatagramOpensTheFlowAndIsNotPassedOn() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress client = addr("198.51.100.1", 1111);
        assertNull(receive(datagram(header(client, SERVICE), PROXY)));
        assertEquals(1, codec.flows());
        assertEquals(0, codec.drops());
        UdpProxyEvent created = events.of(UdpProxyEvent.Kind.FLOW_CREATED).get(0);
        assertEquals(client, created.client());
        assertEquals(PROXY, created.edge());

        ProxiedDatagram in = receive(datagram(ascii("first payload"), PROXY));
        assertEquals(client, in.sender());
        assertEquals(SERVICE, in.recipient());
        assertEquals(PROXY, in.edge());
        assertEquals(client, in.proxyHeader().sourceAddress());
        assertEquals("first payload", text(in.content()));
        in.release();
        assertEquals("second", receiveText(datagram(ascii("second"), PROXY), client));
    }

    @Test
    void firstDatagramWithHeaderAndPayloadIsPassedOn() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress client = addr("198.51.100.1", 1111);
        assertEquals("hello", receiveText(v2(client, PROXY, "hello"), client));
        assertEquals("again", receiveText(datagram(ascii("again"), PROXY), client));
    }

    @Test
    void dnsdistVectorWorksAsAFirstDatagram() {
        open(Mode.FIRST_DATAGRAM);
        Vector v = Vector.load("dnsdist-v2-udp4-dns");
        ProxiedDatagram in = receive(datagram(v.bytes(), PROXY));
        assertArrayEquals(v.payload(), Udp.bytes(in.content()));
        assertEquals(addr("127.0.0.1", 53001), in.sender());
        in.release();
    }

    @Test
    void headerlessDatagramFromAnEdgeWithNoFlowIsDropped() {
        open(Mode.FIRST_DATAGRAM, UdpProxyConfig.builder().dropEvents(true));
        receive(datagram(header(addr("198.51.100.1", 1111), SERVICE), PROXY));
        assertNull(receive(datagram(ascii("who am I"), PROXY2)), "same edge address, other port: other flow");
        assertEquals(1, codec.drops(UdpDropReason.UNKNOWN_FLOW));
        assertEquals(PROXY2, events.of(UdpProxyEvent.Kind.DROPPED).get(0).edge());
    }

    @Test
    void aNewHeaderReplacesTheFlowOfThatEdgePort() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        InetSocketAddress b = addr("198.51.100.2", 2222);
        receive(datagram(header(a, SERVICE), PROXY));
        assertEquals("from a", receiveText(datagram(ascii("from a"), PROXY), a));
        receive(datagram(header(b, SERVICE), PROXY)); // the edge reused its port for b
        assertEquals("from b", receiveText(datagram(ascii("from b"), PROXY), b));
        assertEquals(1, codec.flows());

        ch.writeOutbound(new DatagramPacket(buf("to b"), b));
        assertSent(PROXY, "to b");
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, refused(new DatagramPacket(buf("to a"), a)).reason(),
                "a's replies must not reach b");
    }

    @Test
    void anInvalidHeaderEndsTheFlowOfThatEdgePort() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(datagram(header(a, SERVICE), PROXY));
        byte[] bad = header(a, SERVICE);
        bad[12] = 0x22; // command 2
        assertNull(receive(datagram(bad, PROXY)));
        assertNull(receive(datagram(ascii("orphan"), PROXY)));
        assertEquals(1, codec.drops(UdpDropReason.INVALID_HEADER));
        assertEquals(1, codec.drops(UdpDropReason.UNKNOWN_FLOW));
    }

    @Test
    void payloadThatMerelyStartsLikeV1IsPayloadInFirstDatagramMode() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(datagram(header(a, SERVICE), PROXY));
        assertEquals("PROXY TCP4 x", receiveText(datagram(ascii("PROXY TCP4 x"), PROXY), a));
    }

    @Test
    void localHeaderMakesLaterDatagramsThoseOfTheProxyItself() {
        open(Mode.FIRST_DATAGRAM);
        ProxiedDatagram in = receive(datagram(concat(local(), ascii("ping")), PROXY));
        assertEquals(PROXY, in.sender());
        assertEquals(ProxyHeader.Command.LOCAL, in.proxyHeader().command());
        in.release();
        assertEquals("ping2", receiveText(datagram(ascii("ping2"), PROXY), PROXY));
        ch.writeOutbound(new DatagramPacket(buf("pong"), PROXY));
        assertSent(PROXY, "pong");
    }

    @Test
    void repliesToTheClientGoToItsEdgePortWithoutHeader() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        InetSocketAddress b = addr("2001:db8::2", 2222);
        receive(datagram(header(a, SERVICE), PROXY));
        receive(datagram(header(b, addr("2001:db8::53", 53)), PROXY2));
        ch.writeOutbound(new DatagramPacket(buf("to a"), a));
        assertSent(PROXY, "to a");
        ch.writeOutbound(new DatagramPacket(buf("to b"), b));
        assertSent(PROXY2, "to b");
    }

    @Test
    void flowsExpireJustUnderSpectrumsThirtySeconds() {
        open(Mode.FIRST_DATAGRAM);
        assertTrue(codec.config().firstDatagramIdleTimeout().getSeconds() < 30);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(datagram(header(a, SERVICE), PROXY));
        clock.advance(24, TimeUnit.SECONDS);
        assertEquals("alive", receiveText(datagram(ascii("alive"), PROXY), a));
        clock.advance(25, TimeUnit.SECONDS);
        assertNull(receive(datagram(ascii("expired"), PROXY)));
        assertEquals(1, codec.drops(UdpDropReason.UNKNOWN_FLOW));
        assertEquals(1, codec.expirations());
        UdpProxyEvent e = events.of(UdpProxyEvent.Kind.FLOW_EXPIRED).get(0);
        assertEquals(a, e.client());
        assertEquals(PROXY, e.edge());
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, refused(new DatagramPacket(buf("x"), a)).reason());
    }

    @Test
    void flowsAreBoundedInFirstDatagramMode() {
        open(Mode.FIRST_DATAGRAM, UdpProxyConfig.builder().maxFlows(10));
        for (int i = 0; i < 1000; i++) {
            receive(datagram(header(addr("198.51.100.1", 1000 + i), SERVICE), addr("127.0.0.1", 20000 + i)));
        }
        assertEquals(10, codec.flows());
        assertEquals(990, codec.evictions());
        assertEquals(990, events.of(UdpProxyEvent.Kind.FLOW_EVICTED).size());
        // The oldest edge ports are forgotten, the newest still map to their clients.
        assertNull(receive(datagram(ascii("old"), addr("127.0.0.1", 20000))));
        assertEquals("new", receiveText(datagram(ascii("new"), addr("127.0.0.1", 20999)), addr("198.51.100.1", 1999)));
        ch.writeOutbound(new DatagramPacket(buf("r"), addr("198.51.100.1", 1999)));
        assertSent(addr("127.0.0.1", 20999), "r");
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY,
                refused(new DatagramPacket(buf("r"), addr("198.51.100.1", 1000))).reason());
    }

    @Test
    void expiringAFlowAlsoEndsItsReplyRoute() {
        open(Mode.FIRST_DATAGRAM);
        InetSocketAddress a = addr("198.51.100.1", 1111);
        receive(datagram(header(a, SERVICE), PROXY));
        clock.advance(25, TimeUnit.SECONDS);
        codec.expireIdleFlows();
        assertEquals(0, codec.flows());
        assertEquals(1, events.of(UdpProxyEvent.Kind.FLOW_EXPIRED).size());
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, refused(new DatagramPacket(buf("x"), a)).reason());
    }

    @Test
    void passedOnDatagramsKeepTheirTypeWhenDuplicated() {
        open(Mode.PER_DATAGRAM);
        ProxiedDatagram in = receive(v2(addr("198.51.100.1", 1111), PROXY, "q"));
        ProxiedDatagram dup = in.retainedDuplicate();
        assertEquals(in.edge(), dup.edge());
        assertSame(in.proxyHeader(), dup.proxyHeader());
        assertEquals(in.sender(), dup.sender());
        dup.release();
        in.release();
    }

    @Test
    void modeIsWhatWasConfigured() {
        open(Mode.FIRST_DATAGRAM);
        assertSame(Mode.FIRST_DATAGRAM, codec.mode());
    }
}
