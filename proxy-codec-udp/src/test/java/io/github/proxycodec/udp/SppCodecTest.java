package io.github.proxycodec.udp;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultAddressedEnvelope;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static io.github.proxycodec.udp.Udp.EDGE;
import static io.github.proxycodec.udp.Udp.EDGE2;
import static io.github.proxycodec.udp.Udp.STRANGER;
import static io.github.proxycodec.udp.Udp.addr;
import static io.github.proxycodec.udp.Udp.buf;
import static io.github.proxycodec.udp.Udp.datagram;
import static io.github.proxycodec.udp.Udp.spp;
import static io.github.proxycodec.udp.Udp.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SPP through an {@link EmbeddedChannel}: one test per rule of the codec. */
class SppCodecTest {

    private static final InetSocketAddress CF = addr("198.51.100.20", 53);

    private final MockTicker clock = Ticker.newMockTicker();
    private final Udp.Events events = new Udp.Events();
    private SppCodec codec;
    private EmbeddedChannel ch;

    private void open(UdpProxyConfig.Builder config) {
        codec = new SppCodec(config.ticker(clock).build());
        ch = new EmbeddedChannel(codec, events);
    }

    private void open() {
        open(UdpProxyConfig.builder());
    }

    @AfterEach
    void nothingLeftOver() {
        assertFalse(ch.finish(), "no message may be left in the channel");
    }

    /** Writes an inbound datagram and returns what the codec passed on (or null). */
    private ProxiedDatagram receive(DatagramPacket p) {
        ch.writeInbound(p);
        return ch.readInbound();
    }

