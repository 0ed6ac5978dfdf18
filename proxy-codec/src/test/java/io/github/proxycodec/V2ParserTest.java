package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyHeaderParser.Detection;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.github.proxycodec.testing.ByteArrays.bytes;
import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.ByteArrays.repeat;
import static io.github.proxycodec.testing.V2Bytes.LOCAL;
import static io.github.proxycodec.testing.V2Bytes.PROXY;
import static io.github.proxycodec.testing.V2Bytes.SIGNATURE;
import static io.github.proxycodec.testing.V2Bytes.header;
import static io.github.proxycodec.testing.V2Bytes.headerWithLength;
import static io.github.proxycodec.testing.V2Bytes.inet;
import static io.github.proxycodec.testing.V2Bytes.inet6;
import static io.github.proxycodec.testing.V2Bytes.tlv;
import static io.github.proxycodec.testing.V2Bytes.tlvWithLength;
import static io.github.proxycodec.testing.V2Bytes.unix;
import static io.github.proxycodec.testing.V2Bytes.withCrc32c;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The PROXY v2 binary header, one rule per test (SPEC.md, "Version 2"). */
class V2ParserTest {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().build();
    private static final ProxyHeaderParser WITH_DGRAM = ProxyHeaderParser.builder().allowDatagramTransport(true).build();

    /** 192.0.2.10:12345 -> 198.51.100.20:443. */
    private static final byte[] ADDR4 = inet("192.0.2.10", "198.51.100.20", 12345, 443);
    /** 2001:db8::10 -> 2001:db8::20, ports 23456 -> 8443. */
    private static final byte[] ADDR6 = inet6("2001:db8::10", "2001:db8::20", 23456, 8443);

    // ------------------------------------------------------------ signature and detection

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
    void aSignatureMismatchOnByteKIsDecidedWithKPlusOneBytes(int k) {
        byte[] b = Arrays.copyOf(SIGNATURE, k + 1);
        b[k] ^= 0x40;
        assertEquals(Detection.NOT_PROXY, detect(b));
        assertRefused(Reason.NOT_A_PROXY_HEADER, b);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
    void aMatchingSignaturePrefixWaitsForMore(int n) {
        byte[] b = Arrays.copyOf(SIGNATURE, n);
        assertEquals(Detection.NEED_MORE, detect(b));
        assertNull(parse(PARSER, b));
    }

    @Test
    void theWholeSignatureIsDetectedAsV2() {
        assertEquals(Detection.V2, detect(SIGNATURE));
        assertNull(parse(PARSER, SIGNATURE), "version byte not yet seen");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5})
    void aV1PrefixMismatchOnByteKIsDecidedWithKPlusOneBytes(int k) {
        byte[] b = Arrays.copyOf("PROXY ".getBytes(StandardCharsets.US_ASCII), k + 1);
        b[k] ^= 0x40;
        assertEquals(Detection.NOT_PROXY, detect(b));
        assertRefused(Reason.NOT_A_PROXY_HEADER, b);
    }

    @Test
    void plainGetIsRefusedOnTheFirstByte() {
        byte[] g = "G".getBytes(StandardCharsets.US_ASCII);
        assertEquals(Detection.NOT_PROXY, detect(g));
        assertRefused(Reason.NOT_A_PROXY_HEADER, g);
    }

    @Test
    void aTlsClientHelloIsRefusedOnTheFirstByte() {
        assertRefused(Reason.NOT_A_PROXY_HEADER, bytes(0x16));
    }

    @Test
    void anEmptyBufferIsIncomplete() {
        assertEquals(Detection.NEED_MORE, detect(new byte[0]));
        assertNull(parse(PARSER, new byte[0]));
    }

    @Test
    void v2IsRefusedWhenNotAccepted() {
        ProxyHeaderParser v1Only = ProxyHeaderParser.builder().acceptV2(false).build();
        assertRefused(v1Only, Reason.VERSION_NOT_ACCEPTED, header(PROXY, 0x11, ADDR4));
    }

