package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;

/**
 * The pure PROXY protocol v1/v2 parser shared by the TCP handler and the UDP codecs.
 *
 * <p>Bytes in, a {@link ProxyHeader} or a {@link ProxyProtocolException} out. It reads from the
 * buffer's reader index without moving it and takes no ownership: the caller skips
 * {@link ProxyHeader#headerLength()} bytes and keeps releasing what it owns. Every length is
 * bounds-checked against what is readable. Instances are immutable and thread-safe.
 *
 * <p>This class detects the version and applies the options; the v1 line, the v2 binary form,
 * the IP literal grammar and the TLV checks each live in a class of their own in this package.
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

    private final int maxV2HeaderLength;
    private final boolean acceptV1;
    private final boolean acceptV2;
    private final V1Parser v1;
    private final V2Parser v2;

    private ProxyHeaderParser(Builder b) {
        this.maxV2HeaderLength = b.maxV2HeaderLength;
        this.acceptV1 = b.acceptV1;
        this.acceptV2 = b.acceptV2;
        this.v1 = new V1Parser(b.allowTcp6WithIpv4Destination);
        this.v2 = new V2Parser(b.maxV2HeaderLength, b.allowStreamTransport, b.allowDatagramTransport,
                b.rejectUnspecProxy);
    }

    /** Returns a builder; its defaults suit TCP: v1 and v2, STREAM only, 4 KiB v2 cap. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the cap on a whole v2 header, in bytes. */
    public int maxV2HeaderLength() {
        return maxV2HeaderLength;
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
                return v1.parse(in);
            case V2:
                if (!acceptV2) {
                    throw new ProxyProtocolException(Reason.VERSION_NOT_ACCEPTED, "v2 header not accepted");
                }
                return v2.parse(in);
            default:
                throw new ProxyProtocolException(Reason.NOT_A_PROXY_HEADER,
                        "first bytes are neither \"PROXY \" nor the v2 signature");
        }
    }

    /**
     * Checks a cap on a whole v2 header: 16 (the fixed part) to 65551 (the longest the format
     * can express). Shared by every configuration that takes one.
     *
     * @param maxV2HeaderLength the cap to check
     * @return {@code maxV2HeaderLength}
     * @throws IllegalArgumentException if it is out of range
     */
    public static int checkMaxV2Length(int maxV2HeaderLength) {
        if (maxV2HeaderLength < V2_FIXED_LENGTH || maxV2HeaderLength > V2_MAX_LENGTH) {
            throw new IllegalArgumentException("maxV2HeaderLength must be from " + V2_FIXED_LENGTH + " to "
                    + V2_MAX_LENGTH + ", not " + maxV2HeaderLength);
        }
        return maxV2HeaderLength;
    }

    /** Configures a {@link ProxyHeaderParser}. */
    public static final class Builder {
        private int maxV2HeaderLength = DEFAULT_V2_MAX_LENGTH;
        private boolean acceptV1 = true;
        private boolean acceptV2 = true;
        private boolean allowStreamTransport = true;
        private boolean allowDatagramTransport;
        private boolean rejectUnspecProxy;
        private boolean allowTcp6WithIpv4Destination;

        private Builder() {
        }

        /** Sets the cap on a whole v2 header, 16..65551 bytes (default 4096). */
        public Builder maxV2HeaderLength(int maxV2HeaderLength) {
            this.maxV2HeaderLength = checkMaxV2Length(maxV2HeaderLength);
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
        public Builder allowStreamTransport(boolean allowStreamTransport) {
            this.allowStreamTransport = allowStreamTransport;
            return this;
        }

        /** Sets whether PROXY headers with a DGRAM transport are accepted (default false). */
        public Builder allowDatagramTransport(boolean allowDatagramTransport) {
            this.allowDatagramTransport = allowDatagramTransport;
            return this;
        }

        /** Sets whether a PROXY command with the UNSPEC family is refused (default false: accepted). */
        public Builder rejectUnspecProxy(boolean rejectUnspecProxy) {
            this.rejectUnspecProxy = rejectUnspecProxy;
            return this;
        }

        /**
         * Sets whether a v1 {@code TCP6} line may name an IPv4 destination (default false:
         * refused as {@code V1_INVALID_ADDRESS}, as the spec requires). nginx writes such a line
         * for an IPv6 client whose connection reached nginx over IPv4 (with {@code realip});
         * the header then reports the IPv6 source as sent and the destination as the
         * {@link java.net.Inet4Address} written, its family staying INET6. The source must
         * still be IPv6, and a TCP4 line must still name two IPv4 addresses.
         */
        public Builder allowTcp6WithIpv4Destination(boolean allowTcp6WithIpv4Destination) {
            this.allowTcp6WithIpv4Destination = allowTcp6WithIpv4Destination;
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
