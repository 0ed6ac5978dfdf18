package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The calls a {@link ProxyProtocolHandler} makes to its configuration's {@link ProxyProtocolMetrics}. */
class ProxyProtocolMetricsTest {

    private static final InetSocketAddress LOOPBACK_PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("192.0.2.99", 40000);

    /** Records each call as a short line. */
    private static final class Recording implements ProxyProtocolMetrics {
        final List<String> calls = new ArrayList<>();

        @Override
        public void waitingStarted() {
            calls.add("waiting");
        }

        @Override
        public void waitingEnded() {
            calls.add("ended");
        }

        @Override
        public void headerAccepted(ProxyHeader header) {
            calls.add("header " + header.version() + " " + header.command());
        }

        @Override
        public void headerAbsent() {
            calls.add("absent");
        }

        @Override
        public void refused(Reason reason) {
            calls.add("refused " + reason);
        }
    }

    private final Recording metrics = new Recording();

    private ProxyProtocolConfig.Builder config() {
        return ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8")).metrics(metrics);
    }

    private static PeerChannel connect(InetSocketAddress peer, ProxyProtocolConfig config) {
        return new PeerChannel(peer, new ProxyProtocolHandler(config));
    }

    @Test
    void defaultConfigurationCountsNothing() {
        assertSame(ProxyProtocolMetrics.NONE, ProxyProtocolConfig.defaults().metrics());
        assertSame(metrics, config().build().toBuilder().build().metrics(), "toBuilder keeps the metrics");
    }

    @Test
    void acceptedHeaderIsReportedWithItsVersionAndCommand() {
        PeerChannel v2 = connect(LOOPBACK_PEER, config().build());
        v2.read(Vector.load("haproxy-v2-local-healthcheck").bytes());
        PeerChannel v1 = connect(LOOPBACK_PEER, config().build());
        v1.read(Vector.load("crafted/v1_tcp4").bytes());
        assertEquals(List.of("waiting", "header V2 LOCAL", "ended", "waiting", "header V1 PROXY", "ended"),
                metrics.calls);
        assertFalse(v2.finish());
        assertFalse(v1.finish());
    }

    @Test
    void refusalIsReportedWithItsReasonAndEndsTheWait() {
        PeerChannel ch = connect(LOOPBACK_PEER, config().build());
        ch.read("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("waiting", "ended", "refused NOT_A_PROXY_HEADER"), metrics.calls);
        assertFalse(ch.finish());
    }

    @Test
    void timeoutIsARefusalWithReasonTimeout() {
        PeerChannel ch = connect(LOOPBACK_PEER, config().build());
        ch.advanceTimeBy(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(List.of("waiting", "ended", "refused TIMEOUT"), metrics.calls);
        assertFalse(ch.finish());
    }

    @Test
    void connectionClosedBeforeItsHeaderOnlyEndsTheWait() {
        PeerChannel ch = connect(LOOPBACK_PEER, config().build());
        ch.read(new byte[] {'P', 'R'});
        ch.close();
        assertEquals(List.of("waiting", "ended"), metrics.calls);
        assertFalse(ch.finish());
    }

    @Test
    void untrustedPeerIsRefusedWithoutWaiting() {
        PeerChannel ch = connect(STRANGER, config().build());
        assertEquals(List.of("refused UNTRUSTED_SOURCE"), metrics.calls);
        assertFalse(ch.finish());
    }

    @Test
    void connectionOverThePendingCapIsRefusedWithoutWaiting() {
        ProxyProtocolConfig capped = config().maxPendingConnections(1).build();
        PeerChannel first = connect(LOOPBACK_PEER, capped);
        PeerChannel second = connect(LOOPBACK_PEER, capped);
        assertEquals(List.of("waiting", "refused TOO_MANY_PENDING"), metrics.calls);
        first.close();
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void absentHeaderIsReportedForOptionalPolicyAndDirectService() {
        PeerChannel optional = connect(LOOPBACK_PEER, config().headerPolicy(HeaderPolicy.OPTIONAL).build());
        optional.read("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        PeerChannel direct = connect(STRANGER, config().untrustedPolicy(UntrustedPolicy.SERVE_DIRECT).build());
        assertEquals(List.of("waiting", "absent", "ended"), metrics.calls, "a direct peer's outcome waits for its bytes");
        direct.read("hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("waiting", "absent", "ended", "absent"), metrics.calls);
        assertFalse(optional.finish());
        assertFalse(direct.finish());
    }
}
