package io.github.proxycodec.trust;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.proxycodec.TrustedProxies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CloudflareRefresher} against a local HTTP server on loopback, one path per kind of answer. */
class CloudflareRefresherTest {

    private static final String CHANGED_JSON = CloudflareRangesTest.GOOD_JSON
            .replace("\"103.21.244.0/22\"", "\"198.51.100.0/24\"");
    private static final InetSocketAddress LB = new InetSocketAddress("10.1.2.3", 1);

    @TempDir
    Path dir;

    private final CountDownLatch release = new CountDownLatch(1);
    private volatile String current = CloudflareRangesTest.GOOD_JSON;
    private ExecutorService handlers;
    private HttpServer server;

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        handlers = Executors.newFixedThreadPool(4);
        server.setExecutor(handlers);
        answer("/good", 200, CloudflareRangesTest.GOOD_JSON);
        server.createContext("/current", exchange -> send(exchange, 200, current));
        answer("/changed", 200, CHANGED_JSON);
        answer("/malformed", 200, "{\"result\":{\"ipv4_cidrs\":[\"173.245.48.0/20\"");
        answer("/empty", 200, "");
        answer("/failing", 503, "{\"success\":false}");
        answer("/v4", 200, "173.245.48.0/20\n103.21.244.0/22\n");
        answer("/v6", 200, "2400:cb00::/32\n");
        server.createContext("/slow", exchange -> {
            try {
                release.await(10, TimeUnit.SECONDS); // answers only once the test is over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            send(exchange, 200, CloudflareRangesTest.GOOD_JSON);
        });
        server.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        server.stop(0);
        handlers.shutdownNow();
        assertTrue(handlers.awaitTermination(10, TimeUnit.SECONDS));
    }

    private void answer(String path, int status, String body) {
        server.createContext(path, exchange -> send(exchange, status, body));
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private CloudflareRefresher refresher(URI... sources) {
        return CloudflareRefresher.builder().sources(sources).timeout(Duration.ofMillis(500)).build();
    }

    @Test
    void theShippedRangesAreInForceUntilTheFirstGoodAnswer() {
        CloudflareRefresher r = refresher(url("/failing"));
        assertEquals(TrustedProxies.cloudflare().cidrs(), r.current().cidrs());
    }

    @Test
    void aGoodAnswerIsTakenAndAChangedOneSaysWhatChanged() {
        CloudflareRefresher r = refresher(url("/current"));
        TrustUpdate first = r.refresh();
        assertEquals(TrustUpdate.Outcome.RELOADED, first.outcome(), first::toString);
        assertEquals(List.of("173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"), r.current().cidrs());
        assertEquals(3, first.ranges());
        assertSame(r.current(), r.trust().current());

        assertEquals(TrustUpdate.Outcome.UNCHANGED, r.refresh().outcome());

        current = CHANGED_JSON;
        TrustUpdate update = r.refresh();
        assertEquals(TrustUpdate.Outcome.RELOADED, update.outcome(), update::toString);
        assertEquals(List.of("198.51.100.0/24"), update.added());
        assertEquals(List.of("103.21.244.0/22"), update.removed());
        assertTrue(r.current().contains(new InetSocketAddress("198.51.100.7", 1)));
    }

    @Test
    void aFileUrlIsReadLikeAnAnswer() throws IOException {
        Path file = dir.resolve("ips-v4");
        Files.writeString(file, "173.245.48.0/20\n");
        CloudflareRefresher r = refresher(file.toUri());
        assertEquals(TrustUpdate.Outcome.RELOADED, r.refresh().outcome());
        assertEquals(List.of("173.245.48.0/20"), r.current().cidrs());
        Files.writeString(file, "");
        assertEquals(TrustUpdate.Outcome.FAILED, r.refresh().outcome());
        assertEquals(List.of("173.245.48.0/20"), r.current().cidrs());
    }

    @Test
    void malformedEmptyFailingAndSlowAnswersKeepTheListInForce() {
        for (String path : new String[] {"/malformed", "/empty", "/failing", "/slow"}) {
            CloudflareRefresher r = refresher(url("/good"));
            r.refresh();
            TrustedProxies good = r.current();
            CloudflareRefresher bad = CloudflareRefresher.builder().sources(url(path)).timeout(Duration.ofMillis(500)).build();
            TrustUpdate u = bad.refresh();
            assertEquals(TrustUpdate.Outcome.FAILED, u.outcome(), path);
            assertNotNull(u.error(), path);
            assertEquals(TrustedProxies.cloudflare().cidrs(), bad.current().cidrs(), path + ": the shipped list stays");
            assertSame(good, r.current());
        }
        assertTrue(refresher(url("/slow")).refresh().error().contains("no complete answer within 500 ms"));
        assertTrue(refresher(url("/failing")).refresh().error().contains("HTTP status 503"));
    }

    @Test
    void aRefreshTakesEverySourceOrNothing() {
        CloudflareRefresher both = refresher(url("/v4"), url("/v6"));
        assertEquals(TrustUpdate.Outcome.RELOADED, both.refresh().outcome());
        assertEquals(List.of("173.245.48.0/20", "103.21.244.0/22", "2400:cb00::/32"), both.current().cidrs());

        CloudflareRefresher half = refresher(url("/v4"), url("/failing"));
        assertEquals(TrustUpdate.Outcome.FAILED, half.refresh().outcome());
        assertEquals(TrustedProxies.cloudflare().cidrs(), half.current().cidrs(), "no IPv4-only list");
    }

    @Test
    void rangesOfOurOwnStayWhateverCloudflareSays() {
        CloudflareRefresher r = CloudflareRefresher.builder().sources(url("/good"))
                .alsoTrust(TrustedProxies.of("10.0.0.0/8")).build();
        assertTrue(r.current().contains(LB));
        r.refresh();
        assertTrue(r.current().contains(LB));
        assertEquals(4, r.current().cidrs().size());
    }

    @Test
    void theScheduleRefreshesAndTellsTheListener() throws Exception {
        LinkedBlockingQueue<TrustUpdate> updates = new LinkedBlockingQueue<>();
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        try (CloudflareRefresher r = CloudflareRefresher.builder().sources(url("/good")).listener(updates::add).build()) {
            r.start(scheduler, Duration.ofMillis(50));
            TrustUpdate first = updates.poll(10, TimeUnit.SECONDS);
            assertNotNull(first);
            assertEquals(TrustUpdate.Outcome.RELOADED, first.outcome());
            TrustUpdate second = updates.poll(10, TimeUnit.SECONDS);
            assertNotNull(second);
            assertEquals(TrustUpdate.Outcome.UNCHANGED, second.outcome());
        } finally {
            scheduler.shutdownNow();
            assertTrue(scheduler.awaitTermination(5, TimeUnit.SECONDS));
        }
    }
}
