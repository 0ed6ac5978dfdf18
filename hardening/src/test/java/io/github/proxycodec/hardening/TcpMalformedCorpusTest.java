package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.hardening.TcpCorpus.Case;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.PeerChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every TCP case of the malformed-input corpus through a {@link ProxyProtocolHandler} on an
 * embedded channel, delivered whole and again one byte per read: the one reason stated,
 * the channel closed, nothing passed to the next handler, every buffer released.
 */
class TcpMalformedCorpusTest {

    /** What the client would send after its header: must never reach the application. */
    private static final byte[] APPLICATION_BYTES = ByteArrays.ascii("GET /secret HTTP/1.1\r\n\r\n");

    enum Delivery { ONE_READ, BYTE_BY_BYTE }

    static List<Case> cases() {
        return TcpCorpus.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedWithItsReasonClosedAndNothingForwarded(Case c) {
        for (Delivery d : Delivery.values()) {
            refused(c, d);
        }
    }

    private static void refused(Case c, Delivery delivery) {
        TrackingAllocator alloc = new TrackingAllocator();
        PeerChannel ch = ProxyHeaderHandlerUnderTest.open(c.peer(), c.buildConfig(), alloc);
        byte[] all = c.waitForTimeout() ? c.bytes() : ByteArrays.concat(c.bytes(), APPLICATION_BYTES);
        if (delivery == Delivery.ONE_READ) {
            feed(ch, alloc, all, all.length);
        } else {
            feed(ch, alloc, all, 1);
        }
        if (c.waitForTimeout()) {
            assertTrue(ch.isOpen(), "an incomplete header waits for the timeout");
            ch.advanceTimeBy(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
        }

        List<ProxyProtocolEvent> failures = new ArrayList<>();
        for (Object e : ch.events()) {
            if (e instanceof ProxyProtocolEvent) {
                ProxyProtocolEvent p = (ProxyProtocolEvent) e;
                assertFalse(p.outcome() == ProxyProtocolEvent.Outcome.HEADER, "no header may be accepted: " + p);
                if (!p.isSuccess()) {
                    failures.add(p);
                }
            }
        }
        assertEquals(1, failures.size(), () -> delivery + ": exactly one failure, got " + ch.events());
        assertEquals(c.reason(), failures.get(0).reason(), () -> delivery + ": " + failures.get(0).cause().getMessage());
        assertFalse(ch.isOpen(), "the connection must be closed");
        assertEquals(0, ch.reads(), "nothing may reach the next handler");
        assertEquals(0, ch.received().length);
        assertNull(ProxyProtocol.header(ch));
        assertFalse(ch.finish(), "nothing left in the channel");
        alloc.assertAllReleased(c.name());
    }

    /** Writes {@code bytes} in reads of at most {@code chunk} bytes, until the handler closes the channel. */
    static void feed(PeerChannel ch, TrackingAllocator alloc, byte[] bytes, int chunk) {
        for (int i = 0; i < bytes.length && ch.isOpen(); i += chunk) {
            ch.writeInbound(alloc.copyOf(bytes, i, Math.min(bytes.length, i + chunk)));
        }
    }

    @Test
    void tcp_connection_beyond_the_pending_cap_is_refused() {
        ProxyProtocolConfig config = ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8"))
                .maxPendingConnections(2).build();
        TrackingAllocator alloc = new TrackingAllocator();
        PeerChannel a = ProxyHeaderHandlerUnderTest.open(TcpCorpus.PROXY_PEER, config, alloc);
        PeerChannel b = ProxyHeaderHandlerUnderTest.open(TcpCorpus.PROXY_PEER, config, alloc);
        feed(a, alloc, ByteArrays.ascii("PROXY TCP4"), 100);
        PeerChannel third = ProxyHeaderHandlerUnderTest.open(TcpCorpus.PROXY_PEER, config, alloc);
        feed(third, alloc, ByteArrays.ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 443\r\nGET /\r\n"), 100);

        assertEquals(1, third.events().size(), () -> "events: " + third.events());
        assertEquals(Reason.TOO_MANY_PENDING, ((ProxyProtocolEvent) third.events().get(0)).reason());
        assertFalse(third.isOpen());
        assertEquals(0, third.reads());
        assertFalse(third.finish());
        assertTrue(a.isOpen() && b.isOpen(), "the connections already waiting are not disturbed");
        a.close();
        b.close();
        assertFalse(a.finish());
        assertFalse(b.finish());
        assertEquals(0, config.pendingConnections());
        alloc.assertAllReleased("pending cap");
    }
}
