package io.github.proxycodec.trust;

import io.github.proxycodec.TrustedProxies;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Cloudflare's published edge ranges in either of its formats: the JSON of its IPs API
 * ({@code https://api.cloudflare.com/client/v4/ips}) or the plain lists
 * ({@code https://www.cloudflare.com/ips-v4}, {@code .../ips-v6}), one CIDR a line.
 *
 * <p>Read strictly: a JSON answer must say {@code "success": true} and carry non-empty
 * {@code result.ipv4_cidrs} and {@code result.ipv6_cidrs} arrays of CIDR strings; a plain list
 * must hold at least one CIDR and nothing else. Anything else is refused with an
 * {@link IllegalArgumentException}, so that a bad answer can never become an empty or
 * one-family list.
 */
public final class CloudflareRanges {

    private final List<String> cidrs;
    private final String etag;

    private CloudflareRanges(List<String> cidrs, String etag) {
        this.cidrs = List.copyOf(cidrs);
        this.etag = etag;
    }

    /**
     * Parses one answer, JSON if it starts with <code>{</code>, else a plain list.
     *
     * @throws IllegalArgumentException if it is malformed, empty or holds a bad range
     */
    public static CloudflareRanges parse(String body) {
        String trimmed = body.strip();
        return trimmed.startsWith("{") ? parseJson(trimmed) : parsePlain(trimmed);
    }

    /** Parses the IPs API's JSON; see the class comment. */
    public static CloudflareRanges parseJson(String body) {
        Object doc = MiniJson.parse(body);
        Map<?, ?> top = asObject(doc, "the document");
        if (!Boolean.TRUE.equals(top.get("success"))) {
            throw new IllegalArgumentException("the answer does not say \"success\": true");
        }
        Map<?, ?> result = asObject(top.get("result"), "result");
        List<String> cidrs = new ArrayList<>(strings(result.get("ipv4_cidrs"), "result.ipv4_cidrs"));
        cidrs.addAll(strings(result.get("ipv6_cidrs"), "result.ipv6_cidrs"));
        Object etag = result.get("etag");
        if (etag != null && !(etag instanceof String)) {
            throw new IllegalArgumentException("result.etag is not a string");
        }
        check(cidrs);
        return new CloudflareRanges(cidrs, (String) etag);
    }

    /** Parses a plain list: one CIDR a line, blank lines ignored. */
    public static CloudflareRanges parsePlain(String body) {
        List<String> cidrs = new ArrayList<>();
        for (String line : body.split("\r?\n")) {
            String s = line.strip();
            if (!s.isEmpty()) {
                cidrs.add(s);
            }
        }
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("the list is empty");
        }
        check(cidrs);
        return new CloudflareRanges(cidrs, null);
    }

    private static Map<?, ?> asObject(Object value, String name) {
        if (!(value instanceof Map)) {
            throw new IllegalArgumentException(name + " is not an object");
        }
        return (Map<?, ?>) value;
    }

    private static List<String> strings(Object value, String name) {
        if (!(value instanceof List) || ((List<?>) value).isEmpty()) {
            throw new IllegalArgumentException(name + " is not a non-empty array");
        }
        List<String> out = new ArrayList<>();
        for (Object o : (List<?>) value) {
            if (!(o instanceof String)) {
                throw new IllegalArgumentException(name + " holds something other than strings");
            }
            out.add((String) o);
        }
        return out;
    }

    private static void check(List<String> cidrs) {
        for (String c : cidrs) {
            if (c.indexOf('/') < 0) {
                throw new IllegalArgumentException("not a CIDR range: " + c);
            }
            TrustedProxies.of(c); // throws, naming it, if it is not one
        }
    }

    /** Returns the CIDR ranges, IPv4 first for the JSON format. */
    public List<String> cidrs() {
        return cidrs;
    }

    /** Returns the JSON answer's {@code result.etag} (a digest of the data), or {@code null}. */
    public String etag() {
        return etag;
    }

    /** Returns the ranges as a trust list. */
    public TrustedProxies toTrustedProxies() {
        return TrustedProxies.of(cidrs);
    }

    @Override
    public String toString() {
        return "CloudflareRanges" + cidrs + (etag != null ? " etag=" + etag : "");
    }
}
