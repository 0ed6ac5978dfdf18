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
     * Parses one CIDR per line, {@code #} comments and blank lines ignored; the word
     * {@code cloudflare} stands for the ranges shipped in the jar.
     *
     * @throws IllegalArgumentException naming the first bad line, or if no range is listed
     */
    static TrustedProxies parse(String text) {
        List<String> cidrs = new ArrayList<>();
        boolean cloudflare = false;
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String s = (hash >= 0 ? line.substring(0, hash) : line).trim();
            if (s.isEmpty()) {
                continue;
            }
            if (s.equalsIgnoreCase("cloudflare")) {
                cloudflare = true;
                continue;
            }
            if (s.equalsIgnoreCase("any")) {
                throw new IllegalArgumentException("line " + (i + 1) + ": 'any' is not allowed in a trust list");
            }
            try {
                TrustedProxies.of(s); // checks the line on its own, so the error can name it
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
            }
            cidrs.add(s);
        }
        if (cidrs.isEmpty() && !cloudflare) {
            throw new IllegalArgumentException("no ranges listed");
        }
        TrustedProxies listed = TrustedProxies.of(cidrs);
        return cloudflare ? TrustedProxies.cloudflare().plus(listed) : listed;
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
