package io.github.proxycodec;

/**
 * The strict IP address text of a v1 line: a dotted quad with no leading zeros (so that
 * {@code 010.0.0.1} cannot be read as octal by one peer and decimal by another), and RFC 4291
 * IPv6 text without zone or brackets. Reads a byte range of an array; allocates nothing.
 */
final class InetLiterals {

    /** The value of each byte as a hex digit, or -1. */
    private static final byte[] HEX = new byte[256];

    static {
        java.util.Arrays.fill(HEX, (byte) -1);
        for (int c = 0; c < 10; c++) {
            HEX['0' + c] = (byte) c;
        }
        for (int c = 0; c < 6; c++) {
            HEX['a' + c] = (byte) (10 + c);
            HEX['A' + c] = (byte) (10 + c);
        }
    }

    private InetLiterals() {
    }

    /** Returns the value of {@code c} as a hex digit, or -1 if it is not one. */
    static int hex(byte c) {
        return HEX[c & 0xFF];
    }

    /** Parses a dotted quad with no leading zeros; returns it as an unsigned int, or -1 if it is not one. */
    static long parseIpv4(byte[] b, int from, int to) {
        long res = 0;
        int part = 0;
        int i = from;
        while (true) {
            int start = i;
            int v = 0;
            while (i < to && i - start < 4) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                v = v * 10 + d;
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && b[start] == '0')) {
                return -1;
            }
            res = res << 8 | v;
            if (++part == 4) {
                return i == to ? res : -1;
            }
            if (i >= to || b[i] != '.') {
                return -1;
            }
            i++;
        }
    }

    /**
     * Parses RFC 4291 IPv6 text (no zone, no brackets) into {@code out[at..at+16)}; returns
     * false if it is not one.
     */
    static boolean parseIpv6(byte[] b, int from, int to, byte[] out, int at) {
        if (to - from < 2) {
            return false;
        }
        int words = 0;
        int compress = -1;
        int i = from;
        if (b[i] == ':') {
            if (b[i + 1] != ':') {
                return false;
            }
            compress = 0;
            i += 2;
        }
        while (i < to) {
            int start = i;
            int v = 0;
            // Up to five digits, so that a group of five is seen (and refused) rather than split.
            while (i < to && i - start < 5 && HEX[b[i] & 0xFF] >= 0) {
                v = (v << 4) | HEX[b[i] & 0xFF];
                i++;
            }
            int digits = i - start;
            if (digits == 0) {
                return false;
            }
            if (i < to && b[i] == '.') {
                // Embedded IPv4 in the last 32 bits: it ends the text.
                if (!embeddedIpv4(b, start, to, out, at + words * 2, words)) {
                    return false;
                }
                words += 2;
                break;
            }
            if (digits > 4 || words == 8) {
                return false;
            }
            putGroup(out, at, words++, v);
            if (i == to) {
                break;
            }
            if (b[i] != ':') {
                return false;
            }
            i++;
            if (i < to && b[i] == ':') {
                if (compress >= 0) {
                    return false;
                }
                compress = words;
                i++;
            } else if (i == to) {
                return false;
            }
        }
        return expand(out, at, words, compress);
    }

    /** Writes the dotted quad {@code b[from..to)} at {@code out[k..k+4)}; false if it is not one or has no room. */
    private static boolean embeddedIpv4(byte[] b, int from, int to, byte[] out, int k, int words) {
        long v4 = words > 6 ? -1 : parseIpv4(b, from, to);
        if (v4 < 0) {
            return false;
        }
        out[k] = (byte) (v4 >>> 24);
        out[k + 1] = (byte) (v4 >>> 16);
        out[k + 2] = (byte) (v4 >>> 8);
        out[k + 3] = (byte) v4;
        return true;
    }

    private static void putGroup(byte[] out, int at, int group, int v) {
        out[at + group * 2] = (byte) (v >>> 8);
        out[at + group * 2 + 1] = (byte) v;
    }

    /**
     * Moves the groups after {@code "::"} (at group {@code compress}, -1 if none) to the end and
     * zeroes the gap; false if the groups do not make exactly eight.
     */
    static boolean expand(byte[] out, int at, int words, int compress) {
        if (compress < 0) {
            return words == 8;
        }
        if (words >= 8) {
            return false;
        }
        int shift = 8 - words;
        for (int w = words - 1; w >= compress; w--) {
            out[at + (w + shift) * 2] = out[at + w * 2];
            out[at + (w + shift) * 2 + 1] = out[at + w * 2 + 1];
        }
        for (int w = compress; w < compress + shift; w++) {
            out[at + w * 2] = 0;
            out[at + w * 2 + 1] = 0;
        }
        return true;
    }
}
