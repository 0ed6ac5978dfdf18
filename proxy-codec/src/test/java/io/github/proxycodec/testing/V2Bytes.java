package io.github.proxycodec.testing;

import io.netty.util.NetUtil;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

import static io.github.proxycodec.testing.ByteArrays.ascii;
import static io.github.proxycodec.testing.ByteArrays.concat;

/**
 * Builds PROXY v2 headers byte by byte, straight from the layout table in SPEC.md, so tests
 * (well-formed or malformed on purpose) do not depend on the encoder under test.
 */
public final class V2Bytes {

    /** The 12-byte signature {@code \r\n\r\n\0\r\nQUIT\n}. */
    public static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** Version 2, command PROXY. */
    public static final int PROXY = 0x21;
    /** Version 2, command LOCAL. */
    public static final int LOCAL = 0x20;

    private V2Bytes() {
    }

    /** A whole header whose length field counts exactly {@code body}. */
    public static byte[] header(int verCmd, int family, byte[]... body) {
        byte[] b = concat(body);
        return headerWithLength(verCmd, family, b.length, b);
    }

    /** A header whose length field says {@code length}, followed by {@code body} (which may differ). */
    public static byte[] headerWithLength(int verCmd, int family, int length, byte[]... body) {
        return concat(SIGNATURE, new byte[] {(byte) verCmd, (byte) family, (byte) (length >>> 8), (byte) length},
                concat(body));
    }

    /** The INET address block: src4, dst4, srcport, dstport. */
    public static byte[] inet(String src, String dst, int srcPort, int dstPort) {
        return concat(ip(src, 4), ip(dst, 4), port(srcPort), port(dstPort));
    }

    /** The INET6 address block: src16, dst16, srcport, dstport (an IPv4 address is written IPv4-mapped). */
    public static byte[] inet6(String src, String dst, int srcPort, int dstPort) {
        return concat(ip(src, 16), ip(dst, 16), port(srcPort), port(dstPort));
    }

    /** The UNIX address block: two 108-byte NUL-padded paths. */
    public static byte[] unix(String src, String dst) {
        byte[] b = new byte[216];
        byte[] s = ascii(src);
        byte[] d = ascii(dst);
        System.arraycopy(s, 0, b, 0, s.length);
        System.arraycopy(d, 0, b, 108, d.length);
        return b;
    }

    /** One TLV: type, 2-byte big-endian length, value. */
    public static byte[] tlv(int type, byte[] value) {
        return tlvWithLength(type, value.length, value);
    }

    /** One TLV whose value is ASCII text. */
    public static byte[] tlv(int type, String value) {
        return tlv(type, value.getBytes(StandardCharsets.US_ASCII));
    }

    /** A TLV header claiming {@code length} bytes, followed by {@code value} (which may differ). */
    public static byte[] tlvWithLength(int type, int length, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (length >>> 8), (byte) length}, value);
    }

    /**
     * Fills the 4-byte CRC32C value at {@code valueOffset} with the checksum of the whole header
     * computed with that value zeroed, big-endian.
     */
    public static byte[] withCrc32c(byte[] header, int valueOffset) {
        byte[] h = header.clone();
        Arrays.fill(h, valueOffset, valueOffset + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(h);
        long v = crc.getValue();
        h[valueOffset] = (byte) (v >>> 24);
        h[valueOffset + 1] = (byte) (v >>> 16);
        h[valueOffset + 2] = (byte) (v >>> 8);
        h[valueOffset + 3] = (byte) v;
        return h;
    }

    /** The address in {@code width} bytes; an IPv4 address in 16 bytes is written IPv4-mapped. */
    public static byte[] ip(String text, int width) {
        byte[] b = NetUtil.createByteArrayFromIpAddressString(text);
        if (b == null) {
            throw new IllegalArgumentException(text);
        }
        if (b.length == width) {
            return b;
        }
        if (b.length == 4 && width == 16) {
            return concat(new byte[10], new byte[] {(byte) 0xFF, (byte) 0xFF}, b);
        }
        throw new IllegalArgumentException(text + " in " + width + " bytes");
    }

    /** A port, big-endian in 2 bytes. */
    public static byte[] port(int p) {
        return new byte[] {(byte) (p >>> 8), (byte) p};
    }
}
