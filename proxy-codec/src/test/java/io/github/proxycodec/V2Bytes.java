package io.github.proxycodec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Builds PROXY v2 headers byte by byte, straight from the layout table in SPEC.md, so tests do
 * not depend on the encoder under test.
 */
final class V2Bytes {

    /** The 12-byte signature {@code \r\n\r\n\0\r\nQUIT\n}. */
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** Version 2, command PROXY. */
    static final int PROXY = 0x21;
    /** Version 2, command LOCAL. */
    static final int LOCAL = 0x20;

    private V2Bytes() {
    }

    /** A whole header whose length field counts exactly {@code body}. */
    static byte[] header(int verCmd, int family, byte[]... body) {
        byte[] b = concat(body);
        return headerWithLength(verCmd, family, b.length, b);
    }

    /** A header whose length field says {@code length}, followed by {@code body} (which may differ). */
    static byte[] headerWithLength(int verCmd, int family, int length, byte[]... body) {
        return concat(SIGNATURE, new byte[] {(byte) verCmd, (byte) family, (byte) (length >>> 8), (byte) length},
                concat(body));
    }

    /** The INET address block: src4, dst4, srcport, dstport. */
    static byte[] inet(int[] src, int[] dst, int srcPort, int dstPort) {
        byte[] b = new byte[12];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) src[i];
            b[4 + i] = (byte) dst[i];
        }
        port(b, 8, srcPort);
        port(b, 10, dstPort);
        return b;
    }

    /** The INET6 address block: src16, dst16, srcport, dstport. */
    static byte[] inet6(byte[] src, byte[] dst, int srcPort, int dstPort) {
        byte[] b = new byte[36];
        System.arraycopy(src, 0, b, 0, 16);
        System.arraycopy(dst, 0, b, 16, 16);
        port(b, 32, srcPort);
        port(b, 34, dstPort);
        return b;
    }

    /** The UNIX address block: two 108-byte NUL-padded paths. */
    static byte[] unix(String src, String dst) {
        byte[] b = new byte[216];
        byte[] s = src.getBytes(StandardCharsets.UTF_8);
        byte[] d = dst.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(s, 0, b, 0, s.length);
        System.arraycopy(d, 0, b, 108, d.length);
        return b;
    }

    /** One TLV: type, 2-byte big-endian length, value. */
    static byte[] tlv(int type, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (value.length >>> 8), (byte) value.length}, value);
    }

    /** One TLV whose value is ASCII text. */
    static byte[] tlv(int type, String value) {
        return tlv(type, value.getBytes(StandardCharsets.US_ASCII));
    }

    /** A TLV header claiming {@code length} bytes, followed by {@code value} (which may be shorter). */
    static byte[] tlvWithLength(int type, int length, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (length >>> 8), (byte) length}, value);
    }

    /**
     * Fills the 4-byte CRC32C value at {@code valueOffset} with the checksum of the whole header
     * computed with that value zeroed, big-endian.
     */
    static byte[] withCrc32c(byte[] header, int valueOffset) {
        byte[] h = header.clone();
        for (int i = 0; i < 4; i++) {
            h[valueOffset + i] = 0;
        }
        CRC32C crc = new CRC32C();
        crc.update(h);
        long v = crc.getValue();
        h[valueOffset] = (byte) (v >>> 24);
        h[valueOffset + 1] = (byte) (v >>> 16);
        h[valueOffset + 2] = (byte) (v >>> 8);
        h[valueOffset + 3] = (byte) v;
        return h;
    }

    /** {@code n} copies of {@code b}. */
    static byte[] repeat(int b, int n) {
        byte[] out = new byte[n];
        java.util.Arrays.fill(out, (byte) b);
        return out;
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static void port(byte[] b, int at, int port) {
        b[at] = (byte) (port >>> 8);
        b[at + 1] = (byte) port;
    }
}
