package io.github.proxycodec.testkit;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyTlv;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * PROXY headers as bytes, written by the library's own {@link ProxyHeaderEncoder}, and the TLVs
 * whose values are fiddly to lay out by hand (SSL with sub-TLVs, the cloud vendors' ones).
 *
 * <pre>{@code
 * byte[] v1 = TestHeaders.v1(client, server);
 * byte[] v2 = TestHeaders.v2(client, server,
 *         ProxyTlv.of(ProxyTlv.AUTHORITY, "example.com"),
 *         TestHeaders.ssl(ProxySslInfo.CLIENT_SSL, 0, ProxyTlv.of(ProxyTlv.SSL_VERSION, "TLSv1.3")));
 * }</pre>
 */
public final class TestHeaders {

    private TestHeaders() {
    }

    /** Returns the bytes of {@code header}. */
    public static byte[] bytes(ProxyHeader header) {
        return ProxyHeaderEncoder.toByteArray(header);
    }

    /** Returns a v1 line {@code PROXY TCP4|TCP6 client server ports\r\n}. */
    public static byte[] v1(InetSocketAddress client, InetSocketAddress destination) {
        return bytes(ProxyHeader.builder().version(ProxyHeader.Version.V1).addresses(client, destination).build());
    }

    /** Returns a v2 PROXY header over TCP with {@code tlvs} in order. */
    public static byte[] v2(InetSocketAddress client, InetSocketAddress destination, ProxyTlv... tlvs) {
        ProxyHeader.Builder b = ProxyHeader.builder().addresses(client, destination);
        for (ProxyTlv t : tlvs) {
            b.tlv(t);
        }
        return bytes(b.build());
    }

    /** Returns a v2 LOCAL header (a proxy's health check): the connection's own addresses apply. */
    public static byte[] v2Local() {
        return bytes(ProxyHeader.builder().command(ProxyHeader.Command.LOCAL).build());
    }

    /**
     * Returns an SSL TLV (0x20): client flags ({@code ProxySslInfo.CLIENT_SSL}…), the verify
     * result (0 means the client certificate was verified), then {@code subTlvs} (0x21..0x28).
     */
    public static ProxyTlv ssl(int clientFlags, long verify, ProxyTlv... subTlvs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(clientFlags);
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.write((int) (verify >>> shift));
        }
        for (ProxyTlv t : subTlvs) {
            out.write(t.type());
            out.write(t.length() >>> 8);
            out.write(t.length());
            out.writeBytes(t.value());
        }
        return ProxyTlv.of(ProxyTlv.SSL, out.toByteArray());
    }

    /** Returns an AWS TLV (0xEA) naming the VPC endpoint {@code id} (subtype 0x01). */
    public static ProxyTlv awsVpcEndpoint(String id) {
        byte[] text = id.getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[text.length + 1];
        value[0] = 0x01;
        System.arraycopy(text, 0, value, 1, text.length);
        return ProxyTlv.of(ProxyTlv.AWS, value);
    }

    /** Returns an Azure TLV (0xEE) with the private link id {@code linkId} (subtype 0x01, little-endian). */
    public static ProxyTlv azurePrivateLink(long linkId) {
        return ProxyTlv.of(ProxyTlv.AZURE, new byte[] {0x01, (byte) linkId, (byte) (linkId >>> 8),
                (byte) (linkId >>> 16), (byte) (linkId >>> 24)});
    }

    /** Returns a Google Cloud TLV (0xE0) with the Private Service Connect id {@code pscId} (big-endian). */
    public static ProxyTlv gcpPscConnection(long pscId) {
        byte[] v = new byte[8];
        for (int i = 0; i < 8; i++) {
            v[i] = (byte) (pscId >>> (56 - 8 * i));
        }
        return ProxyTlv.of(ProxyTlv.GCP, v);
    }
}
