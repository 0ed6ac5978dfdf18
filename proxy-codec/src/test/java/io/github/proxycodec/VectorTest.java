package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.Vector;
import io.github.proxycodec.testing.VectorFiles;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every captured and hand-made TCP vector in {@code src/test/resources/vectors}: good ones decode
 * to exactly what their {@code decoded:} comments say, bad ones are refused for the right reason.
 * SPP datagrams and UDP captures belong to the UDP module and are left out here.
 */
class VectorTest {

    /** Each malformed vector and the rule it breaks (vectors/README.md, "what a strict decoder does"). */
    private static final Map<String, Reason> BAD = new TreeMap<>(Map.of(
            "crafted/bad_v1_ip", Reason.V1_INVALID_ADDRESS,
            "crafted/bad_v1_port", Reason.V1_INVALID_PORT,
            "crafted/bad_v1_nocrlf", Reason.V1_MALFORMED,
            "crafted/bad_v1_toolong", Reason.V1_TOO_LONG,
            "crafted/bad_v2_version", Reason.V2_UNSUPPORTED_VERSION,
            "crafted/bad_v2_cmd", Reason.V2_UNSUPPORTED_COMMAND,
            "crafted/bad_v2_shortaddr", Reason.V2_ADDRESS_TRUNCATED,
            "crafted/bad_v2_tlv_overrun", Reason.V2_TLV_MALFORMED,
            "crafted/bad_v2_crc", Reason.V2_CRC_MISMATCH,
            "crafted/no_header", Reason.NOT_A_PROXY_HEADER));

    private static final ProxyHeaderParser TCP = ProxyHeaderParser.builder().build();
    private static final ProxyHeaderParser TCP_WITH_DGRAM = ProxyHeaderParser.builder().allowDatagramTransport(true).build();

    /** TCP vectors: not SPP, not captured over UDP. */
    static List<String> tcpVectors() {
        return VectorFiles.names().stream()
                .filter(n -> !n.startsWith("crafted/spp-"))
                .filter(n -> !"udp".equals(VectorComments.wireTransport(n)))
                .collect(Collectors.toList());
    }

    static List<String> goodVectors() {
        return tcpVectors().stream().filter(n -> !BAD.containsKey(n)).collect(Collectors.toList());
    }

    static List<String> badVectors() {
        return List.copyOf(BAD.keySet());
    }

    /** A DGRAM header is only legal here when the parser allows it (crafted/v2_udp4). */
    private static ProxyHeaderParser parserFor(VectorComments c) {
        return c.transport == Transport.DGRAM ? TCP_WITH_DGRAM : TCP;
    }

