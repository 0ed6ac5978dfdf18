package io.github.proxycodec.trust;

import io.github.proxycodec.TrustedProxies;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TrustFile}: checks driven by hand (the schedule is an hour), then one real schedule. */
class TrustFileTest {

    private static final Duration NEVER = Duration.ofHours(1);
    private static final InetSocketAddress TEN = new InetSocketAddress("10.1.2.3", 1);
    private static final InetSocketAddress DOC = new InetSocketAddress("192.0.2.1", 1);

    @TempDir
    Path dir;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();
    private final List<TrustUpdate> updates = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(5, TimeUnit.SECONDS));
    }

    private Path file(String text) throws IOException {
        Path f = dir.resolve("trusted");
        Path tmp = dir.resolve("trusted.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return f;
    }

    private TrustFile watch(String text) throws IOException {
        return TrustFile.watch(file(text), executor, NEVER, updates::add);
    }

    @Test
    void readsCidrsCommentsAndBlankLines() throws IOException {
        try (TrustFile f = watch("# our balancers\n10.0.0.0/8   # east\n\n2001:db8::/32\n")) {
            assertEquals(List.of("10.0.0.0/8", "2001:db8::/32"), f.current().cidrs());
            assertTrue(f.current().contains(TEN));
            assertSame(f.current(), f.trust().current());
        }
    }

    @Test
    void theWordCloudflareStandsForTheShippedRanges() throws IOException {
        try (TrustFile f = watch("cloudflare\n10.0.0.0/8\n")) {
            assertTrue(f.current().cidrs().containsAll(TrustedProxies.cloudflare().cidrs()));
            assertTrue(f.current().contains(TEN));
            assertTrue(f.current().contains(new InetSocketAddress("173.245.48.7", 1)));
        }
    }

    @Test
    void aBadFileAtTheStartIsRefusedWithTheLineNamed() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> watch("10.0.0.0/8\nfoo\n"));
        assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> watch("# nothing\n\n"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> watch("any\n")).getMessage().contains("any"));
        assertThrows(IOException.class, () -> TrustFile.watch(dir.resolve("missing"), executor, NEVER, updates::add));
    }

    @Test
    void aChangeIsTakenOnceTheFileReadsTheSameTwiceAndSaysWhatChanged() throws IOException {
        try (TrustFile f = watch("10.0.0.0/8\n")) {
            file("10.0.0.0/8\n192.0.2.0/24\n");
            f.check();
            assertFalse(f.current().contains(DOC), "a file read once may be half-written");
            assertTrue(updates.isEmpty());
            f.check();
            assertTrue(f.current().contains(DOC));
            assertEquals(1, updates.size());
            TrustUpdate u = updates.get(0);
            assertEquals(TrustUpdate.Outcome.RELOADED, u.outcome());
            assertEquals(2, u.ranges());
            assertEquals(List.of("192.0.2.0/24"), u.added());
            assertEquals(List.of(), u.removed());

            file("192.0.2.0/24\n");
            f.check();
            f.check();
            assertFalse(f.current().contains(TEN));
            assertEquals(List.of("10.0.0.0/8"), updates.get(1).removed());
            f.check();
            assertEquals(2, updates.size(), "an unchanged file reports nothing");
        }
    }

    @Test
    void aBadEmptyOrMissingFileKeepsTheLastGoodListAndIsReportedOnce() throws IOException {
        try (TrustFile f = watch("10.0.0.0/8\n")) {
            TrustedProxies good = f.current();
            file("10.0.0.0/8\n10.0.0.0/99\n");
            f.check();
            f.check();
            f.check();
            assertSame(good, f.current());
            assertEquals(1, updates.size(), "one report per failure, not one per check: " + updates);
            assertEquals(TrustUpdate.Outcome.FAILED, updates.get(0).outcome());
            assertTrue(updates.get(0).error().startsWith("line 2: "), updates.get(0).error());
            assertEquals(1, updates.get(0).ranges(), "the ranges still in force");

            file("");
            f.check();
            f.check();
            assertEquals("no ranges listed", updates.get(1).error());

            Files.delete(dir.resolve("trusted"));
            f.check();
            assertTrue(updates.get(2).error().contains("NoSuchFileException"), updates.get(2).error());
            assertSame(good, f.current());
        }
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheChecks() throws IOException {
        try (TrustFile f = TrustFile.watch(file("10.0.0.0/8\n"), executor, NEVER, u -> {
            throw new IllegalStateException("listener bug");
        })) {
            file("192.0.2.0/24\n");
            f.check();
            f.check();
            assertTrue(f.current().contains(DOC));
        }
    }

    @Test
    void theScheduleSeesARewriteAndCloseStopsIt() throws Exception {
        LinkedBlockingQueue<TrustUpdate> seen = new LinkedBlockingQueue<>();
        TrustFile f = TrustFile.watch(file("10.0.0.0/8\n"), executor, Duration.ofMillis(50), seen::add);
        file("192.0.2.0/24\n");
        TrustUpdate u = seen.poll(10, TimeUnit.SECONDS);
        assertNotNull(u, "no reload within 10 s");
        assertEquals(TrustUpdate.Outcome.RELOADED, u.outcome());
        assertTrue(f.current().contains(DOC));
        f.close();
        file("10.0.0.0/8\n");
        f.check(); // closed: even a check by hand takes nothing
        f.check();
        assertTrue(f.current().contains(DOC));
        assertTrue(seen.isEmpty());
    }
}
