package io.github.proxycodec;

import static io.github.proxycodec.V1Parser.SOURCE_AT;

/**
 * One pass over a complete, valid {@code TCP4} or {@code TCP6} line: each field is parsed as
 * it is scanned, and the first byte that does not fit gives up. It never throws and never
 * decides a fault: on {@code null} the {@link V1Parser} judges the line field by field, so the
 * accepted lines and the reasons for refusals are the same as without this path. Measured in
 * {@code ParseBenchmark} (see docs/performance-parse.md).
 */
final class V1FastPath {

    private static final int FAIL = -1;

    private V1FastPath() {
    }

    /** Returns the header of the valid TCP line in {@code b[0..k)}, or null if it is anything else. */
    static ProxyHeader parse(byte[] b, int k) {
        // "PROXY " matched already; then "TCP4 " or "TCP6 ".
        if (k <= SOURCE_AT || b[6] != 'T' || b[7] != 'C' || b[8] != 'P' || b[10] != ' ') {
            return null;
        }
        if (b[9] == '4') {
            return tcp4(b, k);
        }
        return b[9] == '6' ? tcp6(b, k) : null;
    }

    private static ProxyHeader tcp4(byte[] b, int k) {
        long src = ipv4(b, SOURCE_AT, k);
        if (src == FAIL) {
            return null;
        }
        long dst = ipv4(b, (int) (src >>> 32) + 1, k);
        if (dst == FAIL) {
            return null;
        }
        long ports = ports(b, (int) (dst >>> 32) + 1, k);
        if (ports == FAIL) {
            return null;
        }
        return new ProxyHeader(V1Parser.V1_TCP4, (int) src, (int) dst, (int) ports, null, null, null,
                (int) (ports >>> 32) + 2);
    }

    private static ProxyHeader tcp6(byte[] b, int k) {
        int s = space(b, SOURCE_AT, k);
        byte[] src = new byte[16];
        if (s == FAIL || !InetLiterals.parseIpv6(b, SOURCE_AT, s, src, 0)) {
            return null;
        }
        int d = space(b, s + 1, k);
        byte[] dst = new byte[16];
        if (d == FAIL || !InetLiterals.parseIpv6(b, s + 1, d, dst, 0)) {
            return null;
        }
        long ports = ports(b, d + 1, k);
        if (ports == FAIL) {
            return null;
        }
        return new ProxyHeader(V1Parser.V1_TCP6, 0, 0, (int) ports, src, dst, null, (int) (ports >>> 32) + 2);
    }

    /** Returns the index of the first space in {@code b[from..k)}, or -1. */
    private static int space(byte[] b, int from, int k) {
        for (int i = from; i < k; i++) {
            if (b[i] == ' ') {
                return i;
            }
        }
        return FAIL;
    }

    /**
     * Reads a canonical dotted quad followed by a space at {@code b[from..k)}; returns the
     * space's index in the high 32 bits and the address in the low 32, or -1.
     */
    private static long ipv4(byte[] b, int from, int k) {
        int i = from;
        int a = 0;
        for (int part = 0; part < 4; part++) {
            int start = i;
            int octet = 0;
            int d;
            while (i < k && i - start < 3 && (d = b[i] - '0') >= 0 && d <= 9) {
                octet = octet * 10 + d;
                i++;
            }
            int digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && b[start] == '0')
                    || i >= k || b[i] != (part == 3 ? ' ' : '.')) {
                return FAIL;
            }
            a = a << 8 | octet;
            i++;
        }
        return (long) (i - 1) << 32 | (a & 0xFFFFFFFFL);
    }

    /**
     * Reads {@code "sport dport\r\n"} at {@code b[from..k)}; returns the CR's index in the high
     * 32 bits and the ports (source high, destination low) in the low 32, or -1.
     */
    private static long ports(byte[] b, int from, int k) {
        int s = port(b, from, k, (byte) ' ');
        if (s == FAIL) {
            return FAIL;
        }
        int d = port(b, (s >>> 16) + 1, k, (byte) '\r');
        if (d == FAIL) {
            return FAIL;
        }
        int cr = d >>> 16;
        if (cr + 1 >= k || b[cr + 1] != '\n') {
            return FAIL;
        }
        return (long) cr << 32 | (long) (s & 0xFFFF) << 16 | (d & 0xFFFF);
    }

    /**
     * Reads a port with no leading zero followed by {@code end}; returns the index of {@code end}
     * in the high 16 bits and the port in the low 16, or -1.
     */
    private static int port(byte[] b, int from, int k, byte end) {
        int i = from;
        int v = 0;
        int d;
        while (i < k && i - from < 5 && (d = b[i] - '0') >= 0 && d <= 9) {
            v = v * 10 + d;
            i++;
        }
        int digits = i - from;
        if (digits == 0 || v > 0xFFFF || (digits > 1 && b[from] == '0') || i >= k || b[i] != end) {
            return FAIL;
        }
        return i << 16 | v;
    }
}
