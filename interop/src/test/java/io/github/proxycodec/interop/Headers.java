package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyTlv;

import java.net.InetSocketAddress;

/** Headers the project encodes for the peers to decode. */
final class Headers {

    /** The AUTHORITY value sent in v2 headers. */
    static final String AUTHORITY = "www.example.test";
    /** The UNIQUE_ID value sent in v2 headers (ASCII, so the peers can log it). */
    static final String UNIQUE_ID = "interop-4f2a9c";

    private Headers() {
    }

    /** A v1 line for {@code source -> destination}. */
    static ProxyHeader v1(InetSocketAddress source, InetSocketAddress destination) {
        return ProxyHeader.builder().version(ProxyHeader.Version.V1).addresses(source, destination).build();
    }

    /** A v2 PROXY header with AUTHORITY, UNIQUE_ID and, last, a CRC32C TLV. */
    static ProxyHeader v2WithTlvs(InetSocketAddress source, InetSocketAddress destination) {
        return ProxyHeader.builder()
                .addresses(source, destination)
                .tlv(ProxyTlv.AUTHORITY, AUTHORITY)
                .tlv(ProxyTlv.UNIQUE_ID, UNIQUE_ID)
                .crc32c()
                .build();
    }

    /** Encodes {@code header} with {@link ProxyHeaderEncoder} and returns the bytes. */
    static byte[] encode(ProxyHeader header) {
        return ProxyHeaderEncoder.toByteArray(header);
    }

    /** Concatenates byte arrays. */
    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