    // ------------------------------------------------------------ version and command

    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x11, 0x10, 0x31, 0xF1})
    void theVersionNibbleMustBe2AndIsJudgedOnByte13(int verCmd) {
        assertRefused(Reason.V2_UNSUPPORTED_VERSION, concat(SIGNATURE, bytes(verCmd)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x22, 0x23, 0x2F})
    void theCommandNibbleMustBeLocalOrProxyAndIsJudgedOnByte13(int verCmd) {
        assertRefused(Reason.V2_UNSUPPORTED_COMMAND, concat(SIGNATURE, bytes(verCmd)));
    }

    // ------------------------------------------------------------ family and transport

    @ParameterizedTest
    @CsvSource({
        "0x00, UNSPEC, UNSPEC, 0",
        "0x11, INET,   STREAM, 12",
        "0x12, INET,   DGRAM,  12",
        "0x21, INET6,  STREAM, 36",
        "0x22, INET6,  DGRAM,  36",
        "0x31, UNIX,   STREAM, 216",
        "0x32, UNIX,   DGRAM,  216",
    })
    void everyValidFamilyByteIsAccepted(String famByte, Family family, Transport transport, int blockLength) {
        int fam = Integer.decode(famByte);
        byte[] block = blockLength == 12 ? ADDR4 : blockLength == 36 ? ADDR6
                : blockLength == 216 ? unix("/a", "/b") : new byte[0];
        ProxyHeader h = parse(WITH_DGRAM, header(PROXY, fam, block));
        assertNotNull(h);
        assertEquals(Version.V2, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(family, h.family());
        assertEquals(transport, h.transport());
        assertEquals(16 + blockLength, h.headerLength());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x02, 0x10, 0x13, 0x20, 0x23, 0x30, 0x33, 0x41, 0x42, 0xFF})
    void anInvalidFamilyByteIsRefusedAfter14Bytes(int fam) {
        byte[] fourteen = concat(SIGNATURE, bytes(PROXY, fam));
        assertNull(parse(WITH_DGRAM, Arrays.copyOf(fourteen, 13)), "not decidable from 13 bytes");
        assertRefused(WITH_DGRAM, Reason.V2_UNSUPPORTED_FAMILY, fourteen);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x12, 0x22, 0x32})
    void dgramTransportsAreRefusedOnTcpByDefaultAfter14Bytes(int fam) {
        assertRefused(Reason.TRANSPORT_NOT_ALLOWED, concat(SIGNATURE, bytes(PROXY, fam)));
    }

    @Test
    void streamTransportIsRefusedWhenNotAllowed() {
        ProxyHeaderParser dgramOnly = ProxyHeaderParser.builder().allowStreamTransport(false).allowDatagramTransport(true).build();
        assertRefused(dgramOnly, Reason.TRANSPORT_NOT_ALLOWED, header(PROXY, 0x11, ADDR4));
        assertNotNull(parse(dgramOnly, header(PROXY, 0x12, ADDR4)));
    }

    // ------------------------------------------------------------ length

    @ParameterizedTest
    @CsvSource({"0x11, 11", "0x11, 0", "0x21, 35", "0x21, 12", "0x31, 215", "0x31, 0"})
    void aLengthSmallerThanTheAddressBlockIsRefusedFrom16Bytes(String famByte, int length) {
        byte[] sixteen = headerWithLength(PROXY, Integer.decode(famByte), length);
        assertRefused(Reason.V2_ADDRESS_TRUNCATED, sixteen);
    }

    @Test
    void aLengthOverTheDefaultCapIsRefusedFromTheFirst16Bytes() {
        assertEquals(4096, PARSER.maxV2HeaderLength());
        assertRefused(Reason.V2_TOO_LONG, headerWithLength(PROXY, 0x11, 4096 - 16 + 1));
        assertRefused(Reason.V2_TOO_LONG, headerWithLength(PROXY, 0x11, 0xFFFF));
    }

    @Test
    void aHeaderOfExactlyTheCapIsAccepted() {
        byte[] h = header(PROXY, 0x11, ADDR4, tlv(0xF5, new byte[4096 - 16 - 12 - 3]));
        assertEquals(4096, h.length);
        assertNull(parse(PARSER, Arrays.copyOf(h, 16)), "16 bytes: within the cap, waits for the rest");
        assertEquals(4096, parse(PARSER, h).headerLength());
    }

    @Test
    void theCapIsConfigurable() {
        ProxyHeaderParser small = ProxyHeaderParser.builder().maxV2HeaderLength(28).build();
        assertNotNull(parse(small, header(PROXY, 0x11, ADDR4)));
        assertRefused(small, Reason.V2_TOO_LONG, headerWithLength(PROXY, 0x11, 13));
    }

    @Test
    void theCapGoesUpTo16Plus65535() {
        ProxyHeaderParser max = ProxyHeaderParser.builder().maxV2HeaderLength(16 + 65535).build();
        byte[] h = header(PROXY, 0x11, ADDR4, tlv(0xF5, new byte[65535 - 12 - 3]));
        assertEquals(16 + 65535, h.length);
        ProxyHeader p = parse(max, h);
        assertEquals(16 + 65535, p.headerLength());
        assertEquals(65535 - 12 - 3, p.tlv(0xF5).orElseThrow().length());
        assertThrows(IllegalArgumentException.class, () -> ProxyHeaderParser.builder().maxV2HeaderLength(16 + 65536));
        assertThrows(IllegalArgumentException.class, () -> ProxyHeaderParser.builder().maxV2HeaderLength(15));
    }

    @Test
    void exactly16PlusLengthBytesAreTheHeaderAndTheRestIsPayload() {
        byte[] payload = "PING\n".getBytes(StandardCharsets.US_ASCII);
        ProxyHeader h = parse(PARSER, concat(header(PROXY, 0x11, ADDR4), payload));
        assertEquals(28, h.headerLength());
    }

    // ------------------------------------------------------------ addresses

    @Test
    void inetAddressesAndPortsAreBigEndian() {
        byte[] block = inet("10.0.0.1", "255.255.255.255", 0xFFFF, 0);
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, block));
        assertEquals(new InetSocketAddress(VectorComments.literal("10.0.0.1"), 65535), h.sourceAddress());
        assertEquals(new InetSocketAddress(VectorComments.literal("255.255.255.255"), 0), h.destinationAddress());
    }

    @Test
    void inet6AddressesAreRead() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x21, ADDR6));
        assertEquals(new InetSocketAddress(VectorComments.literal("2001:db8::10"), 23456), h.sourceAddress());
        assertEquals(new InetSocketAddress(VectorComments.literal("2001:db8::20"), 8443), h.destinationAddress());
    }

    @Test
    void unixPathsAreReadUpToTheirNul() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x31, unix("/var/run/client.sock", "/run/haproxy.sock")));
        assertEquals(Family.UNIX, h.family());
        assertEquals("/var/run/client.sock", h.sourcePath());
        assertEquals("/run/haproxy.sock", h.destinationPath());
        assertFalse(h.hasInetAddresses());
        assertEquals(16 + 216, h.headerLength());
    }

    @Test
    void aUnixPathMayFillAll108Bytes() {
        String full = "/" + "p".repeat(107);
        ProxyHeader h = parse(PARSER, header(PROXY, 0x31, unix(full, "/b")));
        assertEquals(full, h.sourcePath());
        assertEquals("/b", h.destinationPath());
    }

    @Test
    void unixPathsAreFollowedByTlvs() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x31, unix("/a", "/b"), tlv(ProxyTlv.AUTHORITY, "example.com")));
        assertEquals("example.com", h.authority().orElseThrow());
    }

    // ------------------------------------------------------------ LOCAL and UNSPEC

    @Test
    void localIsAcceptedAndItsAddressBlockDiscarded() {
        byte[] payload = "PING\n".getBytes(StandardCharsets.US_ASCII);
        ProxyHeader h = parse(PARSER, concat(header(LOCAL, 0x11, ADDR4), payload));
        assertEquals(Command.LOCAL, h.command());
        assertNull(h.sourceAddress());
        assertNull(h.destinationAddress());
        assertFalse(h.hasInetAddresses());
        assertEquals(28, h.headerLength());
    }

    @Test
    void localSkipsItsWholeLengthTlvsIncluded() {
        ProxyHeader h = parse(PARSER, header(LOCAL, 0x21, ADDR6, tlv(ProxyTlv.NOOP, new byte[7])));
        assertEquals(Command.LOCAL, h.command());
        assertNull(h.sourceAddress());
        assertEquals(16 + 36 + 3 + 7, h.headerLength());
    }

    @Test
    void localWithAUnixBlockHasNoPaths() {
        ProxyHeader h = parse(PARSER, header(LOCAL, 0x31, unix("/a", "/b")));
        assertNull(h.sourcePath());
        assertNull(h.destinationPath());
    }

    @Test
    void localIgnoresItsFamilyEvenWithoutAnAddressBlock() {
        // The spec: for LOCAL the receiver discards the protocol block, family included.
        ProxyHeader h = parse(PARSER, header(LOCAL, 0x21));
        assertEquals(Command.LOCAL, h.command());
        assertEquals(16, h.headerLength());
        assertNull(h.sourceAddress());
        ProxyProtocolException e = assertThrows(ProxyProtocolException.class,
                () -> parse(PARSER, header(PROXY, 0x21)));
        assertEquals(ProxyProtocolException.Reason.V2_ADDRESS_TRUNCATED, e.reason(), "PROXY still needs its block");
    }

    @Test
    void localIsAcceptedWhateverTransportItNames() {
        ProxyHeader h = parse(PARSER, header(LOCAL, 0x12, ADDR4));
        assertEquals(Command.LOCAL, h.command());
    }

    @Test
    void proxyWithUnspecFamilyIsAcceptedWithoutAddresses() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x00));
        assertEquals(Command.PROXY, h.command());
        assertEquals(Family.UNSPEC, h.family());
        assertEquals(Transport.UNSPEC, h.transport());
        assertNull(h.sourceAddress());
        assertEquals(16, h.headerLength());
    }

    @Test
    void proxyWithUnspecFamilyIsRefusedWhenConfigured() {
        ProxyHeaderParser strict = ProxyHeaderParser.builder().rejectUnspecProxy(true).build();
        assertRefused(strict, Reason.UNSPEC_NOT_ALLOWED, header(PROXY, 0x00));
        assertEquals(Command.LOCAL, parse(strict, header(LOCAL, 0x00)).command(), "LOCAL is still fine");
    }

    // ------------------------------------------------------------ TLV framing

    @Test
    void aTlvEndingExactlyAtTheHeaderEndIsAccepted() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.ALPN, "h2")));
        assertEquals(1, h.tlvs().size());
    }

    @Test
    void aTlvRunningPastTheHeaderEndIsRefused() {
        byte[] h = header(PROXY, 0x11, ADDR4, tlvWithLength(ProxyTlv.ALPN, 3, "h2".getBytes(StandardCharsets.US_ASCII)));
        assertRefused(Reason.V2_TLV_MALFORMED, h);
    }

    @Test
    void aTlvCannotBorrowBytesFromThePayload() {
        byte[] h = header(PROXY, 0x11, ADDR4, tlvWithLength(ProxyTlv.ALPN, 3, "h2".getBytes(StandardCharsets.US_ASCII)));
        assertRefused(Reason.V2_TLV_MALFORMED, concat(h, "PING".getBytes(StandardCharsets.US_ASCII)));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aTruncatedTlvHeaderIsRefused(int leftover) {
        byte[] h = header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.ALPN, "h2"), Arrays.copyOf(bytes(ProxyTlv.NOOP, 0, 0), leftover));
        assertRefused(Reason.V2_TLV_MALFORMED, h);
    }

    @Test
    void unknownTlvTypesAreKeptRaw() {
        byte[] value = bytes(0xde, 0xad, 0xbe, 0xef);
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xF5, value), tlv(0xF8, new byte[0])));
        ProxyTlv t = h.tlv(0xF5).orElseThrow();
        assertArrayEquals(value, t.value());
        assertEquals("deadbeef", t.valueAsHex());
        assertEquals(0, h.tlv(0xF8).orElseThrow().length());
    }

    @Test
    void noopPaddingIsAcceptedAndVisible() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.NOOP, new byte[5])));
        assertTrue(h.hasNoop());
    }

    @Test
    void tlvsAreKeptInTheOrderReceived() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4,
                tlv(ProxyTlv.NETNS, "ns"), tlv(ProxyTlv.ALPN, "h2"), tlv(ProxyTlv.NETNS, "second")));
        assertEquals(3, h.tlvs().size());
        assertEquals(ProxyTlv.NETNS, h.tlvs().get(0).type());
        assertEquals(ProxyTlv.ALPN, h.tlvs().get(1).type());
        assertEquals("ns", h.netns().orElseThrow(), "the first of a repeated type");
    }

    @Test
    void tlvValuesAreCopiedOutOfTheBuffer() {
        ByteBuf in = Unpooled.copiedBuffer(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.AUTHORITY, "example.com")));
        ProxyHeader h;
        try {
            h = PARSER.parse(in);
            in.setZero(0, in.capacity());
        } finally {
            in.release();
        }
        assertEquals("example.com", h.authority().orElseThrow(), "unchanged after the buffer was zeroed and released");
        byte[] v = h.tlv(ProxyTlv.AUTHORITY).orElseThrow().value();
        v[0] = 'X';
        assertEquals("example.com", h.authority().orElseThrow(), "value() hands out a copy");
    }

    // ------------------------------------------------------------ AUTHORITY and UNIQUE_ID caps

    @Test
    void anAuthorityOf255BytesIsAccepted() {
        String name = "a".repeat(255);
        assertEquals(name, parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.AUTHORITY, name))).authority().orElseThrow());
    }

    @Test
    void anAuthorityOf256BytesIsTooLong() {
        assertRefused(Reason.V2_TLV_TOO_LONG, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.AUTHORITY, "a".repeat(256))));
    }

    @Test
    void aUniqueIdOf128BytesIsAccepted() {
        byte[] id = repeat(0x5A, 128);
        assertArrayEquals(id, parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.UNIQUE_ID, id))).uniqueId().orElseThrow());
    }

    @Test
    void aUniqueIdOf129BytesIsTooLong() {
        assertRefused(Reason.V2_TLV_TOO_LONG, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.UNIQUE_ID, repeat(0x5A, 129))));
    }

    @Test
    void anEmptyUniqueIdIsAccepted() {
        byte[] id = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.UNIQUE_ID, new byte[0]))).uniqueId().orElseThrow();
        assertEquals(0, id.length);
    }

    // ------------------------------------------------------------ CRC32C

    /** 16 + 12 address bytes + 3 TLV header bytes: where the first TLV's value starts. */
    private static final int FIRST_TLV_VALUE = 31;

    @Test
    void aCorrectCrc32cIsAccepted() {
        byte[] h = withCrc32c(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[4]),
                tlv(ProxyTlv.AUTHORITY, "example.com")), FIRST_TLV_VALUE);
        ProxyHeader p = parse(PARSER, h);
        long onWire = ((h[31] & 0xFFL) << 24) | ((h[32] & 0xFF) << 16) | ((h[33] & 0xFF) << 8) | (h[34] & 0xFF);
        assertEquals(onWire, p.crc32c().getAsLong());
    }

    @Test
    void aWrongCrc32cIsRefused() {
        byte[] h = withCrc32c(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[4])), FIRST_TLV_VALUE);
        h[FIRST_TLV_VALUE + 3] ^= 0x01;
        assertRefused(Reason.V2_CRC_MISMATCH, h);
    }

    @Test
    void theCrc32cCoversTlvsAfterIt() {
        byte[] h = withCrc32c(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[4]),
                tlv(ProxyTlv.AUTHORITY, "example.com")), FIRST_TLV_VALUE);
        h[h.length - 1] = 'n';
        assertRefused(Reason.V2_CRC_MISMATCH, h);
    }

    @Test
    void theCrc32cCoversTheFixedPart() {
        byte[] h = withCrc32c(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[4])), FIRST_TLV_VALUE);
        h[27] ^= 0x01; // destination port
        assertRefused(Reason.V2_CRC_MISMATCH, h);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 5, 8})
    void aCrc32cTlvThatIsNot4BytesIsRefused(int length) {
        assertRefused(Reason.V2_TLV_MALFORMED, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[length])));
    }

    @Test
    void aSecondCrc32cTlvIsRefused() {
        byte[] h = withCrc32c(header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.CRC32C, new byte[4]),
                tlv(ProxyTlv.CRC32C, new byte[4])), FIRST_TLV_VALUE);
        assertRefused(Reason.V2_TLV_MALFORMED, h);
    }

    // ------------------------------------------------------------ SSL

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void anSslTlvShorterThan5BytesIsMalformed(int length) {
        assertRefused(Reason.V2_TLV_MALFORMED, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.SSL, new byte[length])));
    }

    @Test
    void anSslSubTlvRunningPastTheSslTlvIsMalformed() {
        byte[] ssl = concat(bytes(0x01, 0, 0, 0, 0), tlvWithLength(ProxyTlv.SSL_VERSION, 8, "TLSv1.3".getBytes(StandardCharsets.US_ASCII)));
        // The outer TLV is well framed (and followed by another), only the sub-TLV overruns it.
        assertRefused(Reason.V2_TLV_MALFORMED, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.SSL, ssl), tlv(ProxyTlv.NOOP, "x")));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aTruncatedSslSubTlvHeaderIsMalformed(int leftover) {
        byte[] ssl = concat(bytes(0x01, 0, 0, 0, 0), Arrays.copyOf(bytes(ProxyTlv.SSL_CN, 0, 0), leftover));
        assertRefused(Reason.V2_TLV_MALFORMED, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.SSL, ssl)));
    }

    @Test
    void anSslTlvOfOnlyClientAndVerifyIsAccepted() {
        ProxySslInfo ssl = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.SSL, bytes(0x01, 0, 0, 0, 0))))
                .ssl().orElseThrow();
        assertTrue(ssl.isSsl());
        assertFalse(ssl.hasClientCertificateInConnection());
        assertFalse(ssl.hasClientCertificateInSession());
        assertTrue(ssl.isVerified());
        assertTrue(ssl.subTlvs().isEmpty());
    }

    @Test
    void sslClientFlagsAndVerifyAreReadAsTheyAre() {
        byte[] cert = bytes(0x30, 0x82, 0x01, 0x0a);
        byte[] ssl = concat(bytes(0x06, 0xFF, 0xFF, 0xFF, 0xFE),
                tlv(ProxyTlv.SSL_GROUP, "X25519"), tlv(ProxyTlv.SSL_SIG_SCHEME, "ecdsa_secp256r1_sha256"),
                tlv(ProxyTlv.SSL_CLIENT_CERT, cert));
        ProxySslInfo info = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.SSL, ssl))).ssl().orElseThrow();
        assertEquals(0x06, info.clientFlags());
        assertFalse(info.isSsl());
        assertTrue(info.hasClientCertificateInConnection());
        assertTrue(info.hasClientCertificateInSession());
        assertEquals(0xFFFFFFFEL, info.verifyResult(), "unsigned 32-bit");
        assertFalse(info.isVerified());
        assertEquals("X25519", info.group().orElseThrow());
        assertEquals("ecdsa_secp256r1_sha256", info.signatureScheme().orElseThrow());
        assertArrayEquals(cert, info.clientCertificate().orElseThrow());
    }

    // ------------------------------------------------------------ typed views

    @Test
    void alpnIsReadAsText() {
        assertEquals("h2", parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.ALPN, "h2"))).alpn().orElseThrow());
    }

    @Test
    void netnsIsReadAsText() {
        assertEquals("blue", parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(ProxyTlv.NETNS, "blue"))).netns().orElseThrow());
    }

    @Test
    void awsVpcEndpointIdIsSubtype1OfTlv0xEA() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4,
                tlv(0xEA, concat(bytes(0x01), "vpce-08d2bf15fac5001c9".getBytes(StandardCharsets.US_ASCII)))));
        assertEquals("vpce-08d2bf15fac5001c9", h.awsVpcEndpointId().orElseThrow());
    }

    @Test
    void anotherAwsSubtypeIsNotAVpcEndpointId() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xEA, concat(bytes(0x02), "other".getBytes(StandardCharsets.US_ASCII)))));
        assertTrue(h.awsVpcEndpointId().isEmpty());
        assertTrue(h.tlv(0xEA).isPresent(), "still kept raw");
    }

    @Test
    void azurePrivateLinkIdIsSubtype1OfTlv0xEEAsU32LittleEndian() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xEE, bytes(0x01, 0x78, 0x56, 0x34, 0x12))));
        assertEquals(0x12345678L, h.azurePrivateLinkId().getAsLong());
    }

    @Test
    void azurePrivateLinkIdIsUnsigned() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xEE, bytes(0x01, 0xFE, 0xFF, 0xFF, 0xFF))));
        assertEquals(4294967294L, h.azurePrivateLinkId().getAsLong());
    }

    @Test
    void gcpPscConnectionIdIsTlv0xE0AsU64BigEndian() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xE0, bytes(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08))));
        assertEquals(0x0102030405060708L, h.gcpPscConnectionId().getAsLong());
    }

    @Test
    void gcpPscConnectionIdUsesAll64Bits() {
        ProxyHeader h = parse(PARSER, header(PROXY, 0x11, ADDR4, tlv(0xE0, bytes(0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE))));
        assertEquals("18446744073709551614", Long.toUnsignedString(h.gcpPscConnectionId().getAsLong()));
    }

    // ------------------------------------------------------------ helpers

    private static Detection detect(byte[] b) {
        ByteBuf in = Unpooled.wrappedBuffer(b);
        try {
            return ProxyHeaderParser.detect(in);
        } finally {
            in.release();
        }
    }

    private static ProxyHeader parse(ProxyHeaderParser parser, byte[] b) {
        ByteBuf in = Unpooled.copiedBuffer(b);
        try {
            return parser.parse(in);
        } finally {
            in.release();
        }
    }

    private static void assertRefused(Reason reason, byte[] b) {
        assertRefused(PARSER, reason, b);
    }

    private static void assertRefused(ProxyHeaderParser parser, Reason reason, byte[] b) {
        ByteBuf in = Unpooled.copiedBuffer(b);
        try {
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> parser.parse(in));
            assertEquals(reason, e.reason(), e.getMessage());
        } finally {
            in.release();
        }
    }
}
