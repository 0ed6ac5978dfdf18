package io.github.proxycodec;

import static io.github.proxycodec.V1Parser.SOURCE_AT;

/**
 * One pass over a complete, valid {@code TCP4} or {@code TCP6} line: each field is parsed as
 * it is scanned, and the first byte that does not fit gives up. It never throws and never
 * decides a fault: on {@code null} the {@link V1Parser} judges the line field by field, so the
 * accepted lines and the reasons for refusals are the same as without this path (IPv6 text with
 * an embedded IPv4 part is always left to it). Measured in {@code ParseBenchmarkPaired}: see
 * docs/performance-parse.md.
 *
 * <p>The line is read from {@code b[0..k)} with a sentinel {@code b[k] == 0}: a zero byte is
 * neither a digit nor a separator, so each field stops at it without a length check per byte.
 */
final class V1FastPath {

    private static final int FAIL = -1;

    private V1FastPath() {
    }

    /**
     * Returns the header of the valid TCP line in {@code b[0..k)} (with {@code b[k] == 0}), or
     * null if it is anything else.
     */
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
        long src = ipv4(b, SOURCE_AT);
        if (src == FAIL) {
            return null;
        }
        long dst = ipv4(b, (int) (src >>> 32) + 1);
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
        byte[] src = new byte[16];
        int s = ipv6(b, SOURCE_AT, src);
        if (s == FAIL) {
            return null;
        }
        byte[] dst = new byte[16];
        int d = ipv6(b, s + 1, dst);
        if (d == FAIL) {
            return null;
        }
        long ports = ports(b, d + 1, k);
        if (ports == FAIL) {
            return null;
        }
        return new ProxyHeader(V1Parser.V1_TCP6, 0, 0, (int) ports, src, dst, null, (int) (ports >>> 32) + 2);
    }

    /**
     * Reads a canonical dotted quad followed by a space at {@code b[i..]}; returns the space's
     * index in the high 32 bits and the address in the low 32, or -1. Each octet is read as one,
     * two or three digits without a loop: that, more than anything, makes this path pay.
     */
    private static long ipv4(byte[] b, int i) {
        int a = 0;
        for (int part = 0; part < 4; part++) {
            int d0 = b[i] - '0';
            if (d0 < 0 || d0 > 9) {
                return FAIL;
            }
            int octet = d0;
            int d1 = b[i + 1] - '0';
            if (d1 < 0 || d1 > 9) {
                i += 1;
            } else {
                int d2 = b[i + 2] - '0';
                if (d0 == 0) {
                    return FAIL; // a leading zero
                } else if (d2 < 0 || d2 > 9) {
                    octet = d0 * 10 + d1;
                    i += 2;
                } else {
                    octet = d0 * 100 + d1 * 10 + d2;
                    i += 3;
                }
            }
            // A fourth digit fails here too: it is neither separator.
            if (octet > 255 || b[i] != (part == 3 ? ' ' : '.')) {
                return FAIL;
            }
            a = a << 8 | octet;
            i++;
        }
        return (long) (i - 1) << 32 | (a & 0xFFFFFFFFL);
    }

    /**
     * Reads IPv6 text without an embedded IPv4 part, followed by a space, at {@code b[i..]} into
     * {@code out}; returns the space's index, or -1.
     */
    private static int ipv6(byte[] b, int i, byte[] out) {
        int groups = 0;
        int compress = -1;
        if (b[i] == ':') {
            if (b[i + 1] != ':') {
                return FAIL;
            }
            compress = 0;
            i += 2;
        }
        while (compress != groups || b[i] != ' ') { // "::" may end the text
            int v = InetLiterals.hex(b[i]);
            if (v < 0 || groups == 8) {
                return FAIL;
            }
            int h;
            int fifth = i + 4;
            while ((h = InetLiterals.hex(b[++i])) >= 0 && i < fifth) {
                v = v << 4 | h;
            }
            out[2 * groups] = (byte) (v >>> 8);
            out[2 * groups + 1] = (byte) v;
            groups++;
            // A fifth digit, a dot or anything else but ':' and ' ' fails.
            if (b[i] == ' ') {
                break;
            }
            if (b[i] != ':') {
                return FAIL;
            }
            if (b[++i] == ':') {
                if (compress >= 0) {
                    return FAIL;
                }
                compress = groups;
                i++;
            }
        }
        return InetLiterals.expand(out, 0, groups, compress) ? i : FAIL;
    }

    /**
     * Reads {@code "sport dport\r\n"} at {@code b[from..k)}; returns the CR's index in the high
     * 32 bits and the ports (source high, destination low) in the low 32, or -1.
     */
    private static long ports(byte[] b, int from, int k) {
        int s = port(b, from, (byte) ' ');
        if (s == FAIL) {
            return FAIL;
        }
        int d = port(b, (s >>> 16) + 1, (byte) '\r');
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
    private static int port(byte[] b, int from, byte end) {
        int i = from;
        int v = 0;
        int d;
        while ((d = b[i] - '0') >= 0 && d <= 9 && i - from < 5) {
            v = v * 10 + d;
            i++;
        }
        int digits = i - from;
        if (digits == 0 || v > 0xFFFF || (digits > 1 && b[from] == '0') || b[i] != end) {
            return FAIL;
        }
        return i << 16 | v;
    }
}
