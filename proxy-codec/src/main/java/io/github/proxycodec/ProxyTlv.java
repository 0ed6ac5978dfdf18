package io.github.proxycodec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One type-length-value field of a PROXY v2 header: an immutable copy of the bytes received.
 *
 * <p>Decoded TLVs of one header share a single copied array, so decoding a header with several
 * TLVs costs one copy; nothing here refers to the network buffer.
 */
public final class ProxyTlv {

    /** Application-Layer Protocol Negotiation, e.g. {@code h2}. */
    public static final int ALPN = 0x01;
    /** The host name the client asked for (SNI), UTF-8, at most 255 bytes. */
    public static final int AUTHORITY = 0x02;
    /** CRC32C (Castagnoli) of the whole header with this value zeroed, 4 bytes big-endian. */
    public static final int CRC32C = 0x03;
    /** Padding; its value is ignored. */
    public static final int NOOP = 0x04;
    /** An opaque identifier of the connection chosen by the proxy, at most 128 bytes. */
    public static final int UNIQUE_ID = 0x05;
    /** TLS details: client flags, verify result, then sub-TLVs 0x21..0x28. */
    public static final int SSL = 0x20;
    /** Sub-TLV of SSL: protocol version, e.g. {@code TLSv1.3}. */
    public static final int SSL_VERSION = 0x21;
    /** Sub-TLV of SSL: the client certificate's Common Name. */
    public static final int SSL_CN = 0x22;
    /** Sub-TLV of SSL: the negotiated cipher. */
    public static final int SSL_CIPHER = 0x23;
    /** Sub-TLV of SSL: the algorithm that signed the certificate the proxy's frontend presented. */
    public static final int SSL_SIG_ALG = 0x24;
    /** Sub-TLV of SSL: the key algorithm of the certificate the proxy's frontend presented. */
    public static final int SSL_KEY_ALG = 0x25;
    /** Sub-TLV of SSL: the negotiated key-exchange group. */
    public static final int SSL_GROUP = 0x26;
    /** Sub-TLV of SSL: the negotiated signature scheme. */
    public static final int SSL_SIG_SCHEME = 0x27;
    /** Sub-TLV of SSL: the client certificate, DER. */
    public static final int SSL_CLIENT_CERT = 0x28;
    /** The network namespace name, US-ASCII. */
    public static final int NETNS = 0x30;
    /** First type of the range the spec leaves to custom use (0xE0..0xEF). */
    public static final int CUSTOM_MIN = 0xE0;
    /** Last type of the custom range. */
    public static final int CUSTOM_MAX = 0xEF;
    /** Custom range, used by Google Cloud Private Service Connect: the PSC connection id, 8 bytes big-endian. */
    public static final int GCP = 0xE0;
    /** Custom range, used by AWS: subtype 0x01 followed by the VPC endpoint id in ASCII. */
    public static final int AWS = 0xEA;
    /** Custom range, used by Azure: subtype 0x01 followed by the private link id, 4 bytes little-endian. */
    public static final int AZURE = 0xEE;

    private final int type;
    private final byte[] data;
    private final int offset;
    private final int length;

    ProxyTlv(int type, byte[] data, int offset, int length) {
        this.type = type;
        this.data = data;
        this.offset = offset;
        this.length = length;
    }

