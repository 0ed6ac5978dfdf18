package io.github.proxycodec;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An immutable allow-list of proxy addresses (CIDR ranges) that may send PROXY headers.
 *
 * <p>Matching reuses Netty's {@link IpSubnetFilterRule}. Entries are IP literals only: a host
 * name is refused, since resolving it would block and could be spoofed.
 *
 * <pre>{@code
 * TrustedProxies.cloudflare();                        // Cloudflare's published ranges (the default)
 * TrustedProxies.of("10.0.0.0/8", "2001:db8::/32");   // your own load balancers
 * TrustedProxies.cloudflare().plus(TrustedProxies.of("127.0.0.1/32"));
 * TrustedProxies.parse("cloudflare, 10.0.0.0/8");     // as a user writes it in a setting
 * }</pre>
 *
 * <p>In the written forms ({@link #parse(String)}, {@link #fromFile(Path)}) the word
 * {@code cloudflare} stands for Cloudflare's ranges and the word {@code any} for every source;
 * {@code any} must stand alone, since a list mixing it with ranges is almost certainly a mistake
 * and reading it as "everyone" would widen trust silently.
 */
public final class TrustedProxies implements TrustSource {

    private static final String CLOUDFLARE_RESOURCE = "cloudflare-ips.txt";
    private static final String WORD_ANY = "any";
    private static final String WORD_CLOUDFLARE = "cloudflare";
    private static final TrustedProxies ANY = new TrustedProxies(Collections.emptyList(), Collections.emptyList(), true);
    private static volatile TrustedProxies cloudflare;

    private final List<String> cidrs;
    private final IpSubnetFilterRule[] rules;
    private final boolean any;

    private TrustedProxies(List<String> cidrs, List<IpSubnetFilterRule> rules, boolean any) {
        this.cidrs = Collections.unmodifiableList(new ArrayList<>(cidrs));
        this.rules = rules.toArray(new IpSubnetFilterRule[0]);
        this.any = any;
    }

    /** Trusts every source: only for listeners that nothing but your proxy can reach. */
    public static TrustedProxies any() {
        return ANY;
    }

    /** Cloudflare's published IPv4 and IPv6 edge ranges, shipped in the jar. */
    public static TrustedProxies cloudflare() {
        TrustedProxies cf = cloudflare;
        if (cf == null) {
            try (InputStream in = TrustedProxies.class.getResourceAsStream(CLOUDFLARE_RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(CLOUDFLARE_RESOURCE + " missing from the jar");
                }
                cf = of(lines(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cloudflare = cf;
        }
        return cf;
    }

    /**
     * Trusts the given CIDR ranges, e.g. {@code "10.0.0.0/8"}; a bare address means one host.
     *
     * @throws IllegalArgumentException if an entry is not an IP literal with a valid prefix
     */
    public static TrustedProxies of(String... cidrs) {
        return of(List.of(cidrs));
    }

    /** Trusts the given CIDR ranges; see {@link #of(String...)}. */
    public static TrustedProxies of(List<String> cidrs) {
        List<IpSubnetFilterRule> rules = new ArrayList<>(cidrs.size());
        List<String> kept = new ArrayList<>(cidrs.size());
        for (String c : cidrs) {
            String s = c.trim();
            rules.add(rule(s));
            kept.add(s);
        }
        return new TrustedProxies(kept, rules, false);
    }

    /**
     * Parses a comma-separated trust list: CIDR ranges, {@code cloudflare}, or {@code any} alone,
     * e.g. {@code "cloudflare,10.0.0.0/8"}. Spaces around entries are ignored.
     *
     * @throws IllegalArgumentException if the list is empty, mixes {@code any} with other
     *         entries, or has an entry that is not an IP literal with a valid prefix
     */
    public static TrustedProxies parse(String list) {
        List<String> entries = new ArrayList<>();
        for (String part : list.split(",", -1)) {
            entries.add(part.trim());
        }
        if (entries.stream().allMatch(String::isEmpty)) {
            throw new IllegalArgumentException("empty trust list");
        }
        if (entries.contains("")) {
            throw new IllegalArgumentException("empty entry in trust list");
        }
        return ofEntries(entries);
    }

    /**
     * Reads a trust list from a file; see {@link #fromText(String)}.
     *
     * @throws IllegalArgumentException naming the file and the first bad line
     */
    public static TrustedProxies fromFile(Path file) throws IOException {
        try {
            return fromText(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a trust list written one entry per line (a CIDR range, {@code cloudflare}, or
     * {@code any} alone), {@code #} comments and blank lines ignored.
     *
     * @throws IllegalArgumentException naming the first bad line ({@code line 3: ...}), or if
     *         {@code any} does not stand alone
     */
    public static TrustedProxies fromText(String text) {
        return ofEntries(lines(text));
    }

    /** The entries of written text, each range checked on its own so that an error names its line. */
    private static List<String> lines(String text) {
        List<String> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int hash = lines[i].indexOf('#');
            String s = (hash >= 0 ? lines[i].substring(0, hash) : lines[i]).trim();
            if (s.isEmpty()) {
                continue;
            }
            if (!s.equalsIgnoreCase(WORD_ANY) && !s.equalsIgnoreCase(WORD_CLOUDFLARE)) {
                try {
                    rule(s);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
            entries.add(s);
        }
        return entries;
    }

    /** Builds a list from written entries, with the words expanded. */
    private static TrustedProxies ofEntries(List<String> entries) {
        boolean any = entries.stream().anyMatch(WORD_ANY::equalsIgnoreCase);
        if (any && entries.size() > 1) {
            throw new IllegalArgumentException("'any' must stand alone in a trust list");
        }
        if (any) {
            return ANY;
        }
        List<String> cidrs = new ArrayList<>();
        for (String e : entries) {
            if (e.equalsIgnoreCase(WORD_CLOUDFLARE)) {
                cidrs.addAll(cloudflare().cidrs);
            } else {
                cidrs.add(e);
            }
        }
        return of(cidrs);
    }

    private static IpSubnetFilterRule rule(String cidr) {
        int slash = cidr.indexOf('/');
        String ip = slash < 0 ? cidr : cidr.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP literal: " + cidr);
        }
        int max = bytes.length * 8;
        int prefix;
        try {
            prefix = slash < 0 ? max : Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length: " + cidr);
        }
        if (prefix < 0 || prefix > max) {
            throw new IllegalArgumentException("prefix length out of range: " + cidr);
        }
        try {
            return new IpSubnetFilterRule(InetAddress.getByAddress(bytes), prefix, IpFilterRuleType.ACCEPT);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(cidr, e);
        }
    }

    /** Returns a list trusting what this one or {@code other} trusts. */
    public TrustedProxies plus(TrustedProxies other) {
        if (any || other.any) {
            return ANY;
        }
        List<String> all = new ArrayList<>(cidrs);
        all.addAll(other.cidrs);
        return of(all);
    }

    /** Returns this list: a fixed list is its own {@link TrustSource}. */
    @Override
    public TrustedProxies current() {
        return this;
    }

    /** Returns whether every source is trusted. */
    public boolean trustsAny() {
        return any;
    }

    /** Returns the CIDR ranges as given (empty for {@link #any()}). */
    public List<String> cidrs() {
        return cidrs;
    }

    /** Returns whether {@code address} is trusted; anything but an IP socket address is not. */
    public boolean contains(SocketAddress address) {
        if (any) {
            return true;
        }
        if (!(address instanceof InetSocketAddress)) {
            return false;
        }
        InetSocketAddress a = (InetSocketAddress) address;
        if (a.isUnresolved()) {
            return false;
        }
        for (IpSubnetFilterRule rule : rules) {
            if (rule.matches(a)) {
                return true;
            }
        }
        return false;
    }

    /** Returns whether {@code address} is trusted. */
    public boolean contains(InetAddress address) {
        return contains(new InetSocketAddress(address, 0));
    }

    @Override
    public String toString() {
        return any ? "TrustedProxies[any]" : "TrustedProxies" + cidrs;
    }
}
