package io.github.proxycodec.trust;

import io.github.proxycodec.ReloadableTrust;
import io.github.proxycodec.TrustSource;
import io.github.proxycodec.TrustedProxies;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A trust list kept in a file and reloaded while serving: one CIDR per line, {@code #}
 * comments and blank lines ignored, the word {@code cloudflare} for the ranges shipped in the
 * jar ({@code any} is refused: trusting everyone is not something to do by editing a file).
 *
 * <p>The file is read on every check, on the executor given (a small single-threaded one, or a
 * Netty event loop for a small local file), and compared with what was read before; polling
 * rather than a {@code WatchService} also sees files replaced by rename, on network file
 * systems and through symbolic links. A change is taken once the file reads the same on two
 * checks in a row, so a file caught half-written is not put in force: a change is seen within
 * two intervals. A file that is empty, unreadable, larger than 1 MiB or has a bad line is
 * refused and the list in force stays. Each outcome is given once to the listener as a
 * {@link TrustUpdate}, on the executor's thread; a listener that throws is ignored.
 *
 * <pre>{@code
 * TrustFile file = TrustFile.watch(Path.of("/etc/myapp/trusted-proxies"),
 *         executor, Duration.ofSeconds(1), update -> log.info("{}", update));
 * ProxyProtocolConfig tcp = ProxyProtocolConfig.builder().trustSource(file.trust()).build();
 * // ... and file.close() when the server stops
 * }</pre>
 */
public final class TrustFile implements Closeable {

    /** Files larger than this are refused: a trust list is a few kilobytes. */
    static final int MAX_BYTES = 1 << 20;

    private final Path file;
    private final ReloadableTrust trust;
    private final Consumer<TrustUpdate> listener;
    private final ScheduledFuture<?> task;
    /** The content in force, the content last read, and the error last reported (guarded by this). */
    private byte[] applied;
    private byte[] lastRead;
    private String lastError;

    private TrustFile(Path file, byte[] content, TrustedProxies initial, Consumer<TrustUpdate> listener,
                      ScheduledExecutorService executor, Duration interval) {
        this.file = file;
        this.trust = new ReloadableTrust(initial);
        this.listener = listener;
        this.applied = content;
        this.lastRead = content;
        long millis = Math.max(1, interval.toMillis());
        this.task = executor.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Reads {@code file} now and checks it again every {@code interval} on {@code executor}.
     *
     * @throws IOException if the file cannot be read now
     * @throws IllegalArgumentException if it is empty, too large or has a bad line (named in the message)
     */
    public static TrustFile watch(Path file, ScheduledExecutorService executor, Duration interval,
                                  Consumer<TrustUpdate> listener) throws IOException {
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(listener, "listener");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        byte[] content = read(file);
        TrustedProxies initial = TrustLists.parse(new String(content, StandardCharsets.UTF_8));
        return new TrustFile(file, content, initial, listener, executor, interval);
    }

    /**
     * Reads a trust file once, in the format above.
     *
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is empty, too large or has a bad line
     */
    public static TrustedProxies load(Path file) throws IOException {
        return TrustLists.parse(new String(read(file), StandardCharsets.UTF_8));
    }

    /** Returns the source to give the configurations: it follows the file. */
    public TrustSource trust() {
        return trust;
    }

    /** Returns the list in force now. */
    public TrustedProxies current() {
        return trust.current();
    }

    /**
     * Checks the file now; the executor calls this every interval. Never throws: every
     * outcome goes to the listener.
     */
    public synchronized void check() {
        if (task != null && task.isCancelled()) {
            return;
        }
        byte[] content;
        try {
            content = read(file);
        } catch (IOException e) {
            lastRead = null;
            refuse("cannot read " + file + ": " + e.getClass().getSimpleName() + " " + e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            lastRead = null;
            refuse(e.getMessage());
            return;
        }
        boolean settled = Arrays.equals(content, lastRead);
        lastRead = content;
        if (!settled || Arrays.equals(content, applied)) {
            if (Arrays.equals(content, applied)) {
                lastError = null; // back to the list in force: a later failure is news again
            }
            return;
        }
        TrustedProxies next;
        try {
            next = TrustLists.parse(new String(content, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            refuse(e.getMessage());
            return;
        }
        TrustedProxies previous = trust.replace(next);
        applied = content;
        lastError = null;
        tell(TrustUpdate.reloaded(file.toString(), TrustLists.count(next),
                TrustLists.added(previous, next), TrustLists.added(next, previous)));
    }

    private void refuse(String error) {
        if (!error.equals(lastError)) { // once per distinct failure, not once per check
            lastError = error;
            tell(TrustUpdate.failed(file.toString(), TrustLists.count(trust.current()), error));
        }
    }

    private void tell(TrustUpdate update) {
        try {
            listener.accept(update);
        } catch (RuntimeException ignored) {
            // The listener's failure must not stop the checks.
        }
    }

    private static byte[] read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] content = in.readNBytes(MAX_BYTES + 1);
            if (content.length > MAX_BYTES) {
                throw new IllegalArgumentException(file + " is larger than " + MAX_BYTES + " bytes");
            }
            return content;
        }
    }

    /** Stops the checks; the list in force stays in force. */
    @Override
    public void close() {
        task.cancel(false);
    }

    @Override
    public String toString() {
        return "TrustFile[" + file + ", " + trust.current() + "]";
    }
}
