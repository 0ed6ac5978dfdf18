package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.testing.Vector;
import io.github.proxycodec.testing.VectorFiles;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static io.github.proxycodec.examples.Cli.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code decode}: stdin in, one JSON object out; malformed input exits 1 with the reason. */
class DecodeTest {

    /** The vector file's text, exactly as a user would pipe it. */
    private static byte[] hexFile(String name) {
        return VectorFiles.text(name).getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode decodeHex(String vector) throws IOException {
        Cli cli = Cli.run(hexFile(vector), "decode", "--hex");
        assertEquals(0, cli.status(), cli.stderr());
        return only(cli.rest());
    }

    @Test
    void everyFieldOfAHaproxyTlsHeaderIsPrinted() throws IOException {
        JsonNode h = decodeHex("haproxy-v2-tcp4-tls13-clientcert");
        assertEquals("v2", h.path("version").asText());
        assertEquals("PROXY", h.path("command").asText());
        assertEquals("TCP4", h.path("protocol").asText());
        assertEquals("127.0.0.1:50004", h.path("source").asText());
        assertEquals("127.0.0.1:41704", h.path("destination").asText());
        assertEquals(180, h.path("headerLength").asInt());
        assertEquals(5, h.path("payloadLength").asInt());
        assertEquals("0xb0bfc825", h.path("crc32c").asText());
        JsonNode tlvs = h.path("tlvs");
        assertEquals(4, tlvs.size());
        assertEquals("CRC32C", tlvs.get(0).path("name").asText());
        assertEquals(2, tlvs.get(1).path("type").asInt());
        assertEquals("AUTHORITY", tlvs.get(1).path("name").asText());
        assertEquals("proxy.test", tlvs.get(1).path("value").asText());
        assertEquals("UNIQUE_ID", tlvs.get(2).path("name").asText());
        assertEquals("7F000001:C354_7F000001:A2E8_6B0CA082_0006:1BD3", tlvs.get(2).path("text").asText());
        JsonNode ssl = tlvs.get(3);
        assertEquals("SSL", ssl.path("name").asText());
        assertEquals(7, ssl.path("value").path("client").asInt());
        assertEquals(5, ssl.path("value").path("subTlvs").size());
        assertEquals("SSL_CIPHER", ssl.path("value").path("subTlvs").get(4).path("name").asText());
        JsonNode details = h.path("ssl");
        assertTrue(details.path("ssl").asBoolean());
        assertTrue(details.path("verified").asBoolean());
        assertTrue(details.path("verifiedClientCertificate").asBoolean());
        assertEquals("TLSv1.3", details.path("version").asText());
        assertEquals("client.example", details.path("cn").asText());
        assertEquals("TLS_AES_256_GCM_SHA384", details.path("cipher").asText());
        assertEquals("RSA-SHA256", details.path("sigAlg").asText());
        assertEquals("RSA2048", details.path("keyAlg").asText());
    }

    @Test
    void ipv6AddressesAreBracketedInShortForm() throws IOException {
        JsonNode h = decodeHex("crafted/v2_tcp6_tlvs_crc");
        assertEquals("TCP6", h.path("protocol").asText());
        assertEquals("[2001:db8::10]:23456", h.path("source").asText());
        assertEquals("[2001:db8::20]:8443", h.path("destination").asText());
    }

    @Test
    void ipv4MappedSourceIsADottedQuad() throws IOException {
        JsonNode h = decodeHex("haproxy-v2-tcp6-v4mapped");
        assertEquals("INET6", h.path("family").asText());
        assertTrue(h.path("source").asText().startsWith("127.0.0.1:"), h.toString());
    }

    @Test
    void v1LineAndUnknown() throws IOException {
        JsonNode tcp4 = decodeHex("nginx-v1-tcp4");
        assertEquals("v1", tcp4.path("version").asText());
        assertEquals("TCP4", tcp4.path("protocol").asText());
        JsonNode unknown = decodeHex("crafted/v1_unknown");
        assertEquals("UNKNOWN", unknown.path("protocol").asText());
        assertTrue(unknown.path("source").isNull());
    }

    @Test
    void localHealthCheckHasNoAddresses() throws IOException {
        JsonNode h = decodeHex("haproxy-v2-local-healthcheck");
        assertEquals("LOCAL", h.path("command").asText());
        assertEquals("UNSPEC", h.path("protocol").asText());
        assertTrue(h.path("source").isNull());
        assertEquals(16, h.path("headerLength").asInt());
        assertEquals(0, h.path("payloadLength").asInt());
    }

    @Test
    void udpHeaderFromDnsdist() throws IOException {
        JsonNode h = decodeHex("dnsdist-v2-udp4-dns");
        assertEquals("UDP4", h.path("protocol").asText());
        assertEquals("DGRAM", h.path("transport").asText());
        assertTrue(h.path("payloadLength").asInt() > 0);
    }

    @Test
    void sppDatagram() throws IOException {
        JsonNode v6 = decodeHex("crafted/spp-ipv6");
        assertEquals("spp", v6.path("version").asText());
        assertEquals("UDP6", v6.path("protocol").asText());
        assertEquals("[2001:db8::10]:23456", v6.path("source").asText());
        assertEquals("[2001:db8::20]:443", v6.path("destination").asText());
        assertEquals(38, v6.path("headerLength").asInt());
        assertEquals(5, v6.path("payloadLength").asInt());
        JsonNode v4 = decodeHex("crafted/spp-ipv4-mapped");
        assertEquals("UDP4", v4.path("protocol").asText());
        assertEquals("192.0.2.10:12345", v4.path("source").asText());
    }

    @Test
    void rawBytesWithoutHex() {
        byte[] raw = Vector.load("haproxy-v1-tcp6").bytes();
        Cli cli = Cli.run(raw, "decode");
        assertEquals(0, cli.status());
        JsonNode h = only(cli.rest());
        assertEquals("TCP6", h.path("protocol").asText());
        assertEquals("[::1]:50011", h.path("source").asText());
    }

    @Test
    void malformedHeadersExitOneWithTheLibrarysReason() throws IOException {
        String[][] cases = {
            {"crafted/bad_v2_crc", "V2_CRC_MISMATCH"},
            {"crafted/bad_v1_ip", "V1_INVALID_ADDRESS"},
            {"crafted/bad_v1_port", "V1_INVALID_PORT"},
            {"crafted/bad_v2_version", "V2_UNSUPPORTED_VERSION"},
            {"crafted/bad_v2_tlv_overrun", "V2_TLV_MALFORMED"},
            {"crafted/no_header", "NOT_A_PROXY_HEADER"},
        };
        for (String[] c : cases) {
            Cli cli = Cli.run(hexFile(c[0]), "decode", "--hex");
            assertEquals(1, cli.status(), c[0]);
            JsonNode e = only(cli.rest());
            assertEquals(c[1], e.path("error").asText(), c[0] + ": " + e);
            assertTrue(e.path("detail").asText().length() > 0);
        }
    }

    @Test
    void inputThatIsNotAHeaderOrIsCutShort() {
        assertError("INCOMPLETE_HEADER", "PROXY TCP4 1.2.3.4".getBytes(StandardCharsets.US_ASCII), "decode");
        assertError("EMPTY_INPUT", new byte[0], "decode");
        assertError("INVALID_HEX", "# comment\n0d0a zz".getBytes(StandardCharsets.US_ASCII), "decode", "--hex");
        assertError("INVALID_HEX", "0d0a0".getBytes(StandardCharsets.US_ASCII), "decode", "--hex");
        assertError("TOO_SHORT", new byte[] {0x56, (byte) 0xEC, 0, 0}, "decode");
    }

    private static void assertError(String reason, byte[] in, String... args) {
        Cli cli = Cli.run(in, args);
        assertEquals(1, cli.status());
        assertEquals(reason, only(cli.rest()).path("error").asText());
    }

    @Test
    void helpExitsZero() {
        Cli cli = Cli.run("decode", "--help");
        assertEquals(0, cli.status());
        assertTrue(cli.text().contains("--hex"));
    }

    @Test
    void everyGoodVectorDecodesToItsHeaderLengthAndEveryBadOneExitsOne() throws IOException {
        String[] good = {
            "dnsdist-v2-udp-local-healthcheck", "dnsdist-v2-udp4-dns", "dnsdist-v2-udp6-dns",
            "haproxy-v1-tcp4", "haproxy-v1-tcp6", "haproxy-v1-unknown-unixclient",
            "haproxy-v2-local-healthcheck-crc32c", "haproxy-v2-local-healthcheck",
            "haproxy-v2-tcp4-tls13-clientcert", "haproxy-v2-tcp4", "haproxy-v2-tcp6-v4mapped", "haproxy-v2-tcp6",
            "nginx-v1-tcp4", "nginx-v1-tcp6", "crafted/spp-ipv4-mapped", "crafted/spp-ipv6",
            "crafted/v1_tcp4", "crafted/v1_tcp6", "crafted/v1_unknown", "crafted/v1_unknown_junk",
            "crafted/v2_local", "crafted/v2_tcp4", "crafted/v2_tcp6_tlvs_crc", "crafted/v2_udp4",
        };
        for (String name : good) {
            Vector v = Vector.load(name);
            JsonNode h = decodeHex(name);
            assertEquals(v.headerLength(), h.path("headerLength").asInt(), name);
            assertEquals(v.bytes().length - v.headerLength(), h.path("payloadLength").asInt(), name);
        }
        String[] bad = {
            "crafted/bad_v1_ip", "crafted/bad_v1_nocrlf", "crafted/bad_v1_port", "crafted/bad_v1_toolong",
            "crafted/bad_v2_cmd", "crafted/bad_v2_crc", "crafted/bad_v2_shortaddr", "crafted/bad_v2_tlv_overrun",
            "crafted/bad_v2_version", "crafted/no_header",
        };
        for (String name : bad) {
            Cli cli = Cli.run(hexFile(name), "decode", "--hex");
            assertEquals(1, cli.status(), name);
            assertTrue(only(cli.rest()).path("error").asText().matches("[A-Z0-9_]+"), name);
        }
    }
}
