package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;

import static io.github.proxycodec.ProxyHeaderParser.V1_MAX_LENGTH;

/**
 * The text v1 line (spec section 2.1): {@code PROXY TCP4|TCP6 src dst sport dport\r\n} or
 * {@code PROXY UNKNOWN ...\r\n}, at most 107 bytes. Addresses must be canonical literals
 * ({@link InetLiterals}), ports 0..65535 without leading zeros, fields separated by exactly one
 * space. A complete valid line is read in one pass ({@link V1FastPath}); anything else is judged
 * here field by field, so that each fault gets its own reason. Immutable.
 */
final class V1Parser {

    /** Where the protocol word starts, after {@code "PROXY "}. */
    static final int PROTOCOL_AT = ProxyHeaderParser.V1_PREFIX.length;
    /** Where the source address starts, after {@code "PROXY TCP4 "} or {@code "PROXY TCP6 "}. */
    static final int SOURCE_AT = PROTOCOL_AT + 5;

    static final int V1_UNKNOWN = ProxyHeader.kind(Version.V1, Command.PROXY, Family.UNSPEC, Transport.UNSPEC);
    static final int V1_TCP4 = ProxyHeader.kind(Version.V1, Command.PROXY, Family.INET, Transport.STREAM);
    static final int V1_TCP6 = ProxyHeader.kind(Version.V1, Command.PROXY, Family.INET6, Transport.STREAM);

    private static final byte[] TCP4 = {'T', 'C', 'P', '4', ' '};
    private static final byte[] TCP6 = {'T', 'C', 'P', '6', ' '};
    private static final byte[] UNKNOWN = {'U', 'N', 'K', 'N', 'O', 'W', 'N'};
    private static final byte[][] PROTOCOL_WORDS = {TCP4, TCP6, UNKNOWN};

    /** Per-thread room for one v1 line and {@link V1FastPath}'s sentinel, so that parsing allocates no copy. */
    private static final FastThreadLocal<byte[]> LINE = new FastThreadLocal<byte[]>() {
        @Override
        protected byte[] initialValue() {
            return new byte[V1_MAX_LENGTH + 1];
        }
    };

    private final boolean allowTcp6WithIpv4Destination;

    V1Parser(boolean allowTcp6WithIpv4Destination) {
        this.allowTcp6WithIpv4Destination = allowTcp6WithIpv4Destination;
    }

    /**
     * Parses the v1 line at the reader index (its {@code "PROXY "} already matched) without
     * moving it.
     *
     * @return the header, or {@code null} if every byte so far is valid but the line is incomplete
     */
    ProxyHeader parse(ByteBuf in) {
        final int n = in.readableBytes();
        // Everything that can belong to the line, copied once into this thread's scratch array:
        // reading an array is much cheaper than a ByteBuf byte by byte, and nothing here keeps a
        // reference to it. Indexes below are relative to the reader index.
        final int k = Math.min(n, V1_MAX_LENGTH);
        final byte[] b = LINE.get();
        in.getBytes(in.readerIndex(), b, 0, k);
        b[k] = 0;
        ProxyHeader h = V1FastPath.parse(b, k);
        return h != null ? h : parseCarefully(b, k, n);
    }