    @Test
    void everyTcpVectorIsEitherDecodableOrListedWithItsReason() {
        List<String> tcp = tcpVectors();
        assertTrue(tcp.containsAll(BAD.keySet()), "every listed bad vector exists: " + BAD.keySet());
        for (String name : goodVectors()) {
            assertFalse(name.contains("bad_") || name.contains("no_header"), name + " looks bad but has no reason");
            assertNotNull(VectorComments.of(name).version, name + " has no decoded: line");
        }
        // 11 captured from haproxy and nginx, 8 good crafted ones: none filtered out by mistake.
        assertEquals(19, goodVectors().size(), goodVectors().toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void goodVectorDecodesToExactlyItsComments(String name) {
        Vector v = Vector.load(name);
        VectorComments c = VectorComments.of(name);
        ByteBuf in = v.buffer();
        try {
            ProxyHeader h = parserFor(c).parse(in);
            assertNotNull(h, "complete header");
            assertMatches(c, h);
            assertEquals(v.headerLength(), h.headerLength(), "header_len");
            assertEquals(0, in.readerIndex(), "parse does not move the reader index");

            in.skipBytes(h.headerLength());
            byte[] rest = ByteBufUtil.getBytes(in);
            assertEquals(c.trailingPayloadLength, rest.length, "trailing_payload_len");
            if (c.trailingPayload != null) {
                assertArrayEquals(c.trailingPayload, rest, "trailing payload");
            }
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badVectors")
    void badVectorIsRefusedForTheRuleItBreaks(String name) {
        ByteBuf in = Vector.load(name).buffer();
        try {
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> TCP.parse(in));
            assertEquals(BAD.get(name), e.reason(), e.getMessage());
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void goodVectorParsesTheSameAtANonZeroReaderIndex(String name) {
        VectorComments c = VectorComments.of(name);
        byte[] junk = "junk\r\nPROXY \0".getBytes(StandardCharsets.ISO_8859_1);
        ByteBuf in = Unpooled.buffer();
        try {
            in.writeBytes(junk).writeBytes(Vector.load(name).bytes());
            in.readerIndex(junk.length);
            ProxyHeader h = parserFor(c).parse(in);
            assertMatches(c, h);
            assertEquals(c.headerLength, h.headerLength());
            assertEquals(junk.length, in.readerIndex());
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void goodVectorParsesTheSameFromADirectBuffer(String name) {
        VectorComments c = VectorComments.of(name);
        byte[] bytes = Vector.load(name).bytes();
        ByteBuf in = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        try {
            assertTrue(in.isDirect());
            ProxyHeader h = parserFor(c).parse(in);
            assertMatches(c, h);
            assertEquals(c.headerLength, h.headerLength());
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void goodVectorParsesTheSameFromOneByteComponents(String name) {
        VectorComments c = VectorComments.of(name);
        byte[] bytes = Vector.load(name).bytes();
        CompositeByteBuf in = Unpooled.compositeBuffer(bytes.length);
        try {
            for (byte b : bytes) {
                in.addComponent(true, Unpooled.buffer(1).writeByte(b));
            }
            assertEquals(bytes.length, in.numComponents());
            ProxyHeader h = parserFor(c).parse(in);
            assertMatches(c, h);
            assertEquals(c.headerLength, h.headerLength());
        } finally {
            in.release();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodVectors")
    void everyStrictPrefixOfAGoodHeaderIsIncomplete(String name) {
        VectorComments c = VectorComments.of(name);
        byte[] bytes = Vector.load(name).bytes();
        for (int n = 0; n < c.headerLength; n++) {
            ByteBuf in = Unpooled.wrappedBuffer(bytes, 0, n);
            try {
                assertNull(parserFor(c).parse(in), "prefix of " + n + " bytes");
            } finally {
                in.release();
            }
        }
    }

    // ------------------------------------------------------------ key fields, stated explicitly

    @Test
    void haproxyV2Tcp4CarriesTheClientOfTheCapture() {
        ProxyHeader h = parse("haproxy-v2-tcp4", TCP);
        assertEquals(Version.V2, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(Family.INET, h.family());
        assertEquals(Transport.STREAM, h.transport());
        assertEquals(new InetSocketAddress(VectorComments.literal("127.0.0.1"), 50002), h.sourceAddress());
        assertEquals(new InetSocketAddress(VectorComments.literal("127.0.0.1"), 41702), h.destinationAddress());
        assertEquals(28, h.headerLength());
        assertTrue(h.tlvs().isEmpty());
    }

    @Test
    void haproxyV1Tcp6CarriesTheClientOfTheCapture() {
        ProxyHeader h = parse("haproxy-v1-tcp6", TCP);
        assertEquals(Version.V1, h.version());
        assertEquals(Family.INET6, h.family());
        assertEquals(new InetSocketAddress(VectorComments.literal("::1"), 50011), h.sourceAddress());
        assertEquals(new InetSocketAddress(VectorComments.literal("::1"), 41711), h.destinationAddress());
        assertEquals(32, h.headerLength());
    }

    @Test
    void haproxyTls13VectorExposesEveryTlvAndTheSslDetails() {
        ProxyHeader h = parse("haproxy-v2-tcp4-tls13-clientcert", TCP);
        assertEquals(List.of(ProxyTlv.CRC32C, ProxyTlv.AUTHORITY, ProxyTlv.UNIQUE_ID, ProxyTlv.SSL),
                h.tlvs().stream().map(ProxyTlv::type).collect(Collectors.toList()), "order as received");
        assertEquals(0xb0bfc825L, h.crc32c().getAsLong());
        assertEquals("proxy.test", h.authority().orElseThrow());
        assertEquals("7F000001:C354_7F000001:A2E8_6B0CA082_0006:1BD3",
                new String(h.uniqueId().orElseThrow(), StandardCharsets.US_ASCII));
        ProxySslInfo ssl = h.ssl().orElseThrow();
        assertEquals(0x07, ssl.clientFlags());
        assertTrue(ssl.isSsl());
        assertTrue(ssl.hasClientCertificateInConnection());
        assertTrue(ssl.hasClientCertificateInSession());
        assertTrue(ssl.isVerified());
        assertEquals("TLSv1.3", ssl.version().orElseThrow());
        assertEquals("client.example", ssl.commonName().orElseThrow());
        assertEquals("TLS_AES_256_GCM_SHA384", ssl.cipher().orElseThrow());
        assertEquals("RSA-SHA256", ssl.signatureAlgorithm().orElseThrow());
        assertEquals("RSA2048", ssl.keyAlgorithm().orElseThrow());
        assertEquals(180, h.headerLength());
    }

    @Test
    void ipv4MappedAddressInAnInet6HeaderIsReturnedAsIpv4() {
        ProxyHeader h = parse("haproxy-v2-tcp6-v4mapped", TCP);
        assertEquals(Family.INET6, h.family());
        assertInstanceOf(Inet4Address.class, h.sourceAddress().getAddress());
        assertEquals("127.0.0.1", h.sourceAddress().getAddress().getHostAddress());
        assertEquals(50022, h.sourceAddress().getPort());
        assertEquals(41722, h.destinationAddress().getPort());
    }

    @Test
    void v1UnknownHasNoAddressesSoTheRealConnectionIsUsed() {
        for (String name : List.of("haproxy-v1-unknown-unixclient", "crafted/v1_unknown", "crafted/v1_unknown_junk")) {
            ProxyHeader h = parse(name, TCP);
            assertEquals(Family.UNSPEC, h.family(), name);
            assertFalse(h.hasInetAddresses(), name);
            assertNull(h.sourceAddress(), name);
            assertNull(h.destinationAddress(), name);
        }
    }

    @Test
    void v2LocalHealthCheckHasNoAddresses() {
        ProxyHeader h = parse("haproxy-v2-local-healthcheck-crc32c", TCP);
        assertEquals(Command.LOCAL, h.command());
        assertNull(h.sourceAddress());
        assertEquals(0xa9b87e8fL, h.crc32c().getAsLong());
        assertEquals(23, h.headerLength());
    }

    @Test
    void dgramFamilyOnTcpIsRefusedByDefault() {
        ByteBuf in = Vector.load("crafted/v2_udp4").buffer();
        try {
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> TCP.parse(in));
            assertEquals(Reason.TRANSPORT_NOT_ALLOWED, e.reason());
        } finally {
            in.release();
        }
    }

    @Test
    void dgramFamilyOnTcpIsAcceptedWhenAllowed() {
        ProxyHeader h = parse("crafted/v2_udp4", TCP_WITH_DGRAM);
        assertEquals(Transport.DGRAM, h.transport());
        assertEquals(Family.INET, h.family());
        assertEquals(new InetSocketAddress(VectorComments.literal("192.0.2.10"), 12345), h.sourceAddress());
        assertEquals(new InetSocketAddress(VectorComments.literal("198.51.100.20"), 443), h.destinationAddress());
    }

    // ------------------------------------------------------------ helpers

    private static ProxyHeader parse(String name, ProxyHeaderParser parser) {
        ByteBuf in = Vector.load(name).buffer();
        try {
            ProxyHeader h = parser.parse(in);
            assertNotNull(h, name);
            return h;
        } finally {
            in.release();
        }
    }

    /** Asserts that {@code h} holds exactly the values of the comments. */
    private static void assertMatches(VectorComments c, ProxyHeader h) {
        assertNotNull(h, "complete header");
        assertEquals(c.version, h.version(), "version");
        assertEquals(c.command, h.command(), "command");
        assertEquals(c.family, h.family(), "family");
        assertEquals(c.transport, h.transport(), "transport");
        assertEquals(c.source, h.sourceAddress(), "source");
        assertEquals(c.destination, h.destinationAddress(), "destination");
        assertEquals(c.source != null, h.hasInetAddresses());
        assertNull(h.sourcePath());
        assertNull(h.destinationPath());
        assertEquals(c.headerLength, h.headerLength(), "header_len");

        assertEquals(c.tlvs.size(), h.tlvs().size(), "TLV count: " + h.tlvs());
        for (int i = 0; i < c.tlvs.size(); i++) {
            VectorComments.Tlv want = c.tlvs.get(i);
            ProxyTlv got = h.tlvs().get(i);
            assertEquals(want.type, got.type(), "TLV " + i + " type");
            assertEquals(want.length, got.length(), "TLV " + i + " length");
            if (want.value != null) {
                assertEquals(want.length, want.value.length, "comment value matches its own len");
                assertArrayEquals(want.value, got.value(), "TLV " + i + " value");
            }
        }
        if (c.sslClient == null) {
            assertTrue(h.ssl().isEmpty(), "no SSL TLV");
        } else {
            ProxySslInfo ssl = h.ssl().orElseThrow();
            assertEquals(c.sslClient.intValue(), ssl.clientFlags(), "SSL client");
            assertEquals(c.sslVerify.longValue(), ssl.verifyResult(), "SSL verify");
            assertEquals(c.sslSubTlvs.size(), ssl.subTlvs().size(), "SSL sub-TLV count");
            for (int i = 0; i < c.sslSubTlvs.size(); i++) {
                VectorComments.Tlv want = c.sslSubTlvs.get(i);
                ProxyTlv got = ssl.subTlvs().get(i);
                assertEquals(want.type, got.type(), "sub-TLV " + i + " type");
                assertEquals(want.length, got.length(), "sub-TLV " + i + " length");
                assertArrayEquals(want.value, got.value(), "sub-TLV " + i + " value");
            }
        }
        if (c.crcCheck != null) {
            assertEquals("OK", c.crcCheck, "a good vector's CRC32C verified by the reference decoder");
            byte[] crc = c.tlvs.stream().filter(t -> t.type == ProxyTlv.CRC32C).findFirst().orElseThrow().value;
            assertEquals(Long.parseLong(ByteBufUtil.hexDump(crc), 16), h.crc32c().getAsLong());
        }
    }
}
