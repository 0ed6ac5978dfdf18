package io.github.proxycodec.hardening;

import io.netty.util.NetUtil;

import java.net.InetSocketAddress;

import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.V2Bytes.inet;
import static io.github.proxycodec.testing.V2Bytes.inet6;
import static io.github.proxycodec.testing.V2Bytes.ip;
import static io.github.proxycodec.testing.V2Bytes.port;

/**
 * What the hardening corpus adds to the shared builders ({@code V2Bytes}, {@code ByteArrays}):
 * its usual address blocks, SPP headers by hand, and single-byte flips.
 */
final class Bytes {

    /** The usual INET block: 192.0.2.10:12345 to 198.51.100.1:443. */
    static final byte[] INET_BLOCK = inet("192.0.2.10", "198.51.100.1", 12345, 443);
    /** The usual INET6 block: [2001:db8::10]:12345 to [2001:db8::1]:443. */
    static final byte[] INET6_BLOCK = inet6("2001:db8::10", "2001:db8::1", 12345, 443);

    private Bytes() {
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
}