    /**
     * Judges the line in {@code b[0..k)}, of the {@code n} bytes received so far, field by
     * field: the first fault found gets its own reason. Package-private so that a test can hold
     * {@link V1FastPath} to the same answers.
     */
    ProxyHeader parseCarefully(byte[] b, int k, int n) {
        // The protocol word can be judged before the line is complete.
        byte[] proto = protocolWord(b, PROTOCOL_AT, k);
        int cr = lineEnd(b, k, n);
        if (cr < 0 || cr + 1 >= k) {
            return null;
        }
        if (b[cr + 1] != '\n') {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "CR without LF");
        }
        if (proto == null) {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "missing protocol");
        }
        if (proto == UNKNOWN) {
            int after = PROTOCOL_AT + UNKNOWN.length;
            if (after != cr && b[after] != ' ') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "unknown protocol");
            }
            // The rest of an UNKNOWN line is ignored by the spec.
            return new ProxyHeader(V1_UNKNOWN, 0, 0, 0, null, null, null, cr + 2);
        }
        return tcpLine(b, proto == TCP6, cr);
    }

    /** Matches the protocol word against what is readable; null if too few bytes to know. */
    private static byte[] protocolWord(byte[] b, int from, int end) {
        int avail = end - from;
        byte[] found = null;
        boolean possible = false;
        for (byte[] w : PROTOCOL_WORDS) {
            int k = Math.min(avail, w.length);
            boolean ok = true;
            for (int i = 0; i < k; i++) {
                if (b[from + i] != w[i]) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                possible = true;
                if (avail >= w.length) {
                    found = w;
                }
            }
        }
        if (!possible) {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "protocol is not TCP4, TCP6 or UNKNOWN");
        }
        return found;
    }

    /**
     * Returns the index of the CR that ends the line, or -1 if the {@code n} bytes received so
     * far hold none yet; refuses a bare LF and a line longer than 107 bytes.
     */
    private static int lineEnd(byte[] b, int k, int n) {
        int limit = Math.min(k, V1_MAX_LENGTH - 1);
        for (int i = PROTOCOL_AT; i < limit; i++) {
            byte c = b[i];
            if (c == '\r') {
                return i;
            }
            if (c == '\n') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "LF without CR");
            }
        }
        if (n >= V1_MAX_LENGTH - 1) {
            throw new ProxyProtocolException(Reason.V1_TOO_LONG, "no CRLF within 107 bytes");
        }
        return -1;
    }

    /** Parses the four fields of a complete TCP4 or TCP6 line ending at {@code cr}. */
    private ProxyHeader tcpLine(byte[] b, boolean v6, int cr) {
        int f0 = SOURCE_AT;
        int f1 = fieldEnd(b, f0, cr, "source address");
        int f2 = fieldEnd(b, f1 + 1, cr, "destination address");
        int f3 = fieldEnd(b, f2 + 1, cr, "source port");
        if (f3 + 1 >= cr) {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "missing destination port");
        }
        for (int i = f3 + 1; i < cr; i++) {
            if (b[i] == ' ') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "extra field or space");
            }
        }
        int src4 = 0;
        int dst4 = 0;
        byte[] src6 = null;
        byte[] dst6 = null;
        if (v6) {
            src6 = ipv6(b, f0, f1);
            dst6 = ipv6Destination(b, f1 + 1, f2);
        } else {
            src4 = ipv4(b, f0, f1);
            dst4 = ipv4(b, f1 + 1, f2);
        }
        int ports = port(b, f2 + 1, f3) << 16 | port(b, f3 + 1, cr);
        return new ProxyHeader(v6 ? V1_TCP6 : V1_TCP4, src4, dst4, ports, src6, dst6, null, cr + 2);
    }

    /** Returns the index of the single space ending a non-empty field that starts at {@code from}. */
    private static int fieldEnd(byte[] b, int from, int end, String what) {
        for (int i = from; i < end; i++) {
            if (b[i] == ' ') {
                if (i == from) {
                    throw new ProxyProtocolException(Reason.V1_MALFORMED, "empty " + what + " (double space)");
                }
                return i;
            }
        }
        throw new ProxyProtocolException(Reason.V1_MALFORMED, "missing field after " + what);
    }

    private static int ipv4(byte[] b, int from, int to) {
        long a = InetLiterals.parseIpv4(b, from, to);
        if (a < 0) {
            throw badAddress(b, from, to, false);
        }
        return (int) a;
    }

    private static byte[] ipv6(byte[] b, int from, int to) {
        byte[] a = new byte[16];
        if (!InetLiterals.parseIpv6(b, from, to, a, 0)) {
            throw badAddress(b, from, to, true);
        }
        return a;
    }

    /**
     * The destination of a TCP6 line. With {@code allowTcp6WithIpv4Destination} a dotted quad is
     * taken too (nginx writes one for an IPv6 client that reached an IPv4 listener), stored
     * IPv4-mapped, so that the header reports it as that {@link java.net.Inet4Address}.
     */
    private byte[] ipv6Destination(byte[] b, int from, int to) {
        if (allowTcp6WithIpv4Destination) {
            // A dotted quad is never valid IPv6 text, so trying it first changes nothing else.
            long a = InetLiterals.parseIpv4(b, from, to);
            if (a >= 0) {
                return ipv4Mapped((int) a);
            }
        }
        return ipv6(b, from, to);
    }

    /** Returns {@code ::ffff:a.b.c.d}, the IPv6 form of an IPv4 address (RFC 4291 section 2.5.5.2). */
    static byte[] ipv4Mapped(int a) {
        byte[] m = new byte[16];
        m[10] = (byte) 0xFF;
        m[11] = (byte) 0xFF;
        m[12] = (byte) (a >>> 24);
        m[13] = (byte) (a >>> 16);
        m[14] = (byte) (a >>> 8);
        m[15] = (byte) a;
        return m;
    }

    private static ProxyProtocolException badAddress(byte[] b, int from, int to, boolean v6) {
        return new ProxyProtocolException(Reason.V1_INVALID_ADDRESS,
                "not a canonical " + (v6 ? "IPv6" : "IPv4") + " literal: \""
                        + new String(b, from, to - from, StandardCharsets.ISO_8859_1) + '"');
    }

    private static int port(byte[] b, int from, int to) {
        int len = to - from;
        if (len < 1 || len > 5 || (len > 1 && b[from] == '0')) {
            throw badPort(b, from, to);
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw badPort(b, from, to);
            }
            v = v * 10 + d;
        }
        if (v > 0xFFFF) {
            throw badPort(b, from, to);
        }
        return v;
    }

    private static ProxyProtocolException badPort(byte[] b, int from, int to) {
        return new ProxyProtocolException(Reason.V1_INVALID_PORT,
                "not a port 0..65535: \"" + new String(b, from, to - from, StandardCharsets.ISO_8859_1) + '"');
    }
}
