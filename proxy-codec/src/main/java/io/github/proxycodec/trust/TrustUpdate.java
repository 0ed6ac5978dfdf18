package io.github.proxycodec.trust;

import java.util.List;

/**
 * What a {@link TrustFile} or {@link CloudflareRefresher} did with one new version of its
 * source: put it in force, or kept the list in force because the new one was unusable. Given
 * to the application's listener so that it can log it; the library itself never logs.
 */
public final class TrustUpdate {

    /** Whether the new list was taken. */
    public enum Outcome {
        /** The new list is in force. */
        RELOADED,
        /** The new list is the one in force (a refresh that found nothing new). */
        UNCHANGED,
        /** The new list was refused; the list in force before stays. */
        FAILED
    }

    private final Outcome outcome;
    private final String source;
    private final int ranges;
    private final List<String> added;
    private final List<String> removed;
    private final String error;

    private TrustUpdate(Outcome outcome, String source, int ranges, List<String> added, List<String> removed,
                        String error) {
        this.outcome = outcome;
        this.source = source;
        this.ranges = ranges;
        this.added = List.copyOf(added);
        this.removed = List.copyOf(removed);
        this.error = error;
    }

    static TrustUpdate reloaded(String source, int ranges, List<String> added, List<String> removed) {
        return new TrustUpdate(Outcome.RELOADED, source, ranges, added, removed, null);
    }

    static TrustUpdate unchanged(String source, int ranges) {
        return new TrustUpdate(Outcome.UNCHANGED, source, ranges, List.of(), List.of(), null);
    }

    static TrustUpdate failed(String source, int ranges, String error) {
        return new TrustUpdate(Outcome.FAILED, source, ranges, List.of(), List.of(), error);
    }

    /** Returns whether the new list was taken. */
    public Outcome outcome() {
        return outcome;
    }

    /** Returns where the list came from: a file path or a URL. */
    public String source() {
        return source;
    }

    /** Returns how many CIDR ranges are in force after this update. */
    public int ranges() {
        return ranges;
    }

    /** Returns the ranges the new list added (empty unless RELOADED). */
    public List<String> added() {
        return added;
    }

    /** Returns the ranges the new list dropped (empty unless RELOADED). */
    public List<String> removed() {
        return removed;
    }

    /** Returns why the new list was refused, or {@code null} if it was taken. */
    public String error() {
        return error;
    }

    @Override
    public String toString() {
        if (outcome == Outcome.FAILED) {
            return "TrustUpdate{FAILED " + source + ", kept " + ranges + " ranges: " + error + '}';
        }
        return "TrustUpdate{" + outcome + ' ' + source + ", ranges=" + ranges + ", added=" + added
                + ", removed=" + removed + '}';
    }
}