    /** Reads one framed reply; checks it carries exactly {@code header}; returns its payload. */
    private String sentTo(InetSocketAddress edge, SppHeader header) {
        DatagramPacket out = ch.readOutbound();
        try {
            assertEquals(edge, out.recipient());
            byte[] all = Udp.bytes(out.content());
            assertArrayEquals(header.toByteArray(), Arrays.copyOf(all, SppHeader.LENGTH),
                    "a reply must start with its own client's 38 bytes, unchanged");
            return new String(all, SppHeader.LENGTH, all.length - SppHeader.LENGTH, StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }

    // ------------------------------------------------------------------ inbound

    @Test
    void ipv4MappedVectorBecomesADatagramFromTheRealIpv4Client() {
        open();
        ProxiedDatagram in = receive(datagram(Vector.load("crafted/spp-ipv4-mapped").bytes(), EDGE));
        try {
            assertEquals(addr("192.0.2.10", 12345), in.sender());
            assertInstanceOf(Inet4Address.class, in.sender().getAddress());
            assertEquals(addr("198.51.100.20", 53), in.recipient());
            assertEquals(EDGE, in.edge());
            assertEquals("PING\n", text(in.content()));
            assertEquals(addr("192.0.2.10", 12345), in.sppHeader().client());
            assertNull(in.proxyHeader());
        } finally {
            in.release();
        }
    }

    @Test
    void ipv6VectorBecomesADatagramFromTheRealIpv6Client() {
        open(UdpProxyConfig.builder().trustedEdges(TrustedProxies.of("2606:4700::/32")));
        InetSocketAddress edge6 = addr("2606:4700::1", 4000);
        ProxiedDatagram in = receive(datagram(Vector.load("crafted/spp-ipv6").bytes(), edge6));
        try {
            assertEquals(addr("2001:db8::10", 23456), in.sender());
            assertEquals(addr("2001:db8::20", 443), in.recipient());
            assertEquals(edge6, in.edge());
            assertEquals("PING\n", text(in.content()));
        } finally {
            in.release();
        }
    }

    @Test
    void payloadIsASliceOfTheReceivedBufferNotACopy() {
        open();
        DatagramPacket p = spp(addr("192.0.2.1", 1000), CF, EDGE, "hello");
        ByteBuf received = p.content().retain(); // our own share, to look at it afterwards
        ProxiedDatagram in = receive(p);
        in.content().setByte(0, 'J');
        assertEquals('J', received.getByte(SppHeader.LENGTH), "same memory, no copy");
        in.release();
        assertEquals(1, received.refCnt(), "only our share is left: the codec released its own");
        received.release();
    }

    @Test
    void headerOnlyDatagramIsPassedOnWithAnEmptyPayload() {
        open();
        ProxiedDatagram in = receive(spp(addr("192.0.2.1", 1000), CF, EDGE, ""));
        assertEquals(0, in.content().readableBytes());
        in.release();
    }

    @Test
    void datagramShorterThan38BytesIsDroppedAsTooShort() {
        open();
        byte[] header = SppHeader.of(addr("192.0.2.1", 1000), CF).toByteArray();
        assertNull(receive(datagram(Arrays.copyOf(header, 37), EDGE)));
        assertNull(receive(datagram(new byte[0], EDGE)));
        assertEquals(2, codec.drops(UdpDropReason.TOO_SHORT));
        assertEquals(2, codec.drops());
        assertEquals(0, codec.flows());
    }

    @Test
    void wrongMagicIsDropped() {
        open(UdpProxyConfig.builder().dropEvents(true));
        byte[] b = Vector.load("crafted/spp-ipv4-mapped").bytes();
        b[0] = 0x0D; // e.g. a PROXY v2 header sent to an SPP listener
        assertNull(receive(datagram(b, EDGE)));
        assertEquals(1, codec.drops(UdpDropReason.BAD_MAGIC));
        UdpProxyEvent e = events.of(UdpProxyEvent.Kind.DROPPED).get(0);
        assertEquals(UdpDropReason.BAD_MAGIC, e.reason());
        assertEquals(EDGE, e.edge());
    }

    @Test
    void senderOutsideTheTrustedEdgesIsDroppedEvenWithAValidHeader() {
        open();
        assertNull(receive(datagram(Vector.load("crafted/spp-ipv4-mapped").bytes(), STRANGER)));
        assertEquals(1, codec.drops(UdpDropReason.UNTRUSTED_SENDER));
        assertEquals(0, codec.flows(), "an untrusted header creates no flow");
    }

    @Test
    void cloudflareRangesAreTrustedByDefault() {
        codec = new SppCodec();
        ch = new EmbeddedChannel(codec);
        assertSame(TrustedProxies.cloudflare(), codec.config().trustedEdges());
        ProxiedDatagram in = receive(spp(addr("192.0.2.1", 1000), CF, EDGE2, "x"));
        in.release();
    }

    @Test
    void unspecifiedAddressOrPortZeroIsDroppedByDefault() {
        open();
        assertNull(receive(spp(addr("0.0.0.0", 1000), CF, EDGE, "x")));
        assertNull(receive(spp(addr("::", 1000), CF, EDGE, "x")));
        assertNull(receive(spp(addr("192.0.2.1", 0), CF, EDGE, "x")));
        assertNull(receive(spp(addr("192.0.2.1", 1000), addr("0.0.0.0", 53), EDGE, "x")));
        assertNull(receive(spp(addr("192.0.2.1", 1000), addr("198.51.100.20", 0), EDGE, "x")));
        assertEquals(5, codec.drops(UdpDropReason.UNSPECIFIED_ADDRESS));
    }

    @Test
    void unspecifiedAddressesCanBeAllowed() {
        open(UdpProxyConfig.builder().rejectUnspecifiedAddresses(false));
        ProxiedDatagram in = receive(spp(addr("192.0.2.1", 0), CF, EDGE, "x"));
        assertEquals(0, in.sender().getPort());
        in.release();
    }

    @Test
    void messagesOtherThanDatagramsPassThrough() {
        open();
        ch.writeInbound("not a datagram");
        assertEquals("not a datagram", ch.readInbound());
    }

    // ------------------------------------------------------------------ outbound: the echo

    @Test
    void replyToTheSenderGoesToTheEdgeWithTheClientsHeaderUnchanged() {
        open();
        DatagramPacket p = datagram(Vector.load("crafted/spp-ipv4-mapped").bytes(), EDGE);
        byte[] received = Arrays.copyOf(Udp.bytes(p.content()), SppHeader.LENGTH);
        ProxiedDatagram in = receive(p);
        InetSocketAddress client = in.sender();
        in.release();

        assertTrue(ch.writeOutbound(new DatagramPacket(buf("PONG\n"), client)));
        DatagramPacket out = ch.readOutbound();
        assertEquals(EDGE, out.recipient());
        byte[] sent = Udp.bytes(out.content());
        assertArrayEquals(received, Arrays.copyOf(sent, SppHeader.LENGTH), "same fields, same positions");
        assertEquals("PONG\n", new String(sent, SppHeader.LENGTH, 5, StandardCharsets.US_ASCII));
        out.release();
    }

    @Test
    void manyClientsThroughOneEdgeEachGetExactlyTheirOwnHeader() {
        open();
        int n = 200;
        SppHeader[] headers = new SppHeader[n];
        for (int i = 0; i < n; i++) {
            InetSocketAddress client = i % 2 == 0 ? addr("192.0.2." + (i % 250), 10000 + i)
                    : addr("2001:db8::" + Integer.toHexString(i), 10000 + i);
            headers[i] = SppHeader.of(client, CF);
            receive(spp(client, CF, EDGE, "q" + i)).release();
        }
        assertEquals(n, codec.flows());
        // Reply in a different order than the requests came.
        for (int i = n - 1; i >= 0; i--) {
            ch.writeOutbound(new DatagramPacket(buf("a" + i), headers[i].client()));
            assertEquals("a" + i, sentTo(EDGE, headers[i]));
        }
        assertEquals(0, codec.drops());
    }

    @Test
    void aKnownClientIsRecognisedFromItsHeaderBytes() {
        open();
        InetSocketAddress[] clients = {addr("192.0.2.7", 7000), addr("2001:db8::7", 7000), addr("::ffff:0:7", 1)};
        for (InetSocketAddress client : clients) {
            ProxiedDatagram first = receive(spp(client, CF, EDGE, "1"));
            ProxiedDatagram second = receive(spp(client, CF, EDGE, "2"));
            // Same flow: an equal header is handed on, and no new flow is reported (below).
            assertEquals(first.sppHeader(), second.sppHeader(), "flow of " + client + " found again");
            assertEquals(client, second.sender());
            assertEquals(client.getAddress().getClass(), second.sender().getAddress().getClass());
            assertEquals(CF, second.recipient());
            assertEquals("2", text(second.content()));
            first.release();
            second.release();
        }
        assertEquals(clients.length, events.of(UdpProxyEvent.Kind.FLOW_CREATED).size());
        // One byte of the header differs (the proxy port): a new header, so a new flow.
        InetSocketAddress otherPort = new InetSocketAddress(CF.getAddress(), CF.getPort() + 1);
        ProxiedDatagram moved = receive(spp(clients[0], otherPort, EDGE, "3"));
        assertEquals(otherPort, moved.recipient());
        moved.release();
        assertEquals(clients.length + 1, events.of(UdpProxyEvent.Kind.FLOW_CREATED).size());
        ch.writeOutbound(new DatagramPacket(buf("r"), clients[0]));
        assertEquals("r", sentTo(EDGE, SppHeader.of(clients[0], otherPort)));
    }

    @Test
    void aReplyGoesToItsOwnClientsFlowNotTheLastOnesWhenTheyLookAlike() {
        // The flow of the datagram just handled is checked first: a reply to a client that
        // differs from it only in port, or only in address, must still get its own header.
        open();
        InetSocketAddress[] clients = {addr("192.0.2.7", 7000), addr("192.0.2.7", 7001), addr("192.0.2.8", 7000),
            addr("2001:db8::7", 7000), addr("2001:db8::7", 7001), addr("2001:db8::8", 7000)};
        for (InetSocketAddress c : clients) {
            receive(spp(c, CF, EDGE, "hello")).release();
        }
        for (InetSocketAddress last : clients) {
            for (InetSocketAddress to : clients) {
                ProxiedDatagram in = receive(spp(last, CF, EDGE, "q"));
                InetSocketAddress replyTo = to == last ? in.sender() : new InetSocketAddress(to.getAddress(), to.getPort());
                in.release();
                ch.writeOutbound(new DatagramPacket(buf("r"), replyTo));
                assertEquals("r", sentTo(EDGE, SppHeader.of(to, CF)), "reply to " + to + " after " + last);
            }
        }
        assertEquals(clients.length, events.of(UdpProxyEvent.Kind.FLOW_CREATED).size());
    }

    @Test
    void manyRepliesHeldAtOnceEachKeepTheirOwnBytes() {
        // Replies are cut from shared blocks: write enough to fill several blocks, and one too
        // large to be cut from a block, keep them all, and only then check every byte.
        open(UdpProxyConfig.builder().maxReplyLength(9000));
        int n = 1000;
        SppHeader[] headers = new SppHeader[n];
        for (int i = 0; i < n; i++) {
            InetSocketAddress client = addr("10.9." + (i >> 8) + "." + (i & 255), 20000 + i);
            headers[i] = SppHeader.of(client, CF);
            receive(spp(client, CF, EDGE, "q")).release();
        }
        String big = "x".repeat(5000);
        for (int i = 0; i < n; i++) {
            String payload = i == n / 2 ? big : "reply-" + i + "-" + "y".repeat(i % 90);
            ch.write(new DatagramPacket(buf(payload), headers[i].client()));
        }
        ch.flush();
        java.util.List<DatagramPacket> sent = new java.util.ArrayList<>();
        for (DatagramPacket p; (p = ch.readOutbound()) != null; ) {
            sent.add(p);
        }
        try {
            assertEquals(n, sent.size());
            for (int i = 0; i < n; i++) {
                String payload = i == n / 2 ? big : "reply-" + i + "-" + "y".repeat(i % 90);
                byte[] all = Udp.bytes(sent.get(i).content());
                assertArrayEquals(headers[i].toByteArray(), Arrays.copyOf(all, SppHeader.LENGTH), "header of reply " + i);
                assertEquals(payload, new String(all, SppHeader.LENGTH, all.length - SppHeader.LENGTH,
                        StandardCharsets.US_ASCII), "payload of reply " + i);
            }
        } finally {
            sent.forEach(DatagramPacket::release);
        }
        assertEquals(0, codec.drops());
    }

    // ------------------------------------------------------------------ outbound: a reply in place

    @Test
    void anEchoIsSentFromTheReceivedBufferBehindItsOwnHeader() {
        open();
        InetSocketAddress[] clients = {addr("192.0.2.1", 1000), addr("2001:db8::1", 1000)};
        for (InetSocketAddress client : clients) {
            DatagramPacket p = spp(client, CF, EDGE, "hello");
            ByteBuf received = p.content().retain(); // our own share, to look at it afterwards
            ProxiedDatagram in = receive(p);
            ch.writeOutbound(new DatagramPacket(in.content(), in.sender()));
            DatagramPacket out = ch.readOutbound();
            assertEquals(EDGE, out.recipient());
            assertArrayEquals(Udp.bytes(received), Udp.bytes(out.content()), "header and payload, as received");
            received.setByte(SppHeader.LENGTH, 'J');
            assertEquals('J', out.content().getByte(out.content().readerIndex() + SppHeader.LENGTH),
                    "the same memory: nothing copied");
            out.release();
            assertEquals(1, received.refCnt(), "the reply carried the datagram's reference, and released it");
            received.release();
        }
        assertEquals(0, codec.drops());
    }

    @Test
    void aReplyWrittenOverTheRequestIsSentInPlace() {
        open();
        InetSocketAddress client = addr("192.0.2.1", 1000);
        ProxiedDatagram in = receive(spp(client, CF, EDGE, "hello world"));
        in.content().clear().writeBytes(Udp.ascii("pong"));
        ch.writeOutbound(new DatagramPacket(in.content(), in.sender()));
        assertEquals("pong", sentTo(EDGE, SppHeader.of(client, CF)));
        // The same through ProxiedDatagram.reply, which checks the header it carries.
        in = receive(spp(client, CF, EDGE, "hello world"));
        in.content().clear().writeBytes(Udp.ascii("pong!"));
        ch.writeOutbound(in.reply(in.content()));
        assertEquals("pong!", sentTo(EDGE, SppHeader.of(client, CF)));
    }

    @Test
    void aReplyNotInPlaceIsCopiedBehindTheRightHeader() {
        // Each case is one the in-place path must turn down; taking it would send other bytes.
        open();
        InetSocketAddress a = addr("192.0.2.1", 1000);
        InetSocketAddress b = addr("192.0.2.2", 2000);
        SppHeader ha = SppHeader.of(a, CF);

        // Partly read: what is left is sent, not the whole payload.
        ProxiedDatagram in = receive(spp(a, CF, EDGE, "hello"));
        in.content().skipBytes(2);
        ch.writeOutbound(new DatagramPacket(in.content(), a));
        assertEquals("llo", sentTo(EDGE, ha));

        // Relayed to another client: that client's header, not the sender's.
        receive(spp(b, CF, EDGE, "1")).release();
        in = receive(spp(a, CF, EDGE, "for b"));
        ch.writeOutbound(new DatagramPacket(in.content(), b));
        assertEquals("for b", sentTo(EDGE, SppHeader.of(b, CF)));
        ProxiedDatagram fromA = receive(spp(a, CF, EDGE, "x"));
        in = receive(spp(b, CF, EDGE, "for a"));
        ch.writeOutbound(fromA.reply(in.content()));
        fromA.release();
        assertEquals("for a", sentTo(EDGE, ha));

        // An earlier datagram's payload, from the same client, after a later one was passed on.
        ProxiedDatagram first = receive(spp(a, CF, EDGE, "first"));
        ProxiedDatagram second = receive(spp(a, CF, EDGE, "second"));
        ch.writeOutbound(new DatagramPacket(first.content(), a));
        assertEquals("first", sentTo(EDGE, ha));
        ch.writeOutbound(new DatagramPacket(second.content(), a));
        assertEquals("second", sentTo(EDGE, ha));

        // Echoed twice: once in place, then copied; each with the payload.
        in = receive(spp(a, CF, EDGE, "twice"));
        in.retain();
        ch.writeOutbound(new DatagramPacket(in.content(), a));
        ch.writeOutbound(new DatagramPacket(in.content(), a));
        assertEquals("twice", sentTo(EDGE, ha));
        assertEquals("twice", sentTo(EDGE, ha));
        assertEquals(0, in.refCnt());
        assertEquals(0, codec.drops());
    }

    @Test
    void anEchoOverTheMaximumIsRefusedToo() {
        open(UdpProxyConfig.builder().maxReplyLength(100));
        InetSocketAddress client = addr("192.0.2.1", 1);
        ProxiedDatagram in = receive(spp(client, CF, EDGE, "y".repeat(100 - SppHeader.LENGTH + 1)));
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(in.content(), client));
        ch.flushOutbound();
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, ((UdpProxyException) f.cause()).reason());
        assertEquals(0, in.refCnt());
        assertNull(ch.readOutbound());
    }

