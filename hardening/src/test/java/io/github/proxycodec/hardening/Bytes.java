package io.github.proxycodec.hardening;

import io.github.proxycodec.testing.Hex;
import io.netty.util.NetUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Builds header bytes by hand from the layouts in SPEC.md, so the corpus does not depend on the
 * encoder it helps to test.
 */
final class Bytes {

    /** The 12-byte PROXY v2 signature. */
    static final byte[] V2_SIGNATURE = Hex.decode("0D0A0D0A000D0A515549540A");
    /** Version 2, command PROXY. */
    static final int PROXY = 0x21;
    /** Version 2, command LOCAL. */
    static final int LOCAL = 0x20;
    /** The usual INET block: 192.0.2.10:12345 to 198.51.100.1:443. */
    static final byte[] INET_BLOCK = inet("192.0.2.10", "198.51.100.1", 12345, 443);
    /** The usual INET6 block: [2001:db8::10]:12345 to [2001:db8::1]:443. */
    static final byte[] INET6_BLOCK = inet6("2001:db8::10", "2001:db8::1", 12345, 443);

    private Bytes() {
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] repeat(int b, int n) {
        byte[] out = new byte[n];
        Arrays.fill(out, (byte) b);
        return out;
    }

    /** A v2 header whose length field counts exactly {@code body}. */
    static byte[] v2(int verCmd, int family, byte[]... body) {
        byte[] b = concat(body);
        return v2WithLength(verCmd, family, b.length, b);
    }

    /** A v2 header whose length field says {@code length}, followed by {@code body} (which may differ). */
    static byte[] v2WithLength(int verCmd, int family, int length, byte[]... body) {
        return concat(V2_SIGNATURE, new byte[] {(byte) verCmd, (byte) family, (byte) (length >>> 8), (byte) length},
                concat(body));
    }

    static byte[] inet(String src, String dst, int srcPort, int dstPort) {
        return concat(ip(src, 4), ip(dst, 4), port(srcPort), port(dstPort));
    }

    static byte[] inet6(String src, String dst, int srcPort, int dstPort) {
        return concat(ip(src, 16), ip(dst, 16), port(srcPort), port(dstPort));
    }

    /** The UNIX block: two 108-byte NUL-padded paths. */
    static byte[] unix(String src, String dst) {
        byte[] b = new byte[216];
        byte[] s = ascii(src);
        byte[] d = ascii(dst);
        System.arraycopy(s, 0, b, 0, s.length);
        System.arraycopy(d, 0, b, 108, d.length);
        return b;
    }

    /** One TLV: type, big-endian length, value. */
    static byte[] tlv(int type, byte[] value) {
        return tlvWithLength(type, value.length, value);
    }

    /** A TLV whose length field says {@code length}, followed by {@code value} (which may differ). */
    static byte[] tlvWithLength(int type, int length, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (length >>> 8), (byte) length}, value);
    }

    /** Fills the CRC32C value at {@code at} with the checksum of the header computed with it zeroed. */
    static byte[] withCrc(byte[] header, int at) {
        byte[] h = header.clone();
        Arrays.fill(h, at, at + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(h);
        long v = crc.getValue();
        h[at] = (byte) (v >>> 24);
        h[at + 1] = (byte) (v >>> 16);
        h[at + 2] = (byte) (v >>> 8);
        h[at + 3] = (byte) v;
        return h;
    }

    /** A copy of {@code b} with byte {@code at} XORed with {@code mask}. */
    static byte[] flip(byte[] b, int at, int mask) {
        byte[] c = b.clone();
        c[at] ^= (byte) mask;
        return c;
    }

    /** A 38-byte SPP header: magic, client and proxy addresses (16 bytes each), client and proxy ports. */
    static byte[] spp(int magic, String client, String proxy, int clientPort, int proxyPort) {
        return concat(new byte[] {(byte) (magic >>> 8), (byte) magic}, ip(client, 16), ip(proxy, 16),
                port(clientPort), port(proxyPort));
    }

    static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    /** The address in {@code width} bytes; an IPv4 address in 16 bytes is written IPv4-mapped. */
    static byte[] ip(String text, int width) {
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

    static byte[] port(int p) {
        return new byte[] {(byte) (p >>> 8), (byte) p};
    }
}
