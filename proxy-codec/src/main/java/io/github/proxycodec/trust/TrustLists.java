package io.github.proxycodec.trust;

import io.github.proxycodec.TrustedProxies;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Parsing of trust list text and the difference between two lists, for the sources here. */
final class TrustLists {

    private TrustLists() {
    }

    /**
     * Parses a trust file's text with {@link TrustedProxies#fromText}, and refuses what a file
     * that can be rewritten while serving must not hold: {@code any}, or no range at all.
     *
     * @throws IllegalArgumentException naming the first bad line, or if no range is listed
     */
    static TrustedProxies parse(String text) {
        TrustedProxies list = TrustedProxies.fromText(text);
        if (list.trustsAny()) {
            throw new IllegalArgumentException("'any' is not allowed in a trust file");
        }
        if (list.cidrs().isEmpty()) {
            throw new IllegalArgumentException("no ranges listed");
        }
        return list;
    }

    /** Returns how many distinct ranges {@code list} holds. */
    static int count(TrustedProxies list) {
        return new LinkedHashSet<>(list.cidrs()).size();
    }

    /** Returns the entries of {@code next} that {@code previous} lacks, in {@code next}'s order. */
    static List<String> added(TrustedProxies previous, TrustedProxies next) {
        Set<String> before = new LinkedHashSet<>(previous.cidrs());
        List<String> out = new ArrayList<>();
        for (String c : new LinkedHashSet<>(next.cidrs())) {
            if (!before.contains(c)) {
                out.add(c);
            }
        }
        return out;
    }
}