    @Test
    void repliesFollowTheEdgeOfTheClientsLatestDatagram() {
        open();
        InetSocketAddress client = addr("192.0.2.7", 7000);
        receive(spp(client, CF, EDGE, "1")).release();
        receive(spp(client, CF, EDGE2, "2")).release();
        ch.writeOutbound(new DatagramPacket(buf("r"), client));
        assertEquals("r", sentTo(EDGE2, SppHeader.of(client, CF)));
        assertEquals(2, events.of(UdpProxyEvent.Kind.FLOW_CREATED).size(), "a move to a new edge is reported");
    }

    @Test
    void explicitReplyNeedsNoFlow() {
        open(UdpProxyConfig.builder().maxFlows(1));
        ProxiedDatagram first = receive(spp(addr("192.0.2.1", 1), CF, EDGE, "1"));
        receive(spp(addr("192.0.2.2", 2), CF, EDGE2, "2")).release(); // evicts the first client's flow
        assertEquals(1, codec.evictions());
        ch.writeOutbound(first.reply(buf("still yours")));
        first.release();
        assertEquals("still yours", sentTo(EDGE, SppHeader.of(addr("192.0.2.1", 1), CF)));
    }

    @Test
    void replyToAnUnknownClientFailsItsPromiseAndIsReleased() {
        open(UdpProxyConfig.builder().dropEvents(true));
        ByteBuf payload = buf("lost");
        InetSocketAddress nobody = addr("192.0.2.200", 9);
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(payload, nobody));
        ch.flushOutbound();
        assertTrue(f.isDone());
        UdpProxyException e = assertInstanceOf(UdpProxyException.class, f.cause());
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, e.reason());
        assertTrue(e.getMessage().contains("no SPP flow for /192.0.2.200:9"), e.getMessage());
        assertEquals(0, payload.refCnt());
        assertNull(ch.readOutbound(), "nothing leaves unframed");
        assertEquals(1, codec.drops(UdpDropReason.NO_FLOW_FOR_REPLY));
        assertEquals(nobody, events.of(UdpProxyEvent.Kind.DROPPED).get(0).client());
        assertEquals(1, codec.repliesRefused());
    }

    @Test
    void dropsAreCountedWithoutEventsUnlessDropEventsIsSet() {
        open();
        byte[] b = Vector.load("crafted/spp-ipv4-mapped").bytes();
        b[0] = 0x0D;
        assertNull(receive(datagram(b, EDGE)));
        ChannelFuture f = ch.writeAndFlush(new DatagramPacket(buf("lost"), addr("192.0.2.200", 9)));
        assertInstanceOf(UdpProxyException.class, f.cause());
        assertEquals(1, codec.drops(UdpDropReason.BAD_MAGIC));
        assertEquals(1, codec.repliesRefused(), "a refused reply is counted apart from inbound drops");
        assertEquals(2, codec.drops());
        assertTrue(events.of(UdpProxyEvent.Kind.DROPPED).isEmpty(), "no event per drop by default");
    }

    @Test
    void anyAddressedEnvelopeIsFramedNotOnlyDatagramPackets() {
        open();
        InetSocketAddress client = addr("192.0.2.1", 1);
        receive(spp(client, CF, EDGE, "1")).release();
        ch.writeOutbound(new DefaultAddressedEnvelope<>(buf("env"), client));
        assertEquals("env", sentTo(EDGE, SppHeader.of(client, CF)));
    }

    @Test
    void bareBufferIsRefusedSinceItHasNoClient() {
        open();
        ByteBuf b = buf("x");
        ChannelFuture f = ch.writeOneOutbound(b);
        ch.flushOutbound();
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, ((UdpProxyException) f.cause()).reason());
        assertEquals(0, b.refCnt());
        assertNull(ch.readOutbound());
    }

    @Test
    void replyOverTheMaximumWithItsHeaderIsRefused() {
        open();
        InetSocketAddress client = addr("192.0.2.1", 1);
        receive(spp(client, CF, EDGE, "1")).release();

        ch.writeOutbound(new DatagramPacket(buf(new byte[1472 - 38]), client)); // exactly the limit
        assertEquals(1434, sentTo(EDGE, SppHeader.of(client, CF)).length());

        ByteBuf big = buf(new byte[1472 - 38 + 1]);
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(big, client));
        ch.flushOutbound();
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, ((UdpProxyException) f.cause()).reason());
        assertEquals(0, big.refCnt());
        assertNull(ch.readOutbound());
        assertEquals(1, codec.drops(UdpDropReason.REPLY_TOO_LARGE));
    }

    @Test
    void maximumReplyLengthIsConfigurable() {
        open(UdpProxyConfig.builder().maxReplyLength(100));
        InetSocketAddress client = addr("192.0.2.1", 1);
        ProxiedDatagram in = receive(spp(client, CF, EDGE, "1"));
        ChannelFuture f = ch.writeOneOutbound(in.reply(buf(new byte[63])));
        in.release();
        ch.flushOutbound();
        assertEquals(UdpDropReason.REPLY_TOO_LARGE, ((UdpProxyException) f.cause()).reason());
    }

    // ------------------------------------------------------------------ flow state

    @Test
    void flowsAreBoundedWithLeastRecentlyUsedEviction() {
        open(UdpProxyConfig.builder().maxFlows(3));
        InetSocketAddress a = addr("192.0.2.1", 1);
        InetSocketAddress b = addr("192.0.2.2", 2);
        InetSocketAddress c = addr("192.0.2.3", 3);
        InetSocketAddress d = addr("192.0.2.4", 4);
        receive(spp(a, CF, EDGE, "")).release();
        receive(spp(b, CF, EDGE, "")).release();
        receive(spp(c, CF, EDGE, "")).release();
        ch.writeOutbound(new DatagramPacket(buf("keep a"), a)); // a used: b is now the oldest
        sentTo(EDGE, SppHeader.of(a, CF));
        receive(spp(d, CF, EDGE, "")).release();

        assertEquals(3, codec.flows());
        assertEquals(1, codec.evictions());
        UdpProxyEvent evicted = events.of(UdpProxyEvent.Kind.FLOW_EVICTED).get(0);
        assertEquals(b, evicted.client());
        assertEquals(EDGE, evicted.edge());
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(buf("to b"), b));
        ch.flushOutbound();
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, ((UdpProxyException) f.cause()).reason());
    }

    @Test
    void aFloodOfSpoofedClientsCannotGrowTheTablePastItsBound() {
        open(UdpProxyConfig.builder().maxFlows(100));
        for (int i = 0; i < 5000; i++) {
            receive(spp(addr("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 1 + i % 60000),
                    CF, EDGE, "")).release();
        }
        assertEquals(100, codec.flows());
        assertEquals(4900, codec.evictions());
    }

    @Test
    void flowsExpireAfterTheIdleTimeoutOnTheInjectedClock() {
        open(UdpProxyConfig.builder().sppIdleTimeout(Duration.ofSeconds(60)));
        InetSocketAddress client = addr("192.0.2.1", 1);
        receive(spp(client, CF, EDGE, "")).release();

        clock.advance(59, TimeUnit.SECONDS);
        ch.writeOutbound(new DatagramPacket(buf("in time"), client)); // a reply keeps the flow alive too
        assertEquals("in time", sentTo(EDGE, SppHeader.of(client, CF)));

        clock.advance(60, TimeUnit.SECONDS);
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(buf("too late"), client));
        ch.flushOutbound();
        assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, ((UdpProxyException) f.cause()).reason());
        assertEquals(1, codec.expirations());
        assertEquals(0, codec.flows());
        assertEquals(client, events.of(UdpProxyEvent.Kind.FLOW_EXPIRED).get(0).client());
    }

    @Test
    void idleFlowsCanBeExpiredWithoutWaitingForTraffic() {
        open(UdpProxyConfig.builder().sppIdleTimeout(Duration.ofSeconds(60)));
        receive(spp(addr("192.0.2.1", 1), CF, EDGE, "")).release();
        receive(spp(addr("192.0.2.2", 2), CF, EDGE, "")).release();
        clock.advance(30, TimeUnit.SECONDS);
        receive(spp(addr("192.0.2.2", 2), CF, EDGE, "")).release();
        clock.advance(30, TimeUnit.SECONDS);
        codec.expireIdleFlows();
        assertEquals(1, codec.flows(), "only the client quiet for 60 s is gone");
        assertEquals(1, codec.expirations());
        assertEquals(addr("192.0.2.1", 1), events.of(UdpProxyEvent.Kind.FLOW_EXPIRED).get(0).client());
    }

    @Test
    void defaultSppIdleTimeoutIsLongerThanSpectrumsUdpTimeout() {
        assertTrue(UdpProxyConfig.defaults().sppIdleTimeout().compareTo(Duration.ofSeconds(30)) > 0);
        assertEquals(65536, UdpProxyConfig.defaults().maxFlows());
        assertEquals(1472, UdpProxyConfig.defaults().maxReplyLength());
        ch = new EmbeddedChannel();
    }

    @Test
    void eachChannelKeepsItsOwnFlows() {
        UdpProxyConfig shared = UdpProxyConfig.builder().build();
        EmbeddedChannel one = new EmbeddedChannel(new SppCodec(shared));
        ch = new EmbeddedChannel(new SppCodec(shared));
        InetSocketAddress client = addr("192.0.2.1", 1);
        one.writeInbound(spp(client, CF, EDGE, ""));
        ((ProxiedDatagram) one.readInbound()).release();
        ChannelFuture f = ch.writeOneOutbound(new DatagramPacket(buf("x"), client));
        ch.flushOutbound();
        assertInstanceOf(UdpProxyException.class, f.cause(), "the other channel's flow is not visible here");
        assertFalse(one.finish());
        assertFalse(new SppCodec(shared).isSharable(), "a codec holds one channel's flows");
        assertFalse(new ProxyV2DatagramCodec(shared, ProxyV2DatagramCodec.Mode.PER_DATAGRAM).isSharable());
    }

    @Test
    void theNewFlowEventArrivesBeforeTheClientsFirstDatagram() {
        codec = new SppCodec(UdpProxyConfig.builder().ticker(clock).build());
        java.util.List<String> seen = new java.util.ArrayList<>();
        ch = new EmbeddedChannel(codec, new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                seen.add(((UdpProxyEvent) evt).kind().name());
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                seen.add("datagram");
                ((ProxiedDatagram) msg).release();
            }
        });
        InetSocketAddress client = addr("192.0.2.1", 1);
        ch.writeInbound(spp(client, CF, EDGE, "1"));
        ch.writeInbound(spp(client, CF, EDGE, "2"));
        assertEquals(java.util.List.of("FLOW_CREATED", "datagram", "datagram"), seen);
    }

    @Test
    void anEventHandlerThatRepliesFromAFlowEventIsSafe() {
        codec = new SppCodec(UdpProxyConfig.builder().ticker(clock).build());
        ch = new EmbeddedChannel(codec, new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                UdpProxyEvent e = (UdpProxyEvent) evt;
                if (e.kind() == UdpProxyEvent.Kind.FLOW_CREATED) {
                    ctx.writeAndFlush(new DatagramPacket(buf("welcome"), e.client()));
                }
            }
        });
        InetSocketAddress client = addr("192.0.2.1", 1);
        receive(spp(client, CF, EDGE, "hi")).release();
        assertEquals("welcome", sentTo(EDGE, SppHeader.of(client, CF)));
    }
}