    /**
     * Creates a TLV, copying {@code value}.
     *
     * @param type the type byte, 0..255
     * @param value the value, at most 65535 bytes
     * @return a new TLV
     */
    public static ProxyTlv of(int type, byte[] value) {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("type out of range: " + type);
        }
        Objects.requireNonNull(value, "value");
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException("value too long: " + value.length);
        }
        return new ProxyTlv(type, value.clone(), 0, value.length);
    }

    /**
     * Creates a TLV whose value is {@code value} in UTF-8.
     *
     * @param type the type byte, 0..255
     * @param value the text
     * @return a new TLV
     */
    public static ProxyTlv of(int type, String value) {
        return of(type, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the type byte, 0..255. */
    public int type() {
        return type;
    }

    /** Returns the value's length in bytes. */
    public int length() {
        return length;
    }

    /** Returns a copy of the value. */
    public byte[] value() {
        return Arrays.copyOfRange(data, offset, offset + length);
    }

    /** Returns the value byte at {@code index} as 0..255. */
    public int byteAt(int index) {
        Objects.checkIndex(index, length);
        return data[offset + index] & 0xFF;
    }

    /** Returns the value decoded as UTF-8 (malformed sequences become U+FFFD). */
    public String valueAsString() {
        return new String(data, offset, length, StandardCharsets.UTF_8);
    }

    /** Returns the value as lower-case hex. */
    public String valueAsHex() {
        StringBuilder sb = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            int b = data[offset + i] & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.toString();
    }

    /**
     * Returns the name of this TLV's type: the standard one ({@code "AUTHORITY"}, …); in the
     * custom range {@code "GCP"}, {@code "AWS"} or {@code "AZURE"} only when the value has that
     * vendor's layout ({@link #hasVendorLayout()}), else {@code "CUSTOM_0xNN"}; {@code "0xNN"}
     * for an unknown type.
     */
    public String typeName() {
        return hasVendorLayout() ? vendorName(type) : typeName(type);
    }

    /** Returns whether the type is in the spec's custom range, 0xE0..0xEF. */
    public boolean isCustom() {
        return type >= CUSTOM_MIN && type <= CUSTOM_MAX;
    }

    /**
     * Returns whether this is a custom-range TLV whose value fits the format of the vendor known
     * to use its type: GCP 0xE0 exactly 8 bytes; AWS 0xEA subtype 0x01 then at least one
     * printable ASCII byte; Azure 0xEE subtype 0x01 then exactly 4 bytes. Another sender may use
     * the same type for something else: only then is the value read as that vendor's.
     */
    public boolean hasVendorLayout() {
        switch (type) {
            case GCP:
                return length == 8;
            case AWS:
                return length >= 2 && byteAt(0) == 0x01 && printableFrom(1);
            case AZURE:
                return length == 5 && byteAt(0) == 0x01;
            default:
                return false;
        }
    }

    /** Returns whether the value is printable ASCII from {@code from} on (and not empty there). */
    boolean printableFrom(int from) {
        if (from >= length) {
            return false;
        }
        for (int i = from; i < length; i++) {
            int b = data[offset + i] & 0xFF;
            if (b < 0x20 || b > 0x7E) {
                return false;
            }
        }
        return true;
    }

    private static String vendorName(int type) {
        return type == GCP ? "GCP" : type == AWS ? "AWS" : "AZURE";
    }

    /**
     * Returns the standard name of a TLV type ({@code "AUTHORITY"}, …), {@code "CUSTOM_0xNN"}
     * for the custom range (whose vendors only the value can tell: see {@link #typeName()}), or
     * {@code "0xNN"}.
     */
    public static String typeName(int type) {
        switch (type) {
            case ALPN: return "ALPN";
            case AUTHORITY: return "AUTHORITY";
            case CRC32C: return "CRC32C";
            case NOOP: return "NOOP";
            case UNIQUE_ID: return "UNIQUE_ID";
            case SSL: return "SSL";
            case SSL_VERSION: return "SSL_VERSION";
            case SSL_CN: return "SSL_CN";
            case SSL_CIPHER: return "SSL_CIPHER";
            case SSL_SIG_ALG: return "SSL_SIG_ALG";
            case SSL_KEY_ALG: return "SSL_KEY_ALG";
            case SSL_GROUP: return "SSL_GROUP";
            case SSL_SIG_SCHEME: return "SSL_SIG_SCHEME";
            case SSL_CLIENT_CERT: return "SSL_CLIENT_CERT";
            case NETNS: return "NETNS";
            default:
                return (type >= CUSTOM_MIN && type <= CUSTOM_MAX ? "CUSTOM_" : "") + String.format("0x%02X", type);
        }
    }

    // Package-private access for the encoder and typed views, without copying.
    byte[] array() {
        return data;
    }

    int arrayOffset() {
        return offset;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ProxyTlv)) {
            return false;
        }
        ProxyTlv other = (ProxyTlv) o;
        return type == other.type && Arrays.equals(data, offset, offset + length,
                other.data, other.offset, other.offset + other.length);
    }

    @Override
    public int hashCode() {
        int h = type;
        for (int i = 0; i < length; i++) {
            h = 31 * h + data[offset + i];
        }
        return h;
    }

    @Override
    public String toString() {
        return typeName() + "(" + length + ")=" + valueAsHex();
    }
}
