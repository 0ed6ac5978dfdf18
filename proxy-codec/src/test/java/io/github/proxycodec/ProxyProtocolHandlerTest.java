package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.V2Bytes;
import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per rule of {@link ProxyProtocolHandler}, on an {@link EmbeddedChannel}. */
class ProxyProtocolHandlerTest {

    private static final InetSocketAddress LOOPBACK_PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress CLOUDFLARE_PEER = new InetSocketAddress("173.245.48.7", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("192.0.2.99", 40000);
    private static final byte[] PING = "PING\n".getBytes(StandardCharsets.US_ASCII);

    private static ProxyProtocolConfig.Builder trustLoopback() {
        return ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8", "::1"));
    }

    private static PeerChannel channel(ProxyProtocolConfig config) {
        return new PeerChannel(LOOPBACK_PEER, new ProxyProtocolHandler(config));
    }

    private static ProxyProtocolEvent onlyEvent(PeerChannel ch) {
        assertEquals(1, ch.events().size(), () -> "events: " + ch.events());
        return assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
    }

    private static void assertRefused(PeerChannel ch, Reason reason) {
        ProxyProtocolEvent e = onlyEvent(ch);
        assertFalse(e.isSuccess());
        assertEquals(reason, e.reason(), () -> e.cause().getMessage());
        assertFalse(ch.isOpen(), "channel must be closed");
        assertEquals(0, ch.reads(), "nothing may reach the next handler");
        assertNull(ProxyProtocol.header(ch));
        assertFalse(ch.finish());
    }

    private static void assertHandlerGone(PeerChannel ch) {
        assertNull(ch.pipeline().get(ProxyProtocolHandler.class), "handler must remove itself");
    }

    @Test
    void wholeHeaderWithPayloadInOneRead() {
        Vector v = Vector.load("haproxy-v2-tcp4");
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(v.bytes());

        ProxyProtocolEvent e = onlyEvent(ch);
        assertEquals(ProxyProtocolEvent.Outcome.HEADER, e.outcome());
        assertEquals(new InetSocketAddress("127.0.0.1", 50002), e.clientAddress());
        assertSame(e.header(), ProxyProtocol.header(ch));
        assertEquals(new InetSocketAddress("127.0.0.1", 50002), ProxyProtocol.clientAddress(ch));
        assertEquals(new InetSocketAddress("127.0.0.1", 41702), ProxyProtocol.destinationAddress(ch));
        assertArrayEquals(PING, ch.received(), "bytes after the header pass on in the same read");
        assertHandlerGone(ch);
        assertTrue(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void headerSplitOneBytePerRead() {
        for (String name : new String[] {"haproxy-v1-tcp6", "haproxy-v2-tcp4-tls13-clientcert", "haproxy-v2-tcp6"}) {
            Vector v = Vector.load(name);
            PeerChannel ch = channel(trustLoopback().build());
            byte[] all = v.bytes();
            byte[] header = Arrays.copyOf(all, v.headerLength());
            ch.readByteByByte(Arrays.copyOf(header, header.length - 1));
            assertTrue(ch.events().isEmpty(), name + ": no outcome before the last header byte");
            assertEquals(0, ch.reads(), name + ": nothing forwarded before the header completes");
            ch.readByteByByte(Arrays.copyOfRange(all, header.length - 1, all.length));
            assertEquals(ProxyProtocolEvent.Outcome.HEADER, onlyEvent(ch).outcome(), name);
            assertArrayEquals(PING, ch.received(), name);
            assertHandlerGone(ch);
            assertFalse(ch.finish());
        }
    }

    @Test
    void payloadOfLaterReadsPassesUnchanged() {
        Vector v = Vector.load("crafted/v1_tcp4");
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(v.bytes());
        ch.read("one".getBytes(StandardCharsets.US_ASCII));
        ch.read("two".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("onetwo".getBytes(StandardCharsets.US_ASCII), ch.received());
        assertEquals(new InetSocketAddress("192.0.2.10", 12345), ProxyProtocol.clientAddress(ch));
        assertFalse(ch.finish());
    }

    @Test
    void plainHttpIsRefusedOnTheFirstByte() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(new byte[] {'G'});
        assertRefused(ch, Reason.NOT_A_PROXY_HEADER);
    }

    @Test
    void v2SignatureMismatchIsRefusedOnTheDifferingByte() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(new byte[] {0x0D, 0x0A, 0x0D});
        assertTrue(ch.isOpen());
        ch.read(new byte[] {0x0B});
        assertRefused(ch, Reason.NOT_A_PROXY_HEADER);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "crafted/bad_v1_ip, V1_INVALID_ADDRESS",
        "crafted/bad_v1_port, V1_INVALID_PORT",
        "crafted/bad_v1_nocrlf, V1_MALFORMED",
        "crafted/bad_v1_toolong, V1_TOO_LONG",
        "crafted/bad_v2_version, V2_UNSUPPORTED_VERSION",
        "crafted/bad_v2_cmd, V2_UNSUPPORTED_COMMAND",
        "crafted/bad_v2_shortaddr, V2_ADDRESS_TRUNCATED",
        "crafted/bad_v2_tlv_overrun, V2_TLV_MALFORMED",
        "crafted/bad_v2_crc, V2_CRC_MISMATCH",
        "crafted/no_header, NOT_A_PROXY_HEADER",
        "crafted/v2_udp4, TRANSPORT_NOT_ALLOWED",
    })
    void badHeaderClosesWithItsReasonAndForwardsNothing(String vector, Reason reason) {
        PeerChannel ch = channel(trustLoopback().build());
        byte[] bytes = Vector.load(vector).bytes();
        // Client bytes right behind the bad header must never reach the application.
        byte[] withPayload = Arrays.copyOf(bytes, bytes.length + PING.length);
        System.arraycopy(PING, 0, withPayload, bytes.length, PING.length);
        ch.read(withPayload);
        assertRefused(ch, reason);
    }

    @Test
    void bytesArrivingAfterARefusalAreDropped() {
        PeerChannel ch = channel(trustLoopback().build());
        ByteBuf bad = Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", StandardCharsets.US_ASCII);
        ByteBuf late = Unpooled.copiedBuffer(PING);
        ch.writeInbound(bad, late); // one read loop: the second buffer arrives after the refusal
        assertEquals(0, late.refCnt(), "a late buffer is released, not leaked");
        assertRefused(ch, Reason.NOT_A_PROXY_HEADER);
    }

    @Test
    void datagramFamilyAcceptedWhenConfigured() {
        PeerChannel ch = channel(trustLoopback().allowDatagramTransport(true).build());
        ch.read(Vector.load("crafted/v2_udp4").bytes());
        ProxyHeader h = ProxyProtocol.header(ch);
        assertNotNull(h);
        assertEquals(ProxyHeader.Transport.DGRAM, h.transport());
        assertFalse(ch.finish());
    }

    @Test
    void v2HeaderOverTheCapIsRefusedFromItsFixedPart() {
        PeerChannel ch = channel(trustLoopback().maxV2HeaderLength(64).build());
        byte[] fixed = V2Bytes.headerWithLength(V2Bytes.PROXY, 0x11, 256); // the fixed part alone
        ch.read(fixed);
        assertRefused(ch, Reason.V2_TOO_LONG);
    }

    @Test
    void headerTimeoutClosesAnIncompleteHeader() {
        PeerChannel ch = channel(trustLoopback().headerTimeout(Duration.ofSeconds(3)).build());
        ch.freezeTime(); // from here on only advanceTimeBy moves the clock
        ch.read("PROXY TCP4 ".getBytes(StandardCharsets.US_ASCII));
        // The timer was armed a moment before the freeze: leave that moment some room.
        ch.advanceTimeBy(2900, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "still within the timeout");
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertRefused(ch, Reason.TIMEOUT);
    }

    @Test
    void headerTimeoutAlsoClosesASilentConnection() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.advanceTimeBy(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertRefused(ch, Reason.TIMEOUT);
    }

    @Test
    void completedHeaderCancelsTheTimeout() {
        PeerChannel ch = channel(trustLoopback().headerTimeout(Duration.ofMillis(100)).build());
        ch.read(Vector.load("crafted/v2_tcp4").bytes());
        ch.advanceTimeBy(1, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen());
        assertTrue(onlyEvent(ch).isSuccess());
        assertFalse(ch.finish());
    }

    @Test
    void defaultTimeoutIsBetweenThreeAndTenSeconds() {
        Duration d = ProxyProtocolConfig.defaults().headerTimeout();
        assertTrue(d.compareTo(Duration.ofSeconds(3)) >= 0 && d.compareTo(Duration.ofSeconds(10)) <= 0, d::toString);
    }

    @Test
    void cloudflarePresetIsTheDefaultTrust() {
        PeerChannel cf = new PeerChannel(CLOUDFLARE_PEER, new ProxyProtocolHandler());
        cf.read(Vector.load("crafted/v2_tcp4").bytes());
        assertEquals(new InetSocketAddress("192.0.2.10", 12345), ProxyProtocol.clientAddress(cf));
        assertFalse(cf.finish());

        PeerChannel stranger = new PeerChannel(STRANGER, new ProxyProtocolHandler());
        assertFalse(stranger.activeSeen(), "a refused connection is not announced to the application");
        assertRefused(stranger, Reason.UNTRUSTED_SOURCE);
    }

    @Test
    void cloudflareIpv6RangeIsTrusted() {
        PeerChannel cf = new PeerChannel(new InetSocketAddress("2606:4700::6810:1", 443), new ProxyProtocolHandler());
        cf.read(Vector.load("crafted/v2_tcp4").bytes());
        assertTrue(onlyEvent(cf).isSuccess());
        assertFalse(cf.finish());
    }

    @Test
    void untrustedPeerServedDirectlyKeepsItsOwnAddress() {
        ProxyProtocolConfig cfg = trustLoopback().untrustedPolicy(UntrustedPolicy.SERVE_DIRECT).build();
        PeerChannel ch = new PeerChannel(STRANGER, new ProxyProtocolHandler(cfg));
        assertEquals(STRANGER, ProxyProtocol.clientAddress(ch), "known at once, so the app may speak first");
        assertTrue(ch.events().isEmpty(), "the outcome waits for the first bytes");
        ch.read("hello".getBytes(StandardCharsets.US_ASCII));
        ProxyProtocolEvent e = onlyEvent(ch);
        assertEquals(ProxyProtocolEvent.Outcome.NO_HEADER, e.outcome());
        assertEquals(STRANGER, e.clientAddress());
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), ch.received());
        assertEquals(STRANGER, ProxyProtocol.clientAddress(ch));
        assertNull(ProxyProtocol.header(ch));
        assertHandlerGone(ch);
        assertFalse(ch.finish());
    }

    @Test
    void untrustedPeerServedDirectlyIsNotTimedOutWhileSilent() {
        ProxyProtocolConfig cfg = trustLoopback().untrustedPolicy(UntrustedPolicy.SERVE_DIRECT).build();
        PeerChannel ch = new PeerChannel(STRANGER, new ProxyProtocolHandler(cfg));
        ch.advanceTimeBy(1, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "a server-speaks-first client may stay silent");
        assertFalse(ch.finish());
    }

    @Test
    void untrustedPeerSendingAHeaderIsRefused() {
        ProxyProtocolConfig cfg = trustLoopback().untrustedPolicy(UntrustedPolicy.SERVE_DIRECT).build();
        for (String v : new String[] {"crafted/v1_tcp4", "crafted/v2_tcp4"}) {
            PeerChannel ch = new PeerChannel(STRANGER, new ProxyProtocolHandler(cfg));
            ch.read(Vector.load(v).bytes());
            ProxyProtocolEvent e = onlyEvent(ch);
            assertEquals(Reason.UNTRUSTED_SOURCE, e.reason(), v + ": one outcome per connection");
            assertFalse(ch.isOpen());
            assertEquals(0, ch.reads(), v + ": a spoofing attempt forwards nothing");
            assertNull(ProxyProtocol.header(ch));
            assertFalse(ch.finish());
        }
    }

    @Test
    void optionalHeaderAbsentPassesBytesThroughUntouched() {
        PeerChannel ch = channel(trustLoopback().headerPolicy(HeaderPolicy.OPTIONAL).build());
        byte[] http = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ch.read(http);
        ProxyProtocolEvent e = onlyEvent(ch);
        assertEquals(ProxyProtocolEvent.Outcome.NO_HEADER, e.outcome());
        assertEquals(LOOPBACK_PEER, e.clientAddress());
        assertArrayEquals(http, ch.received());
        assertHandlerGone(ch);
        assertFalse(ch.finish());
    }

    @Test
    void optionalHeaderAbsentDecidedOnlyWhenAPrefixStopsMatching() {
        PeerChannel ch = channel(trustLoopback().headerPolicy(HeaderPolicy.OPTIONAL).build());
        ch.read("PRO".getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, ch.reads(), "\"PRO\" may still become a header");
        ch.read("PER\n".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("PROPER\n".getBytes(StandardCharsets.US_ASCII), ch.received());
        assertFalse(ch.finish());
    }

    @Test
    void optionalHeaderPresentIsParsed() {
        PeerChannel ch = channel(trustLoopback().headerPolicy(HeaderPolicy.OPTIONAL).build());
        ch.read(Vector.load("haproxy-v1-tcp4").bytes());
        assertEquals(new InetSocketAddress("127.0.0.1", 50001), ProxyProtocol.clientAddress(ch));
        assertArrayEquals(PING, ch.received());
        assertFalse(ch.finish());
    }

    @Test
    void optionalHeaderThatIsMalformedIsStillRefused() {
        PeerChannel ch = channel(trustLoopback().headerPolicy(HeaderPolicy.OPTIONAL).build());
        ch.read(Vector.load("crafted/bad_v1_ip").bytes());
        assertRefused(ch, Reason.V1_INVALID_ADDRESS);
    }

    @Test
    void versionsCanBeRestricted() {
        PeerChannel v2only = channel(trustLoopback().acceptV1(false).build());
        v2only.read(Vector.load("haproxy-v1-tcp4").bytes());
        assertRefused(v2only, Reason.VERSION_NOT_ACCEPTED);

        PeerChannel v1only = channel(trustLoopback().acceptV2(false).build());
        v1only.read(Vector.load("haproxy-v2-tcp4").bytes());
        assertRefused(v1only, Reason.VERSION_NOT_ACCEPTED);
    }

    @Test
    void localCommandFallsBackToTheConnectionAddresses() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(Vector.load("haproxy-v2-local-healthcheck-crc32c").bytes());
        ProxyHeader h = ProxyProtocol.header(ch);
        assertEquals(ProxyHeader.Command.LOCAL, h.command());
        assertEquals(LOOPBACK_PEER, ProxyProtocol.clientAddress(ch));
        assertEquals(ch.localAddress(), ProxyProtocol.destinationAddress(ch));
        assertEquals(LOOPBACK_PEER, onlyEvent(ch).clientAddress());
        assertFalse(ch.finish());
    }

    @Test
    void unknownV1FallsBackToTheConnectionAddresses() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(Vector.load("haproxy-v1-unknown-unixclient").bytes());
        assertEquals(ProxyHeader.Family.UNSPEC, ProxyProtocol.header(ch).family());
        assertEquals(LOOPBACK_PEER, ProxyProtocol.clientAddress(ch));
        assertArrayEquals(PING, ch.received());
        assertFalse(ch.finish());
    }

    @Test
    void childChannelSeesTheParentHeader() {
        PeerChannel parent = channel(trustLoopback().build());
        parent.read(Vector.load("crafted/v1_tcp6").bytes());
        EmbeddedChannel child = new EmbeddedChannel(parent, DefaultChannelId.newInstance(), true, false);
        assertSame(ProxyProtocol.header(parent), ProxyProtocol.header(child));
        assertEquals(new InetSocketAddress("2001:db8::10", 23456), ProxyProtocol.clientAddress(child));
        assertFalse(child.finish());
        assertFalse(parent.finish());
    }

    @Test
    void withAutoReadOffTheHandlerRequestsReadsUntilTheHeaderIsComplete() {
        PeerChannel ch = new PeerChannel(LOOPBACK_PEER, new ProxyProtocolHandler(trustLoopback().build()), false);
        ReadCounter reads = new ReadCounter();
        ch.pipeline().addFirst(reads);
        byte[] header = Vector.load("crafted/v2_tcp4").bytes();
        ch.read(Arrays.copyOf(header, 10)); // the read is followed by channelReadComplete
        assertEquals(1, reads.count, "a partial header asks for more");
        ch.read(Arrays.copyOfRange(header, 10, header.length));
        assertEquals(2, reads.count, "a header with nothing after it asks for the first payload");
        assertTrue(onlyEvent(ch).isSuccess());
        assertFalse(ch.finish());
    }

    @Test
    void withAutoReadOffTheFirstReadIsRequestedOnActivation() {
        ReadCounter reads = new ReadCounter();
        EmbeddedChannel ch = new EmbeddedChannel(DefaultChannelId.newInstance(), false, false);
        ch.config().setAutoRead(false);
        ch.pipeline().addLast(reads, new ProxyProtocolHandler(ProxyProtocolConfig.builder()
                .trustedProxies(TrustedProxies.any()).build()));
        assertEquals(0, reads.count);
        try {
            ch.register();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertEquals(1, reads.count);
        assertFalse(ch.finish());
    }

    @Test
    void failureIsRaisedAsAnExceptionOnlyWhenConfigured() {
        PeerChannel quiet = channel(trustLoopback().build());
        quiet.read(new byte[] {'X'});
        quiet.checkException(); // nothing raised
        assertRefused(quiet, Reason.NOT_A_PROXY_HEADER);

        PeerChannel loud = channel(trustLoopback().fireExceptionOnFailure(true).build());
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> loud.read(new byte[] {'X'}));
        assertEquals(Reason.NOT_A_PROXY_HEADER, e.reason());
        assertEquals(0, e.getStackTrace().length, "no stack trace for bad input");
        assertFalse(loud.finish());
    }

    @Test
    void peerClosingMidHeaderReleasesThePendingBytes() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(Arrays.copyOf(Vector.load("haproxy-v2-tcp6").bytes(), 30));
        ch.read(new byte[] {0x00});
        assertTrue(ch.events().isEmpty());
        assertFalse(ch.finish(), "nothing left over; LeakCheck verifies the partial header was released");
        assertTrue(ch.events().isEmpty(), "a peer that hangs up is not a refusal");
    }

    @Test
    void handlerRemovedByTheApplicationReleasesThePendingBytes() {
        PeerChannel ch = channel(trustLoopback().build());
        ch.read(new byte[] {'P', 'R'});
        ch.read(new byte[] {'O'});
        ch.pipeline().remove(ProxyProtocolHandler.class);
        assertFalse(ch.finish());
    }

    @Test
    void connectionsBeyondThePendingCapAreRefused() {
        ProxyProtocolConfig cfg = trustLoopback().maxPendingConnections(2).build();
        PeerChannel a = channel(cfg);
        PeerChannel b = channel(cfg);
        assertEquals(2, cfg.pendingConnections());
        PeerChannel c = channel(cfg);
        assertRefused(c, Reason.TOO_MANY_PENDING);

        a.read(Vector.load("crafted/v2_tcp4").bytes()); // completes: frees its slot
        assertEquals(1, cfg.pendingConnections());
        assertFalse(b.finish()); // hangs up while waiting: frees its slot
        assertEquals(0, cfg.pendingConnections());
        PeerChannel d = channel(cfg);
        assertTrue(d.isOpen());
        d.read(new byte[] {'X'}); // refused: frees its slot
        assertEquals(0, cfg.pendingConnections());
        assertFalse(a.finish());
        assertFalse(d.finish());
    }

    @Test
    void timedOutConnectionsFreeTheirPendingSlot() {
        ProxyProtocolConfig cfg = trustLoopback().maxPendingConnections(1).build();
        PeerChannel a = channel(cfg);
        a.advanceTimeBy(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        a.runScheduledPendingTasks();
        assertRefused(a, Reason.TIMEOUT);
        assertEquals(0, cfg.pendingConnections());
    }

    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
