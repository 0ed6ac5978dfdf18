package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.testing.V2Bytes;
import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.github.proxycodec.testing.ByteArrays.bytes;
import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.V2Bytes.tlv;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ProxyHeaderEncoder}: what it writes is what real peers write, and what the parser reads back. */
class EncoderTest {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().allowDatagramTransport(true).build();

    private static final InetSocketAddress SRC4 = address("192.0.2.10", 12345);
    private static final InetSocketAddress DST4 = address("198.51.100.20", 443);
    private static final InetSocketAddress SRC6 = address("2001:db8::10", 23456);
    private static final InetSocketAddress DST6 = address("2001:db8::20", 8443);

    // ------------------------------------------------------------ v1

    @Test
    void v1Tcp4IsWrittenAsTheSpecLine() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1).addresses(SRC4, DST4).build();
        byte[] wire = encode(h);
        assertEquals("PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n", ascii(wire));
        assertRoundTrip(h, wire);
    }

    @Test
    void v1Tcp6IsWrittenInRfc5952Form() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1).addresses(SRC6, DST6).build();
        byte[] wire = encode(h);
        assertEquals("PROXY TCP6 2001:db8::10 2001:db8::20 23456 8443\r\n", ascii(wire));
        assertRoundTrip(h, wire);
    }

    @Test
    void v1WithoutAddressesIsWrittenAsUnknown() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1).build();
        byte[] wire = encode(h);
        assertEquals("PROXY UNKNOWN\r\n", ascii(wire));
        ProxyHeader back = assertRoundTrip(h, wire);
        assertEquals(Family.UNSPEC, back.family());
    }

    @Test
    void v1Ipv4AddressesInATcp6LineAreWrittenIpv4Mapped() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1).family(Family.INET6).addresses(SRC4, DST4).build();
        byte[] wire = encode(h);
        assertEquals("PROXY TCP6 ::ffff:192.0.2.10 ::ffff:198.51.100.20 12345 443\r\n", ascii(wire));
        ProxyHeader back = assertRoundTrip(h, wire);
        assertEquals(Family.INET6, back.family());
    }

    @Test
    void v1CarriesNoTlvs() {
        assertThrows(IllegalStateException.class,
                () -> ProxyHeader.builder().version(Version.V1).addresses(SRC4, DST4).tlv(ProxyTlv.ALPN, "h2").build());
    }

    // ------------------------------------------------------------ v2 round trips

    static Stream<Named<ProxyHeader>> v2Headers() {
        return Stream.of(
                Named.of("INET", ProxyHeader.builder().addresses(SRC4, DST4).build()),
                Named.of("INET with TLVs", ProxyHeader.builder().addresses(SRC4, DST4)
                        .tlv(ProxyTlv.ALPN, "h2").tlv(ProxyTlv.AUTHORITY, "example.com")
                        .tlv(ProxyTlv.UNIQUE_ID, bytes(1, 2, 3)).tlv(0xF5, bytes(0xde, 0xad)).build()),
                Named.of("INET6", ProxyHeader.builder().addresses(SRC6, DST6).build()),
                Named.of("INET6 with SSL", ProxyHeader.builder().addresses(SRC6, DST6)
                        .tlv(ProxyTlv.SSL, concat(bytes(0x07, 0, 0, 0, 0), tlv(ProxyTlv.SSL_VERSION, "TLSv1.3"),
                                tlv(ProxyTlv.SSL_CN, "client.example"))).build()),
                Named.of("UNIX", ProxyHeader.builder().paths("/var/run/client.sock", "/run/server.sock").build()),
                Named.of("UNIX DGRAM", ProxyHeader.builder().paths("/a", "/b").transport(Transport.DGRAM).build()),
                Named.of("LOCAL", ProxyHeader.builder().command(Command.LOCAL).build()),
                Named.of("LOCAL INET", ProxyHeader.builder().command(Command.LOCAL).addresses(SRC4, DST4).build()),
                Named.of("UNSPEC PROXY", ProxyHeader.builder().build()),
                Named.of("INET DGRAM", ProxyHeader.builder().addresses(SRC4, DST4).transport(Transport.DGRAM).build()),
                Named.of("INET6 DGRAM with NOOP", ProxyHeader.builder().addresses(SRC6, DST6)
                        .transport(Transport.DGRAM).tlv(ProxyTlv.NOOP, new byte[3]).build()));
    }

    @ParameterizedTest
    @MethodSource("v2Headers")
    void v2HeaderReadsBackAsWritten(ProxyHeader h) {
        byte[] wire = encode(h);
        assertEquals(ProxyHeaderEncoder.encodedLength(h), wire.length);
        assertArrayEquals(V2Bytes.SIGNATURE, Arrays.copyOf(wire, 12));
        assertEquals(wire.length - 16, ((wire[14] & 0xFF) << 8) | (wire[15] & 0xFF), "length field");
        assertRoundTrip(h, wire);
    }

    @Test
    void v2FamilyAndCommandBytesFollowTheSpecTable() {
        assertEquals(0x21, encode(ProxyHeader.builder().addresses(SRC4, DST4).build())[12]);
        assertEquals(0x20, encode(ProxyHeader.builder().command(Command.LOCAL).build())[12]);
        assertEquals(0x11, encode(ProxyHeader.builder().addresses(SRC4, DST4).build())[13]);
        assertEquals(0x12, encode(ProxyHeader.builder().addresses(SRC4, DST4).transport(Transport.DGRAM).build())[13]);
        assertEquals(0x21, encode(ProxyHeader.builder().addresses(SRC6, DST6).build())[13]);
        assertEquals(0x22, encode(ProxyHeader.builder().addresses(SRC6, DST6).transport(Transport.DGRAM).build())[13]);
        assertEquals(0x31, encode(ProxyHeader.builder().paths("/a", "/b").build())[13]);
        assertEquals(0x32, encode(ProxyHeader.builder().paths("/a", "/b").transport(Transport.DGRAM).build())[13]);
        assertEquals(0x00, encode(ProxyHeader.builder().build())[13]);
    }

    @Test
    void v2Ipv4AddressesInAnInet6HeaderAreWrittenIpv4Mapped() {
        ProxyHeader h = ProxyHeader.builder().family(Family.INET6).addresses(SRC4, DST4).build();
        byte[] wire = encode(h);
        assertEquals(0x21, wire[13]);
        byte[] mappedSrc = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 10);
        byte[] mappedDst = bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 198, 51, 100, 20);
        assertArrayEquals(mappedSrc, Arrays.copyOfRange(wire, 16, 32));
        assertArrayEquals(mappedDst, Arrays.copyOfRange(wire, 32, 48));
        ProxyHeader back = assertRoundTrip(h, wire);
        assertInstanceOf(Inet4Address.class, back.sourceAddress().getAddress());
    }

    @Test
    void aLocalHeaderWithAFamilyGetsAZeroedAddressBlock() {
        byte[] wire = encode(ProxyHeader.builder().command(Command.LOCAL).addresses(SRC4, DST4).build());
        assertEquals(28, wire.length);
        assertArrayEquals(new byte[12], Arrays.copyOfRange(wire, 16, 28));
    }

    // ------------------------------------------------------------ CRC32C

    private static ProxyHeader crcHeader() {
        return ProxyHeader.builder().addresses(SRC6, DST6)
                .tlv(ProxyTlv.AUTHORITY, "example.com").crc32c().tlv(ProxyTlv.UNIQUE_ID, "uid-42").build();
    }

    @Test
    void theCrc32cTheEncoderWritesVerifies() {
        byte[] wire = encode(crcHeader());
        int crcValue = 16 + 36 + 3 + "example.com".length() + 3;
        assertEquals(ProxyTlv.CRC32C, wire[crcValue - 3]);
        // Recomputed here with java.util.zip.CRC32C over the header with the value zeroed.
        assertArrayEquals(V2Bytes.withCrc32c(wire, crcValue), wire);
        assertFalse(Arrays.equals(new byte[4], Arrays.copyOfRange(wire, crcValue, crcValue + 4)));
        ProxyHeader back = parse(wire);
        assertEquals("example.com", back.authority().orElseThrow());
        assertEquals("uid-42", new String(back.uniqueId().orElseThrow(), StandardCharsets.US_ASCII));
    }

    /**
     * Flipping any byte is detected: refused, or (for a larger length field) still waiting for
     * bytes. The one byte the checksum cannot guard is its own TLV type: changed, the header no
     * longer claims a CRC32C, and is accepted only as a visibly different header without one.
     */
    @Test
    void flippingAnyByteOfACrcProtectedHeaderIsNeverAcceptedUnchanged() {
        ProxyHeader sent = crcHeader();
        byte[] wire = encode(sent);
        int crcType = 16 + 36 + 3 + "example.com".length();
        assertEquals(ProxyTlv.CRC32C, wire[crcType]);
        byte[] payload = new byte[64];
        for (int i = 0; i < wire.length; i++) {
            for (int mask : new int[] {0x01, 0x80, 0xFF}) {
                byte[] bad = concat(wire, payload);
                bad[i] ^= (byte) mask;
                String what = "byte " + i + " ^ 0x" + Integer.toHexString(mask);
                ByteBuf in = Unpooled.wrappedBuffer(bad);
                try {
                    ProxyHeader h = PARSER.parse(in);
                    if (h == null) {
                        assertTrue(i == 14 || i == 15, what + " left the parser waiting");
                    } else {
                        assertEquals(crcType, i, what + " accepted: " + h);
                        assertTrue(h.crc32c().isEmpty(), what + " accepted as checksummed");
                        assertFalse(h.tlvs().equals(parse(wire).tlvs()), what + " accepted unchanged");
                    }
                } catch (ProxyProtocolException expected) {
                    // refused: fine, whatever the reason
                } finally {
                    in.release();
                }
            }
        }
    }

    @Test
    void flippingTheCrcValueItselfIsACrcMismatch() {
        byte[] wire = encode(crcHeader());
        int crcValue = 16 + 36 + 3 + "example.com".length() + 3;
        for (int i = crcValue; i < crcValue + 4; i++) {
            byte[] bad = wire.clone();
            bad[i] ^= 0x01;
            ByteBuf in = Unpooled.wrappedBuffer(bad);
            try {
                ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> PARSER.parse(in));
                assertEquals(ProxyProtocolException.Reason.V2_CRC_MISMATCH, e.reason());
            } finally {
                in.release();
            }
        }
    }

    // ------------------------------------------------------------ byte-equal to real peers

    @Test
    void rebuildsHaproxyV2Tcp4Exactly() {
        ProxyHeader h = ProxyHeader.builder()
                .addresses(address("127.0.0.1", 50002), address("127.0.0.1", 41702)).build();
        assertArrayEquals(capturedHeader("haproxy-v2-tcp4"), encode(h));
    }

    @Test
    void rebuildsHaproxyV1Tcp4Exactly() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1)
                .addresses(address("127.0.0.1", 50001), address("127.0.0.1", 41701)).build();
        assertArrayEquals(capturedHeader("haproxy-v1-tcp4"), encode(h));
    }

    @Test
    void rebuildsHaproxyV1Tcp6Exactly() {
        ProxyHeader h = ProxyHeader.builder().version(Version.V1)
                .addresses(address("::1", 50011), address("::1", 41711)).build();
        assertArrayEquals(capturedHeader("haproxy-v1-tcp6"), encode(h));
    }

    @Test
    void rebuildsHaproxyV2Tcp6Exactly() {
        ProxyHeader h = ProxyHeader.builder().addresses(address("::1", 50012), address("::1", 41712)).build();
        assertArrayEquals(capturedHeader("haproxy-v2-tcp6"), encode(h));
    }

    @Test
    void rebuildsHaproxyV2Tcp6V4MappedExactly() {
        ProxyHeader h = ProxyHeader.builder().family(Family.INET6)
                .addresses(address("127.0.0.1", 50022), address("127.0.0.1", 41722)).build();
        assertArrayEquals(capturedHeader("haproxy-v2-tcp6-v4mapped"), encode(h));
    }

    @Test
    void rebuildsHaproxyV2LocalHealthCheckExactly() {
        assertArrayEquals(capturedHeader("haproxy-v2-local-healthcheck"),
                encode(ProxyHeader.builder().command(Command.LOCAL).build()));
    }

    @Test
    void rebuildsHaproxyV2LocalHealthCheckWithItsCrc32cExactly() {
        assertArrayEquals(capturedHeader("haproxy-v2-local-healthcheck-crc32c"),
                encode(ProxyHeader.builder().command(Command.LOCAL).crc32c().build()));
    }

    @Test
    void rebuildsHaproxyV1UnknownExactly() {
        assertArrayEquals(capturedHeader("haproxy-v1-unknown-unixclient"),
                encode(ProxyHeader.builder().version(Version.V1).build()));
    }

    @Test
    void rebuildsTheHaproxyTls13HeaderWithItsCrc32cExactly() {
        byte[] ssl = concat(bytes(0x07, 0, 0, 0, 0),
                tlv(ProxyTlv.SSL_VERSION, "TLSv1.3"),
                tlv(ProxyTlv.SSL_CN, "client.example"),
                tlv(ProxyTlv.SSL_KEY_ALG, "RSA2048"),
                tlv(ProxyTlv.SSL_SIG_ALG, "RSA-SHA256"),
                tlv(ProxyTlv.SSL_CIPHER, "TLS_AES_256_GCM_SHA384"));
        ProxyHeader h = ProxyHeader.builder()
                .addresses(address("127.0.0.1", 50004), address("127.0.0.1", 41704))
                .crc32c()
                .tlv(ProxyTlv.AUTHORITY, "proxy.test")
                .tlv(ProxyTlv.UNIQUE_ID, "7F000001:C354_7F000001:A2E8_6B0CA082_0006:1BD3")
                .tlv(ProxyTlv.SSL, ssl)
                .build();
        assertArrayEquals(capturedHeader("haproxy-v2-tcp4-tls13-clientcert"), encode(h));
    }

    static List<String> reEncodableVectors() {
        // The ignored rest of an UNKNOWN line is, by the spec, not kept: it cannot be written back.
        return VectorTest.goodVectors().stream()
                .filter(n -> !n.equals("crafted/v1_unknown_junk"))
                .collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reEncodableVectors")
    void aParsedVectorIsWrittenBackByteForByte(String name) {
        byte[] header = capturedHeader(name);
        ProxyHeader h = parse(header);
        assertArrayEquals(header, encode(h));
    }

    // ------------------------------------------------------------ refusals and the handler

    @Test
    void aV2HeaderLongerThanTheLengthFieldCanSayIsRefused() {
        ProxyHeader h = ProxyHeader.builder().addresses(SRC4, DST4)
                .tlv(0xF5, new byte[65535 - 12 - 3]).tlv(ProxyTlv.NOOP, new byte[0]).build();
        ByteBuf out = Unpooled.buffer();
        try {
            assertThrows(IllegalArgumentException.class, () -> ProxyHeaderEncoder.encode(h, out));
        } finally {
            out.release();
        }
    }

    @Test
    void aUnixPathLongerThan107BytesIsRefused() {
        // Refused when the header is built, before anything could be encoded.
        ProxyHeader.Builder b = ProxyHeader.builder().paths("/" + "p".repeat(107), "/b");
        assertThrows(IllegalStateException.class, b::build);
        assertEquals("/" + "p".repeat(106), ProxyHeader.builder().paths("/" + "p".repeat(106), "/b").build().sourcePath());
    }

    @Test
    void theAllocatingEncodeReturnsABufferTheCallerOwns() {
        ByteBuf out = ProxyHeaderEncoder.encode(ByteBufAllocator.DEFAULT, crcHeader());
        try {
            assertEquals(1, out.refCnt());
            assertArrayEquals(encode(crcHeader()), ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    @Test
    void theHandlerWritesTheSameBytesAsTheStaticEncode() {
        ProxyHeader h = crcHeader();
        EmbeddedChannel ch = new EmbeddedChannel(ProxyHeaderEncoder.INSTANCE);
        assertTrue(ch.writeOutbound(h));
        ByteBuf written = ch.readOutbound();
        try {
            assertArrayEquals(encode(h), ByteBufUtil.getBytes(written));
        } finally {
            written.release();
        }
        assertFalse(ch.finish(), "nothing left over");
    }

    @Test
    void toByteArrayHoldsExactlyWhatIsWrittenToABuffer() {
        ProxyHeader v1 = ProxyHeader.builder().version(Version.V1).addresses(SRC6, DST6).build();
        assertArrayEquals(encode(v1), ProxyHeaderEncoder.toByteArray(v1));
        assertArrayEquals(encode(crcHeader()), ProxyHeaderEncoder.toByteArray(crcHeader()));
    }

    // ------------------------------------------------------------ helpers

    private static byte[] encode(ProxyHeader h) {
        ByteBuf out = Unpooled.buffer();
        try {
            ProxyHeaderEncoder.encode(h, out);
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    private static ProxyHeader parse(byte[] wire) {
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        try {
            ProxyHeader h = PARSER.parse(in);
            assertNotNull(h, "complete header");
            return h;
        } finally {
            in.release();
        }
    }

    /** Parses {@code wire} and checks it holds every field of {@code h}; CRC32C values are the encoder's. */
    private static ProxyHeader assertRoundTrip(ProxyHeader h, byte[] wire) {
        ProxyHeader back = parse(wire);
        assertEquals(wire.length, back.headerLength(), "the whole output is one header");
        assertEquals(h.version(), back.version());
        assertEquals(h.command(), back.command());
        assertEquals(h.family(), back.family());
        assertEquals(h.transport(), back.transport());
        assertEquals(h.sourceAddress(), back.sourceAddress());
        assertEquals(h.destinationAddress(), back.destinationAddress());
        assertEquals(h.sourcePath(), back.sourcePath());
        assertEquals(h.destinationPath(), back.destinationPath());
        assertEquals(h.tlvs().size(), back.tlvs().size());
        for (int i = 0; i < h.tlvs().size(); i++) {
            ProxyTlv want = h.tlvs().get(i);
            ProxyTlv got = back.tlvs().get(i);
            assertEquals(want.type(), got.type());
            if (want.type() != ProxyTlv.CRC32C) {
                assertEquals(want, got);
            }
        }
        if (h.tlv(ProxyTlv.CRC32C).isEmpty()) {
            assertEquals(h, back);
        }
        return back;
    }

    private static byte[] capturedHeader(String name) {
        Vector v = Vector.load(name);
        return Arrays.copyOf(v.bytes(), v.headerLength());
    }

    private static InetSocketAddress address(String literal, int port) {
        return new InetSocketAddress(VectorComments.literal(literal), port);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
