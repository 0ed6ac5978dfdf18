package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The pure PROXY protocol v1/v2 parser shared by the TCP handler and the UDP codecs.
 *
 * <p>Bytes in, a {@link ProxyHeader} or a {@link ProxyProtocolException} out. It reads from the
 * buffer's reader index without moving it and takes no ownership: the caller skips
 * {@link ProxyHeader#headerLength()} bytes and keeps releasing what it owns. Every length is
 * bounds-checked against what is readable. Instances are immutable and thread-safe.
 *
 * <p>Most applications never call this directly: {@link ProxyProtocolHandler} and the UDP codecs do.
 */
public final class ProxyHeaderParser {

    /** The longest v1 line, CRLF included. */
    public static final int V1_MAX_LENGTH = 107;
    /** The fixed part of a v2 header: signature, version/command, family, length. */
    public static final int V2_FIXED_LENGTH = 16;
    /** The longest v2 header the wire format can express. */
    public static final int V2_MAX_LENGTH = V2_FIXED_LENGTH + 0xFFFF;
    /** Default cap on a whole v2 header. */
    public static final int DEFAULT_V2_MAX_LENGTH = 4096;
    /** HAProxy's cap on the AUTHORITY TLV. */
    public static final int AUTHORITY_MAX_LENGTH = 255;
    /** The spec's cap on the UNIQUE_ID TLV. */
    public static final int UNIQUE_ID_MAX_LENGTH = 128;

    /** The 12-byte v2 signature. */
    static final byte[] V2_SIGNATURE = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
    };
    /** The v1 prefix {@code "PROXY "}. */
    static final byte[] V1_PREFIX = {'P', 'R', 'O', 'X', 'Y', ' '};

    private static final long V2_SIGNATURE_HEAD = 0x0D0A0D0A000D0A51L;
    private static final int V2_SIGNATURE_TAIL = 0x5549540A;
    private static final int V1_PREFIX_HEAD = 0x50524F58; // "PROX"
    private static final short V1_PREFIX_TAIL = 0x5920;   // "Y "
    private static final byte[] TCP4 = {'T', 'C', 'P', '4', ' '};
    private static final byte[] TCP6 = {'T', 'C', 'P', '6', ' '};
    private static final byte[] UNKNOWN = {'U', 'N', 'K', 'N', 'O', 'W', 'N'};
    private static final byte[][] PROTOCOL_WORDS = {TCP4, TCP6, UNKNOWN};
    private static final byte[] ZERO4 = new byte[4];
    /** Per-thread room for one v1 line, so that parsing allocates no copy. */
    private static final FastThreadLocal<byte[]> V1_LINE = new FastThreadLocal<byte[]>() {
        @Override
        protected byte[] initialValue() {
            return new byte[V1_MAX_LENGTH];
        }
    };
    private static final int V1_UNKNOWN = ProxyHeader.kind(Version.V1, Command.PROXY, Family.UNSPEC, Transport.UNSPEC);
    private static final int V1_TCP4 = ProxyHeader.kind(Version.V1, Command.PROXY, Family.INET, Transport.STREAM);
    private static final int V1_TCP6 = ProxyHeader.kind(Version.V1, Command.PROXY, Family.INET6, Transport.STREAM);

    /** What the first bytes of a stream or datagram are. */
    public enum Detection {
        /** Starts with {@code "PROXY "}. */
        V1,
        /** Starts with the v2 signature. */
        V2,
        /** Cannot begin a PROXY header; decided on the first byte that differs. */
        NOT_PROXY,
        /** Every byte so far matches a header prefix; more are needed to decide. */
        NEED_MORE
    }

    private final int maxV2Length;
    private final boolean acceptV1;
    private final boolean acceptV2;
    private final boolean allowStream;
    private final boolean allowDgram;
    private final boolean rejectUnspecProxy;

    private ProxyHeaderParser(Builder b) {
        this.maxV2Length = b.maxV2Length;
        this.acceptV1 = b.acceptV1;
        this.acceptV2 = b.acceptV2;
        this.allowStream = b.allowStream;
        this.allowDgram = b.allowDgram;
        this.rejectUnspecProxy = b.rejectUnspecProxy;
    }

    /** Returns a builder; its defaults suit TCP: v1 and v2, STREAM only, 4 KiB v2 cap. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the cap on a whole v2 header, in bytes. */
    public int maxV2Length() {
        return maxV2Length;
    }

    /**
     * Decides from the readable bytes whether a header starts here, without moving the
     * reader index. A mismatch is reported on the first byte that differs.
     */
    public static Detection detect(ByteBuf in) {
        int n = in.readableBytes();
        if (n == 0) {
            return Detection.NEED_MORE;
        }
        int r = in.readerIndex();
        // Fast paths for a complete prefix: a few wide reads instead of one read per byte.
        if (n >= V2_SIGNATURE.length && in.getLong(r) == V2_SIGNATURE_HEAD && in.getInt(r + 8) == V2_SIGNATURE_TAIL) {
            return Detection.V2;
        }
        if (n >= V1_PREFIX.length && in.getInt(r) == V1_PREFIX_HEAD && in.getShort(r + 4) == V1_PREFIX_TAIL) {
            return Detection.V1;
        }
        byte first = in.getByte(r);
        byte[] expected;
        Detection match;
        if (first == 'P') {
            expected = V1_PREFIX;
            match = Detection.V1;
        } else if (first == 0x0D) {
            expected = V2_SIGNATURE;
            match = Detection.V2;
        } else {
            return Detection.NOT_PROXY;
        }
        int k = Math.min(n, expected.length);
        for (int i = 1; i < k; i++) {
            if (in.getByte(r + i) != expected[i]) {
                return Detection.NOT_PROXY;
            }
        }
        return n < expected.length ? Detection.NEED_MORE : match;
    }

    /**
     * Parses the header at the reader index without moving it.
     *
     * @param in the bytes received so far; not released, not modified
     * @return the header, or {@code null} if every byte so far is valid but the header is incomplete
     * @throws ProxyProtocolException if the bytes cannot be, or do not start, a valid accepted header
     */
    public ProxyHeader parse(ByteBuf in) {
        switch (detect(in)) {
            case NEED_MORE:
                return null;
            case V1:
                if (!acceptV1) {
                    throw new ProxyProtocolException(Reason.VERSION_NOT_ACCEPTED, "v1 header not accepted");
                }
                return parseV1(in);
            case V2:
                if (!acceptV2) {
                    throw new ProxyProtocolException(Reason.VERSION_NOT_ACCEPTED, "v2 header not accepted");
                }
                return parseV2(in);
            default:
                throw new ProxyProtocolException(Reason.NOT_A_PROXY_HEADER,
                        "first bytes are neither \"PROXY \" nor the v2 signature");
        }
    }

    // ---------------------------------------------------------------- v1

    private static ProxyHeader parseV1(ByteBuf in) {
        final int n = in.readableBytes();
        // Everything that can belong to the line, copied once into this thread's scratch array:
        // reading an array is much cheaper than a ByteBuf byte by byte, and nothing here keeps a
        // reference to it. Indexes below are relative to the reader index.
        final int k = Math.min(n, V1_MAX_LENGTH);
        final byte[] b = V1_LINE.get();
        in.getBytes(in.readerIndex(), b, 0, k);
        final int p = V1_PREFIX.length;

        // The protocol word can be judged before the line is complete.
        byte[] proto = protocolWord(b, p, k);

        // Find CR; it must be followed by LF and end the line within 107 bytes.
        int limit = Math.min(k, V1_MAX_LENGTH - 1);
        int cr = -1;
        for (int i = p; i < limit; i++) {
            byte c = b[i];
            if (c == '\r') {
                cr = i;
                break;
            }
            if (c == '\n') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "LF without CR");
            }
        }
        if (cr < 0) {
            if (n >= V1_MAX_LENGTH - 1) {
                throw new ProxyProtocolException(Reason.V1_TOO_LONG, "no CRLF within 107 bytes");
            }
            return null;
        }
        if (cr + 1 >= k) {
            return null;
        }
        if (b[cr + 1] != '\n') {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "CR without LF");
        }
        if (proto == null) {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "missing protocol");
        }
        int headerLength = cr + 2;

        if (proto == UNKNOWN) {
            int after = p + UNKNOWN.length;
            if (after != cr && b[after] != ' ') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "unknown protocol");
            }
            // The rest of an UNKNOWN line is ignored by the spec.
            return new ProxyHeader(V1_UNKNOWN, 0, 0, 0, null, null, null, headerLength);
        }

        boolean v6 = proto == TCP6;
        int f4 = cr;
        int f0 = p + TCP4.length;
        int f1 = fieldEnd(b, f0, f4, "source address");
        int f2 = fieldEnd(b, f1 + 1, f4, "destination address");
        int f3 = fieldEnd(b, f2 + 1, f4, "source port");
        if (f3 + 1 >= f4) {
            throw new ProxyProtocolException(Reason.V1_MALFORMED, "missing destination port");
        }
        for (int i = f3 + 1; i < f4; i++) {
            if (b[i] == ' ') {
                throw new ProxyProtocolException(Reason.V1_MALFORMED, "extra field or space");
            }
        }
        int src4 = 0;
        int dst4 = 0;
        byte[] src6 = null;
        byte[] dst6 = null;
        if (v6) {
            src6 = new byte[16];
            dst6 = new byte[16];
            if (!parseIpv6(b, f0, f1, src6, 0)) {
                throw badAddress(b, f0, f1, true);
            }
            if (!parseIpv6(b, f1 + 1, f2, dst6, 0)) {
                throw badAddress(b, f1 + 1, f2, true);
            }
        } else {
            long s = parseIpv4(b, f0, f1);
            if (s < 0) {
                throw badAddress(b, f0, f1, false);
            }
            long d = parseIpv4(b, f1 + 1, f2);
            if (d < 0) {
                throw badAddress(b, f1 + 1, f2, false);
            }
            src4 = (int) s;
            dst4 = (int) d;
        }
        int ports = v1Port(b, f2 + 1, f3) << 16 | v1Port(b, f3 + 1, f4);
        return new ProxyHeader(v6 ? V1_TCP6 : V1_TCP4, src4, dst4, ports, src6, dst6, null, headerLength);
    }

    /** Matches the protocol word against what is readable; null if too few bytes to know. */
    private static byte[] protocolWord(byte[] b, int from, int end) {
        int avail = end - from;
        byte[][] words = PROTOCOL_WORDS;
        byte[] found = null;
        boolean possible = false;
        for (byte[] w : words) {
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

    private static ProxyProtocolException badAddress(byte[] b, int from, int to, boolean v6) {
        return new ProxyProtocolException(Reason.V1_INVALID_ADDRESS,
                "not a canonical " + (v6 ? "IPv6" : "IPv4") + " literal: \""
                        + new String(b, from, to - from, StandardCharsets.ISO_8859_1) + '"');
    }

    private static int v1Port(byte[] b, int from, int to) {
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
            while (i < to && i - start < 5) {
                int h = Character.digit(b[i], 16);
                if (h < 0) {
                    break;
                }
                v = (v << 4) | h;
                i++;
            }
            int digits = i - start;
            if (digits == 0) {
                return false;
            }
            if (i < to && b[i] == '.') {
                // Embedded IPv4 in the last 32 bits.
                long v4 = words > 6 ? -1 : parseIpv4(b, start, to);
                if (v4 < 0) {
                    return false;
                }
                int k = at + words * 2;
                out[k] = (byte) (v4 >>> 24);
                out[k + 1] = (byte) (v4 >>> 16);
                out[k + 2] = (byte) (v4 >>> 8);
                out[k + 3] = (byte) v4;
                words += 2;
                i = to;
                break;
            }
            if (digits > 4 || words == 8) {
                return false;
            }
            out[at + words * 2] = (byte) (v >>> 8);
            out[at + words * 2 + 1] = (byte) v;
            words++;
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
        if (compress >= 0) {
            if (words >= 8) {
                return false;
            }
            // Move the groups after "::" to the end and zero the gap.
            int shift = 8 - words;
            for (int w = words - 1; w >= compress; w--) {
                out[at + (w + shift) * 2] = out[at + w * 2];
                out[at + (w + shift) * 2 + 1] = out[at + w * 2 + 1];
            }
            for (int w = compress; w < compress + shift; w++) {
                out[at + w * 2] = 0;
                out[at + w * 2 + 1] = 0;
            }
        } else if (words != 8) {
            return false;
        }
        return true;
    }

    // ---------------------------------------------------------------- v2

    private ProxyHeader parseV2(ByteBuf in) {
        final int r = in.readerIndex();
        final int n = in.readableBytes();
        if (n <= 12) {
            return null;
        }
        int verCmd = in.getUnsignedByte(r + 12);
        if ((verCmd >>> 4) != 2) {
            throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_VERSION,
                    "version " + (verCmd >>> 4) + " (only 2 exists)");
        }
        Command command;
        switch (verCmd & 0x0F) {
            case 0:
                command = Command.LOCAL;
                break;
            case 1:
                command = Command.PROXY;
                break;
            default:
                throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_COMMAND, "command " + (verCmd & 0x0F));
        }
        if (n < 14) {
            return null;
        }
        int famByte = in.getUnsignedByte(r + 13);
        Family family;
        Transport transport;
        switch (famByte) {
            case 0x00: family = Family.UNSPEC; transport = Transport.UNSPEC; break;
            case 0x11: family = Family.INET; transport = Transport.STREAM; break;
            case 0x12: family = Family.INET; transport = Transport.DGRAM; break;
            case 0x21: family = Family.INET6; transport = Transport.STREAM; break;
            case 0x22: family = Family.INET6; transport = Transport.DGRAM; break;
            case 0x31: family = Family.UNIX; transport = Transport.STREAM; break;
            case 0x32: family = Family.UNIX; transport = Transport.DGRAM; break;
            default:
                throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_FAMILY,
                        String.format("family/transport byte 0x%02X", famByte));
        }
        int addrLen = addressBlockLength(family);
        if (command == Command.PROXY) {
            if ((transport == Transport.STREAM && !allowStream) || (transport == Transport.DGRAM && !allowDgram)) {
                throw new ProxyProtocolException(Reason.TRANSPORT_NOT_ALLOWED, transport + " transport not accepted here");
            }
            if (family == Family.UNSPEC && rejectUnspecProxy) {
                throw new ProxyProtocolException(Reason.UNSPEC_NOT_ALLOWED, "PROXY command with UNSPEC family");
            }
        }
        if (n < V2_FIXED_LENGTH) {
            return null;
        }
        int len = in.getUnsignedShort(r + 14);
        int total = V2_FIXED_LENGTH + len;
        if (total > maxV2Length) {
            throw new ProxyProtocolException(Reason.V2_TOO_LONG, total + " bytes, more than the " + maxV2Length + " allowed");
        }
        if (len < addrLen && command == Command.LOCAL) {
            // LOCAL ignores the family and discards the address block (HAProxy's spec): a health
            // check that names a family but sends no addresses is still valid.
            addrLen = len;
        } else if (len < addrLen) {
            throw new ProxyProtocolException(Reason.V2_ADDRESS_TRUNCATED,
                    "length " + len + " is shorter than the " + addrLen + "-byte " + family + " address block");
        }
        if (n < total) {
            return null;
        }

        int src4 = 0;
        int dst4 = 0;
        int ports = 0;
        byte[] srcBytes = null;
        byte[] dstBytes = null;
        int a = r + V2_FIXED_LENGTH;
        if (command == Command.PROXY) {
            if (family == Family.INET) {
                src4 = in.getInt(a);
                dst4 = in.getInt(a + 4);
                ports = in.getInt(a + 8);
            } else if (family == Family.INET6) {
                srcBytes = new byte[16];
                dstBytes = new byte[16];
                in.getBytes(a, srcBytes);
                in.getBytes(a + 16, dstBytes);
                ports = in.getInt(a + 32);
            } else if (family == Family.UNIX) {
                srcBytes = new byte[108];
                dstBytes = new byte[108];
                in.getBytes(a, srcBytes);
                in.getBytes(a + 108, dstBytes);
            }
        }

        byte[] raw = null;
        int tlvStart = V2_FIXED_LENGTH + addrLen;
        if (tlvStart < total) {
            // One copy of the whole header: TLV values point into it, and the CRC is computed on it.
            raw = new byte[total];
            in.getBytes(r, raw);
            checkTlvs(raw, tlvStart, total);
        }
        int kind = ProxyHeader.kind(Version.V2, command, family, transport);
        return new ProxyHeader(kind, src4, dst4, ports, srcBytes, dstBytes, raw, total);
    }

    /** The v2 address block of {@code family}: INET 12 bytes, INET6 36, UNIX 216, UNSPEC none. */
    static int addressBlockLength(Family family) {
        switch (family) {
            case INET: return 12;
            case INET6: return 36;
            case UNIX: return 216;
            default: return 0;
        }
    }

    /** Where the TLVs start in a v2 header of {@code family} (after the fixed part and address block). */
    static int tlvStart(Family family) {
        return V2_FIXED_LENGTH + addressBlockLength(family);
    }

    /**
     * Checks a cap on a whole v2 header: 16 (the fixed part) to 65551 (the longest the format
     * can express). Shared by every configuration that takes one.
     *
     * @return {@code maxV2Length}
     * @throws IllegalArgumentException if it is out of range
     */
    public static int checkMaxV2Length(int maxV2Length) {
        if (maxV2Length < V2_FIXED_LENGTH || maxV2Length > V2_MAX_LENGTH) {
            throw new IllegalArgumentException("maximum v2 header length must be " + V2_FIXED_LENGTH + ".."
                    + V2_MAX_LENGTH + ": " + maxV2Length);
        }
        return maxV2Length;
    }

    /** Validates every TLV (bounds, caps, SSL shape, CRC32C) without building them. */
    private static void checkTlvs(byte[] t, int from, int end) {
        int crcAt = -1;
        int i = from;
        while (i < end) {
            if (end - i < 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "truncated TLV header at offset " + i);
            }
            int type = t[i] & 0xFF;
            int vlen = ((t[i + 1] & 0xFF) << 8) | (t[i + 2] & 0xFF);
            int v = i + 3;
            if (vlen > end - v) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED,
                        ProxyTlv.typeName(type) + " TLV of " + vlen + " bytes runs past the header end");
            }
            switch (type) {
                case ProxyTlv.CRC32C:
                    if (vlen != 4) {
                        throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "CRC32C TLV of " + vlen + " bytes, not 4");
                    }
                    if (crcAt >= 0) {
                        throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "more than one CRC32C TLV");
                    }
                    crcAt = v;
                    break;
                case ProxyTlv.AUTHORITY:
                    if (vlen > AUTHORITY_MAX_LENGTH) {
                        throw new ProxyProtocolException(Reason.V2_TLV_TOO_LONG, "AUTHORITY of " + vlen + " bytes");
                    }
                    break;
                case ProxyTlv.UNIQUE_ID:
                    if (vlen > UNIQUE_ID_MAX_LENGTH) {
                        throw new ProxyProtocolException(Reason.V2_TLV_TOO_LONG, "UNIQUE_ID of " + vlen + " bytes");
                    }
                    break;
                case ProxyTlv.SSL:
                    checkSsl(t, v, vlen);
                    break;
                default:
                    break;
            }
            i = v + vlen;
        }
        if (crcAt >= 0) {
            checkCrc(t, end, crcAt);
        }
    }

    /** Builds the TLVs of a header already checked by {@link #checkTlvs}. */
    static List<ProxyTlv> tlvList(byte[] t, int from, int end) {
        ArrayList<ProxyTlv> list = new ArrayList<>(4);
        for (int i = from; i < end; ) {
            int vlen = ((t[i + 1] & 0xFF) << 8) | (t[i + 2] & 0xFF);
            list.add(new ProxyTlv(t[i] & 0xFF, t, i + 3, vlen));
            i += 3 + vlen;
        }
        return List.copyOf(list);
    }

    private static void checkCrc(byte[] t, int end, int crcAt) {
        long expected = ((t[crcAt] & 0xFFL) << 24) | ((t[crcAt + 1] & 0xFF) << 16)
                | ((t[crcAt + 2] & 0xFF) << 8) | (t[crcAt + 3] & 0xFF);
        CRC32C crc = new CRC32C();
        crc.update(t, 0, crcAt);
        crc.update(ZERO4, 0, 4);
        crc.update(t, crcAt + 4, end - crcAt - 4);
        if (crc.getValue() != expected) {
            throw new ProxyProtocolException(Reason.V2_CRC_MISMATCH,
                    String.format("header says %08x, computed %08x", expected, crc.getValue()));
        }
    }

    private static void checkSsl(byte[] t, int v, int vlen) {
        if (vlen < 5) {
            throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "SSL TLV of " + vlen + " bytes, less than 5");
        }
        int end = v + vlen;
        int i = v + 5;
        while (i < end) {
            if (end - i < 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "truncated SSL sub-TLV header");
            }
            int slen = ((t[i + 1] & 0xFF) << 8) | (t[i + 2] & 0xFF);
            if (slen > end - i - 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED,
                        ProxyTlv.typeName(t[i] & 0xFF) + " sub-TLV runs past the SSL TLV");
            }
            i += 3 + slen;
        }
    }

    /** Typed view of an SSL TLV; null if its shape is invalid (only possible for built headers). */
    static ProxySslInfo sslInfo(ProxyTlv tlv) {
        byte[] t = tlv.array();
        int v = tlv.arrayOffset();
        int vlen = tlv.length();
        try {
            checkSsl(t, v, vlen);
        } catch (ProxyProtocolException e) {
            return null;
        }
        int client = t[v] & 0xFF;
        long verify = ((t[v + 1] & 0xFFL) << 24) | ((t[v + 2] & 0xFF) << 16) | ((t[v + 3] & 0xFF) << 8) | (t[v + 4] & 0xFF);
        List<ProxyTlv> subs = new ArrayList<>();
        int end = v + vlen;
        int i = v + 5;
        while (i < end) {
            int slen = ((t[i + 1] & 0xFF) << 8) | (t[i + 2] & 0xFF);
            subs.add(new ProxyTlv(t[i] & 0xFF, t, i + 3, slen));
            i += 3 + slen;
        }
        return new ProxySslInfo(client, verify, Collections.unmodifiableList(subs));
    }

    /** Configures a {@link ProxyHeaderParser}. */
    public static final class Builder {
        private int maxV2Length = DEFAULT_V2_MAX_LENGTH;
        private boolean acceptV1 = true;
        private boolean acceptV2 = true;
        private boolean allowStream = true;
        private boolean allowDgram;
        private boolean rejectUnspecProxy;

        private Builder() {
        }

        /** Sets the cap on a whole v2 header, 16..65551 bytes (default 4096). */
        public Builder maxV2Length(int maxV2Length) {
            this.maxV2Length = checkMaxV2Length(maxV2Length);
            return this;
        }

        /** Sets whether v1 headers are accepted (default true). */
        public Builder acceptV1(boolean acceptV1) {
            this.acceptV1 = acceptV1;
            return this;
        }

        /** Sets whether v2 headers are accepted (default true). */
        public Builder acceptV2(boolean acceptV2) {
            this.acceptV2 = acceptV2;
            return this;
        }

        /** Sets whether PROXY headers with a STREAM transport are accepted (default true). */
        public Builder allowStream(boolean allowStream) {
            this.allowStream = allowStream;
            return this;
        }

        /** Sets whether PROXY headers with a DGRAM transport are accepted (default false). */
        public Builder allowDgram(boolean allowDgram) {
            this.allowDgram = allowDgram;
            return this;
        }

        /** Sets whether a PROXY command with the UNSPEC family is refused (default false: accepted). */
        public Builder rejectUnspecProxy(boolean rejectUnspecProxy) {
            this.rejectUnspecProxy = rejectUnspecProxy;
            return this;
        }

        /** Builds the parser. */
        public ProxyHeaderParser build() {
            if (!acceptV1 && !acceptV2) {
                throw new IllegalStateException("at least one version must be accepted");
            }
            return new ProxyHeaderParser(this);
        }
    }
}
