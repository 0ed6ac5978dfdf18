package io.github.proxycodec.trust;

import io.github.proxycodec.ReloadableTrust;
import io.github.proxycodec.TrustSource;
import io.github.proxycodec.TrustedProxies;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Keeps Cloudflare's edge ranges current: fetches them from its IPs API (JSON) or its plain
 * {@code ips-v4}/{@code ips-v6} lists, by URL with the JDK's {@link HttpClient} or from a
 * {@code file:} URL, and puts them in force in a {@link ReloadableTrust}.
 *
 * <p>Until the first good answer the ranges shipped in the jar are in force. A refresh takes
 * every source (their ranges together) or nothing: a failed request, a status other than 200,
 * an answer that is malformed, truncated, empty, lacks a family ({@link CloudflareRanges}) or
 * takes longer than the timeout (the whole answer, not only its start) keeps the list in force,
 * so the list can never shrink to nothing. Each refresh reports a {@link TrustUpdate}: what
 * was added and removed, that nothing changed, or why the answer was refused.
 *
 * <pre>{@code
 * CloudflareRefresher cf = CloudflareRefresher.builder()
 *         .alsoTrust(TrustedProxies.of("10.0.0.0/8"))       // our own load balancers, kept whatever Cloudflare says
 *         .listener(update -> log.info("{}", update))
 *         .build();
 * cf.start(scheduler, Duration.ofHours(6));
 * ProxyProtocolConfig tcp = ProxyProtocolConfig.builder().trustSource(cf.trust()).build();
 * }</pre>
 */
public final class CloudflareRefresher implements Closeable {

    /** Cloudflare's IPs API. */
    public static final URI IPS_API = URI.create("https://api.cloudflare.com/client/v4/ips");
    /** Cloudflare's plain IPv4 list. */
    public static final URI IPS_V4 = URI.create("https://www.cloudflare.com/ips-v4");
    /** Cloudflare's plain IPv6 list. */
    public static final URI IPS_V6 = URI.create("https://www.cloudflare.com/ips-v6");

    static final int MAX_BYTES = 1 << 20;

    private final List<URI> sources;
    private final TrustedProxies alsoTrust;
    private final Duration timeout;
    private final HttpClient http;
    private final Consumer<TrustUpdate> listener;
    private final ReloadableTrust trust;
    private final AtomicBoolean inFlight = new AtomicBoolean();
    /** The Cloudflare part of the list in force (guarded by this). */
    private TrustedProxies fetched = TrustedProxies.cloudflare();
    private volatile ScheduledFuture<?> task;

    private CloudflareRefresher(Builder b) {
        this.sources = List.copyOf(b.sources);
        this.alsoTrust = b.alsoTrust;
        this.timeout = b.timeout;
        this.http = b.http != null ? b.http
                : HttpClient.newBuilder().connectTimeout(b.timeout).followRedirects(HttpClient.Redirect.NORMAL).build();
        this.listener = b.listener;
        this.trust = new ReloadableTrust(withOwn(fetched));
    }

    /** Returns a builder: the IPs API, a 10 s timeout, no ranges of your own, no listener. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the source to give the configurations: it follows the refreshes. */
    public TrustSource trust() {
        return trust;
    }

    /** Returns the list in force now (Cloudflare's ranges and {@link Builder#alsoTrust}). */
    public TrustedProxies current() {
        return trust.current();
    }

