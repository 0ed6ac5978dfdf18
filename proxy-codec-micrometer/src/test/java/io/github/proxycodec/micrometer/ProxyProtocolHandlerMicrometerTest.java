package io.github.proxycodec.micrometer;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link ProxyProtocolHandlerMetrics} on a {@link SimpleMeterRegistry}, driven by real handlers. */
class ProxyProtocolHandlerMicrometerTest {

    private static final InetSocketAddress PROXY = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress STRANGER = new InetSocketAddress("192.0.2.99", 40000);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ProxyProtocolHandlerMetrics metrics = new ProxyProtocolHandlerMetrics(Tags.of("listener", "https"));
    private final ProxyProtocolConfig config = ProxyProtocolConfig.builder()
            .trustedProxies(TrustedProxies.of("127.0.0.0/8")).metrics(metrics).build();

    {
        metrics.bindTo(registry);
    }

    private PeerChannel connect(InetSocketAddress peer, ProxyProtocolConfig cfg) {
        return new PeerChannel(peer, new ProxyProtocolHandler(cfg));
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private double pending() {
        return registry.get("proxy.protocol.pending").gauge().value();
    }

    @Test
    void acceptedHeadersAreCountedByVersionAndCommand() {
        String[] vectors = {"haproxy-v2-tcp4", "haproxy-v2-tcp6", "crafted/v1_tcp4", "haproxy-v2-local-healthcheck"};
        for (String v : vectors) {
            PeerChannel ch = connect(PROXY, config);
            ch.read(Vector.load(v).bytes());
            assertFalse(ch.finish());
        }
        assertEquals(2, counter("proxy.protocol.headers", "version", "v2", "command", "proxy"));
        assertEquals(1, counter("proxy.protocol.headers", "version", "v1", "command", "proxy"));
        assertEquals(1, counter("proxy.protocol.headers", "version", "v2", "command", "local"));
        assertEquals(0, counter("proxy.protocol.headers", "version", "v1", "command", "local"));
        assertEquals(0, pending(), "nobody waits once the headers are in");
    }

    @Test
    void refusalsAreCountedByReasonAndTimeoutsApart() {
        PeerChannel http = connect(PROXY, config);
        http.read("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        PeerChannel stranger = connect(STRANGER, config);
        PeerChannel silent = connect(PROXY, config);
        silent.advanceTimeBy(ProxyProtocolConfig.DEFAULT_HEADER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        silent.runScheduledPendingTasks();

        assertEquals(1, counter("proxy.protocol.refusals", "reason", "not_a_proxy_header"));
        assertEquals(1, counter("proxy.protocol.refusals", "reason", "untrusted_source"));
        assertEquals(1, counter("proxy.protocol.refusals", "reason", "timeout"));
        assertEquals(1, counter("proxy.protocol.timeouts"));
        assertEquals(0, counter("proxy.protocol.refusals", "reason", "v2_crc_mismatch"));
        assertFalse(http.finish());
        assertFalse(stranger.finish());
        assertFalse(silent.finish());
    }

    @Test
    void pendingGaugeFollowsConnectionsWaitingForTheirHeader() {
        PeerChannel first = connect(PROXY, config);
        PeerChannel second = connect(PROXY, config);
        first.read(new byte[] {'P', 'R', 'O'});
        assertEquals(2, pending());
        first.read(new byte[] {'Z'});  // "PROZ" cannot begin a header
        assertEquals(1, pending(), "a refusal ends the wait");
        second.close();
        assertEquals(0, pending(), "a close ends the wait");
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void connectionsWithoutAHeaderAreCounted() {
        ProxyProtocolConfig optional = config.toBuilder().headerPolicy(HeaderPolicy.OPTIONAL).build();
        PeerChannel ch = connect(PROXY, optional);
        ch.read("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(1, counter("proxy.protocol.headers.absent"));
        assertFalse(ch.finish());
    }

    @Test
    void everyMeterHasABaseUnitADescriptionAndTheBindersTags() {
        for (Meter m : registry.getMeters()) {
            Meter.Id id = m.getId();
            assertEquals("https", id.getTag("listener"), id.getName());
            assertFalse(id.getDescription() == null || id.getDescription().isEmpty(), id.getName());
            assertFalse(id.getBaseUnit() == null, id.getName());
        }
        // 4 header series, one refusal series per reason, timeouts, absent, pending.
        assertEquals(4 + io.github.proxycodec.ProxyProtocolException.Reason.values().length + 3,
                registry.getMeters().size());
    }
}
