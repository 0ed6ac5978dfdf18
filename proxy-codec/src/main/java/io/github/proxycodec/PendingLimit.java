package io.github.proxycodec;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A cap on the connections waiting for their PROXY header at once. It is a value of its own,
 * not part of {@link ProxyProtocolConfig}'s settings, so that sharing it is a visible choice:
 * every configuration given the same instance counts against the same cap.
 *
 * <pre>{@code
 * PendingLimit limit = PendingLimit.of(10_000);            // one budget for two listeners
 * ProxyProtocolConfig http = ProxyProtocolConfig.builder().pendingLimit(limit).build();
 * ProxyProtocolConfig mqtt = http.toBuilder().acceptV1(false).build();   // shares limit
 * }</pre>
 */
public final class PendingLimit {

    private final int max;
    private final AtomicInteger waiting = new AtomicInteger();

    private PendingLimit(int max) {
        this.max = max;
    }

    /**
     * Returns a new limit of {@code max} waiting connections.
     *
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public static PendingLimit of(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxPendingConnections must be at least 1, not " + max);
        }
        return new PendingLimit(max);
    }

    /** Returns the cap. */
    public int max() {
        return max;
    }

    /** Returns how many connections are waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /** Takes a place; false if the cap is reached. */
    boolean tryAcquire() {
        while (true) {
            int n = waiting.get();
            if (n >= max) {
                return false;
            }
            if (waiting.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a place taken with {@link #tryAcquire()}. */
    void release() {
        waiting.decrementAndGet();
    }

    @Override
    public String toString() {
        return "PendingLimit{" + waiting.get() + '/' + max + '}';
    }
}