    /**
     * Refreshes now and every {@code interval} after each refresh ends, on {@code executor}
     * (which only starts each refresh: the requests do not block it, so a Netty event loop will
     * do). A refresh still running when the next is due is not doubled.
     */
    public void start(ScheduledExecutorService executor, Duration interval) {
        Objects.requireNonNull(executor, "executor");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be positive: " + interval);
        }
        if (task != null) {
            throw new IllegalStateException("already started");
        }
        task = executor.scheduleWithFixedDelay(this::refreshAsync, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Refreshes now and waits for the outcome (at most about the timeout). */
    public TrustUpdate refresh() {
        return refreshAsync().join();
    }

    /**
     * Starts a refresh; the future completes with its outcome (never exceptionally), once the
     * listener has been told. If a refresh is already running, completes with {@code null}.
     */
    public CompletableFuture<TrustUpdate> refreshAsync() {
        if (!inFlight.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<CloudflareRanges>> answers = new ArrayList<>();
        for (URI source : sources) {
            answers.add(fetch(source));
        }
        return CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0]))
                .handle((ok, failure) -> outcome(failure, answers))
                .whenComplete((update, e) -> {
                    inFlight.set(false);
                    tell(update);
                });
    }

    private TrustUpdate outcome(Throwable failure, List<CompletableFuture<CloudflareRanges>> answers) {
        try {
            return failure != null ? refused(failure) : apply(answers);
        } catch (RuntimeException e) {
            return refused(e);
        }
    }

    private CompletableFuture<CloudflareRanges> fetch(URI source) {
        if ("file".equalsIgnoreCase(source.getScheme())) {
            try {
                return CompletableFuture.completedFuture(CloudflareRanges.parse(read(Path.of(source))));
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(new IllegalArgumentException(source + ": " + message(e, timeout)));
            }
        }
        HttpRequest request = HttpRequest.newBuilder(source).timeout(timeout).GET().build();
        CompletableFuture<HttpResponse<byte[]>> response = http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray());
        return response.copy()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS) // the whole answer, body included
                .whenComplete((r, e) -> response.cancel(true)) // gives up the exchange after a timeout
                .thenApply(r -> ranges(source, r))
                .exceptionally(e -> {
                    throw new CompletionException(new IllegalArgumentException(source + ": " + message(e, timeout)));
                });
    }

    private static CloudflareRanges ranges(URI source, HttpResponse<byte[]> response) {
        if (response.statusCode() != 200) {
            throw new IllegalArgumentException("HTTP status " + response.statusCode());
        }
        if (response.body().length > MAX_BYTES) {
            throw new IllegalArgumentException("answer larger than " + MAX_BYTES + " bytes");
        }
        return CloudflareRanges.parse(new String(response.body(), StandardCharsets.UTF_8));
    }

    private synchronized TrustUpdate apply(List<CompletableFuture<CloudflareRanges>> answers) {
        List<String> cidrs = new ArrayList<>();
        for (CompletableFuture<CloudflareRanges> a : answers) {
            cidrs.addAll(a.join().cidrs());
        }
        TrustedProxies next = TrustedProxies.of(cidrs);
        List<String> added = TrustLists.added(fetched, next);
        List<String> removed = TrustLists.added(next, fetched);
        if (added.isEmpty() && removed.isEmpty()) {
            return TrustUpdate.unchanged(describe(), TrustLists.count(trust.current()));
        }
        fetched = next;
        TrustedProxies inForce = withOwn(next);
        trust.replace(inForce);
        return TrustUpdate.reloaded(describe(), TrustLists.count(inForce), added, removed);
    }

    private TrustUpdate refused(Throwable failure) {
        return TrustUpdate.failed(describe(), TrustLists.count(trust.current()), message(failure, timeout));
    }

    private TrustedProxies withOwn(TrustedProxies cloudflare) {
        return alsoTrust == null ? cloudflare : cloudflare.plus(alsoTrust);
    }

    private void tell(TrustUpdate update) {
        try {
            listener.accept(update);
        } catch (RuntimeException ignored) {
            // The listener's failure must not stop the refreshes.
        }
    }

    private String describe() {
        return sources.size() == 1 ? sources.get(0).toString() : sources.toString();
    }

    /** The message of the failure inside any CompletionException, saying so for a timeout. */
    private static String message(Throwable e, Duration timeout) {
        Throwable t = e;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof TimeoutException || t instanceof HttpTimeoutException) {
            return "no complete answer within " + timeout.toMillis() + " ms";
        }
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static String read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("larger than " + MAX_BYTES + " bytes");
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Stops the scheduled refreshes; the list in force stays. */
    @Override
    public void close() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** Builds a {@link CloudflareRefresher}. */
    public static final class Builder {
        private List<URI> sources = List.of(IPS_API);
        private TrustedProxies alsoTrust;
        private Duration timeout = Duration.ofSeconds(10);
        private HttpClient http;
        private Consumer<TrustUpdate> listener = update -> { };

        private Builder() {
        }

        /**
         * Sets where the ranges come from (default {@link #IPS_API}): {@code http(s):} or
         * {@code file:} URLs, each JSON or a plain list; a refresh takes all of them together.
         */
        public Builder sources(URI... sources) {
            if (sources.length == 0) {
                throw new IllegalArgumentException("at least one source");
            }
            this.sources = List.of(sources);
            return this;
        }

        /** Sets ranges of your own trusted beside Cloudflare's, whatever the refreshes say. */
        public Builder alsoTrust(TrustedProxies alsoTrust) {
            this.alsoTrust = Objects.requireNonNull(alsoTrust, "alsoTrust");
            return this;
        }

        /** Sets the time allowed for each whole answer (default 10 s). */
        public Builder timeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Sets the HTTP client (default: a new one with the timeout as connect timeout). */
        public Builder httpClient(HttpClient http) {
            this.http = Objects.requireNonNull(http, "http");
            return this;
        }

        /** Sets who is told each refresh's {@link TrustUpdate}; called on an HTTP client thread. */
        public Builder listener(Consumer<TrustUpdate> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Builds the refresher; the shipped ranges are in force until its first refresh. */
        public CloudflareRefresher build() {
            return new CloudflareRefresher(this);
        }
    }
}
