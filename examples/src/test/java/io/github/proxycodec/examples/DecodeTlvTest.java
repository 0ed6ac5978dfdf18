package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxySslInfo;
import io.github.proxycodec.ProxyTlv;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static io.github.proxycodec.examples.Cli.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code decode} on custom, unknown and vendor TLVs, and on a client certificate that is not one. */
class DecodeTlvTest {

    private static JsonNode decode(ProxyHeader.Builder header) {
        Cli cli = Cli.run(ProxyHeaderEncoder.toByteArray(header.build()), "decode");
        assertEquals(0, cli.status(), cli.stderr());
        return only(cli.rest());
    }

    private static ProxyHeader.Builder header() {
        return ProxyHeader.builder().addresses(new InetSocketAddress("203.0.113.7", 4000),
                new InetSocketAddress("198.51.100.1", 443));
    }

    @Test
    void customAndUnknownTlvsShowTheirPrintableTextBesideTheHex() {
        JsonNode tlvs = decode(header()
                .tlv(0xE5, "tenant-7")
                .tlv(ProxyTlv.GCP, "abc")                  // 0xE0 but not GCP's 8 bytes
                .tlv(0x42, new byte[] {0x01, 0x02})
                .tlv(ProxyTlv.GCP, new byte[] {0, 0, 0, 0, 0, 0, 0, 42})).path("tlvs");
        assertEquals("CUSTOM_0xE5", tlvs.get(0).path("name").asText());
        assertEquals("74656e616e742d37", tlvs.get(0).path("value").asText());
        assertEquals("tenant-7", tlvs.get(0).path("text").asText());
        assertEquals("CUSTOM_0xE0", tlvs.get(1).path("name").asText());
        assertEquals("abc", tlvs.get(1).path("text").asText());
        assertEquals("0x42", tlvs.get(2).path("name").asText());
        assertEquals("0102", tlvs.get(2).path("value").asText());
        assertFalse(tlvs.get(2).has("text"), "no text for bytes that are not printable");
        assertEquals("GCP", tlvs.get(3).path("name").asText());
        assertEquals("42", tlvs.get(3).path("value").path("pscConnectionId").asText());
    }

    @Test
    void aClientCertificateThatIsNotOneIsShownAsAnErrorAndTheHeaderStillDecodes() {
        byte[] notACert = "not a certificate".getBytes(StandardCharsets.US_ASCII);
        byte[] ssl = new byte[5 + 3 + notACert.length];
        ssl[0] = ProxySslInfo.CLIENT_SSL | ProxySslInfo.CLIENT_CERT_CONN;
        ssl[5] = (byte) ProxyTlv.SSL_CLIENT_CERT;
        ssl[7] = (byte) notACert.length;
        System.arraycopy(notACert, 0, ssl, 8, notACert.length);
        JsonNode h = decode(header().tlv(ProxyTlv.SSL, ssl));
        assertEquals(notACert.length, h.path("ssl").path("clientCertificateLength").asInt());
        assertTrue(h.path("ssl").path("clientCertificateError").asText().startsWith("SSL_CLIENT_CERT "), h.toString());
    }
}
