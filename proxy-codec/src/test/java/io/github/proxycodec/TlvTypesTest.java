package io.github.proxycodec;

import io.github.proxycodec.testing.Hex;
import io.github.proxycodec.testing.PeerChannel;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SSL_CLIENT_CERT as an X.509 certificate, and the custom range named by vendor only when the layout fits. */
class TlvTypesTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 4000);
    private static final InetSocketAddress SERVICE = new InetSocketAddress("198.51.100.1", 443);

    /** The test certificate's DER, from the hex resource. */
    static byte[] certificate() {
        try (InputStream in = TlvTypesTest.class.getResourceAsStream("/certs/client-example.der.hex")) {
            return Hex.decode(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** An SSL TLV value: client flags, verify 0, then one SSL_CLIENT_CERT sub-TLV holding {@code der}. */
    private static byte[] sslWithCertificate(byte[] der) {
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        v.write(ProxySslInfo.CLIENT_SSL | ProxySslInfo.CLIENT_CERT_CONN);
        v.writeBytes(new byte[4]);
        v.write(ProxyTlv.SSL_CLIENT_CERT);
        v.write(der.length >>> 8);
        v.write(der.length & 0xFF);
        v.writeBytes(der);
        return v.toByteArray();
    }

    private static byte[] encode(ProxyHeader.Builder b) {
        return ProxyHeaderEncoder.toByteArray(b.build());
    }

    private static ProxyHeader decode(ProxyHeader.Builder b) {
        return ProxyProtocolConfig.defaults().parser().parse(Unpooled.wrappedBuffer(encode(b)));
    }

    private static ProxyHeader withTlv(int type, byte[] value) {
        return decode(ProxyHeader.builder().addresses(CLIENT, SERVICE).tlv(type, value));
    }

    @Test
    void theClientCertificateIsAnX509CertificateAndItsDerStaysAvailable() throws CertificateException {
        byte[] der = certificate();
        ProxySslInfo ssl = withTlv(ProxyTlv.SSL, sslWithCertificate(der)).ssl().orElseThrow();
        X509Certificate cert = ssl.clientX509Certificate().orElseThrow();
        assertEquals("CN=client.example", cert.getSubjectX500Principal().getName());
        assertArrayEquals(der, ssl.clientCertificate().orElseThrow());
        assertArrayEquals(der, cert.getEncoded());
    }

    @Test
    void noCertificateIsEmptyNotAnError() throws CertificateException {
        byte[] value = {ProxySslInfo.CLIENT_SSL, 0, 0, 0, 0};
        assertTrue(withTlv(ProxyTlv.SSL, value).ssl().orElseThrow().clientX509Certificate().isEmpty());
    }

    @Test
    void aMalformedCertificateIsAnErrorOfTheAccessorNotARefusalOfTheHeader() {
        byte[] der = certificate();
        byte[][] bad = {
            Arrays.copyOf(der, der.length - 10),            // truncated
            Arrays.copyOf(der, der.length + 1),             // a byte after it
            "-----BEGIN CERTIFICATE-----".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0x30, 0x03, 0x02, 0x01, 0x01},      // DER, but not a certificate
        };
        for (byte[] value : bad) {
            PeerChannel ch = new PeerChannel(new InetSocketAddress("127.0.0.1", 1), new ProxyProtocolHandler(
                    ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.1")).build()));
            ch.read(encode(ProxyHeader.builder().addresses(CLIENT, SERVICE).tlv(ProxyTlv.SSL, sslWithCertificate(value))));
            ProxyProtocolEvent e = assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
            assertTrue(e.isSuccess(), "the header is fine whatever the certificate holds");
            ProxySslInfo ssl = e.header().ssl().orElseThrow();
            CertificateException error = assertThrows(CertificateException.class, ssl::clientX509Certificate);
            assertTrue(error.getMessage().startsWith("SSL_CLIENT_CERT "), error.getMessage());
            assertArrayEquals(value, ssl.clientCertificate().orElseThrow(), "the bytes are still there");
            assertFalse(ch.finish());
        }
    }

    @Test
    void customTypesAreNamedByVendorOnlyWhenTheLayoutFits() {
        byte[] psc = ByteBuffer.allocate(8).putLong(42).array();
        ProxyTlv gcp = withTlv(ProxyTlv.GCP, psc).tlvs().get(0);
        assertEquals("GCP", gcp.typeName());
        assertTrue(gcp.isCustom() && gcp.hasVendorLayout());
        assertEquals(42, withTlv(ProxyTlv.GCP, psc).gcpPscConnectionId().orElseThrow());

        ProxyHeader wrongGcp = withTlv(ProxyTlv.GCP, "hello".getBytes(StandardCharsets.US_ASCII));
        assertEquals("CUSTOM_0xE0", wrongGcp.tlvs().get(0).typeName());
        assertTrue(wrongGcp.gcpPscConnectionId().isEmpty());

        byte[] vpce = "\u0001vpce-0123456789abcdef0".getBytes(StandardCharsets.US_ASCII);
        assertEquals("AWS", withTlv(ProxyTlv.AWS, vpce).tlvs().get(0).typeName());
        assertEquals("vpce-0123456789abcdef0", withTlv(ProxyTlv.AWS, vpce).awsVpcEndpointId().orElseThrow());
        for (byte[] notAws : new byte[][] {{0x01}, {0x02, 'v'}, {0x01, 'v', 0x00}}) {
            ProxyHeader h = withTlv(ProxyTlv.AWS, notAws);
            assertEquals("CUSTOM_0xEA", h.tlvs().get(0).typeName());
            assertTrue(h.awsVpcEndpointId().isEmpty());
        }

        assertEquals("AZURE", withTlv(ProxyTlv.AZURE, new byte[] {1, 4, 3, 2, 1}).tlvs().get(0).typeName());
        assertEquals(0x01020304L, withTlv(ProxyTlv.AZURE, new byte[] {1, 4, 3, 2, 1}).azurePrivateLinkId().orElseThrow());
        assertEquals("CUSTOM_0xEE", withTlv(ProxyTlv.AZURE, new byte[] {1, 4, 3, 2}).tlvs().get(0).typeName());

        ProxyTlv other = withTlv(0xE5, new byte[] {1}).tlvs().get(0);
        assertEquals("CUSTOM_0xE5", other.typeName());
        assertTrue(other.isCustom());
        assertFalse(other.hasVendorLayout());
        assertEquals("0x42", withTlv(0x42, new byte[] {1}).tlvs().get(0).typeName());
        assertFalse(withTlv(0x42, new byte[] {1}).tlvs().get(0).isCustom());
        assertEquals("AUTHORITY", ProxyTlv.typeName(ProxyTlv.AUTHORITY));
    }
}
