package io.github.proxycodec.examples.support;

/**
 * Bounds how many report lines a flood can produce: at most {@code perSecond} lines pass in
 * each second; the rest are only counted, and the next line that passes says how many were
 * held back. Thread-safe.
 */
public final class RateLimit {

    private final int perSecond;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    /** Lets at most {@code perSecond} lines through per second. */
    public RateLimit(int perSecond) {
        this.perSecond = perSecond;
    }

    /**
     * Returns -1 if this line must be dropped, else how many lines were dropped since the last
     * one that passed (0 usually).
     */
    public synchronized long tryAcquire() {
        long now = System.nanoTime();
        if (now - windowStart >= 1_000_000_000L) {
            windowStart = now;
            inWindow = 0;
        }
        if (inWindow >= perSecond) {
            suppressed++;
            return -1;
        }
        inWindow++;
        long s = suppressed;
        suppressed = 0;
        return s;
    }
}
