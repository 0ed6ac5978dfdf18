package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The PROXY v1 text line, one rule per test:
 * {@code PROXY SP (TCP4|TCP6|UNKNOWN) SP src SP dst SP srcport SP dstport CRLF}, at most 107 bytes.
 */
class V1ParserTest {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().build();

    // ------------------------------------------------------------ the whole line

    @Test
    void wellFormedTcp4LineIsAccepted() {
        ProxyHeader h = parse("PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n");
        assertEquals(Version.V1, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(Family.INET, h.family());
        assertEquals(Transport.STREAM, h.transport());
        assertEquals(new InetSocketAddress(ip("192.0.2.10"), 12345), h.sourceAddress());
        assertEquals(new InetSocketAddress(ip("198.51.100.20"), 443), h.destinationAddress());
        assertEquals(47, h.headerLength());
        assertEquals(0, h.tlvs().size());
    }

    @Test
    void headerLengthEndsAfterCrlfAndTheBytesAfterAreNotPartOfIt() {
        String line = "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n";
        ProxyHeader h = parse(line + "GET / HTTP/1.1\r\n\r\n");
        assertEquals(line.length(), h.headerLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY  TCP4 192.0.2.10 198.51.100.20 12345 443\r\n",
        "PROXY TCP4  192.0.2.10 198.51.100.20 12345 443\r\n",
        "PROXY TCP4 192.0.2.10  198.51.100.20 12345 443\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.20  12345 443\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345  443\r\n",
    })
    void fieldsAreSeparatedByExactlyOneSpace(String line) {
        assertRefused(Reason.V1_MALFORMED, line);
    }

    @Test
    void aSpaceBeforeProxyIsNotAHeader() {
        assertRefused(Reason.NOT_A_PROXY_HEADER, " PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n");
    }

    @Test
    void aSpaceBeforeCrlfIsRefused() {
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443 \r\n");
    }

    @Test
    void aTabDoesNotSeparateFields() {
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.10\t198.51.100.20 12345 443\r\n");
    }

    @Test
    void aCrAtTheEndOfWhatArrivedWaitsForItsLf() {
        assertNull(parseOrNull("PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\rX\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\r\n",
        "PROXY TCP4 192.0.2.10\r198.51.100.20 12345 443\r\n",
    })
    void aLoneCrIsRefused(String line) {
        assertRefused(Reason.V1_MALFORMED, line);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\n",
        "PROXY TCP4 192.0.2.10\n198.51.100.20 12345 443\r\n",
        "PROXY UNKNOWN\n",
    })
    void aLoneLfIsRefused(String line) {
        assertRefused(Reason.V1_MALFORMED, line);
    }

    @Test
    void aLoneLfIsRefusedBeforeTheLineIsComplete() {
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.10\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP4 192.0.2.10 198.51.100.20 12345\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.20\r\n",
        "PROXY TCP4 192.0.2.10\r\n",
        "PROXY TCP4\r\n",
        "PROXY \r\n",
    })
    void missingFieldsAreRefused(String line) {
        assertRefused(Reason.V1_MALFORMED, line);
    }

    @Test
    void anExtraFieldIsRefused() {
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.10 198.51.100.20 12345 443 80\r\n");
    }

    // ------------------------------------------------------------ 107-byte limit

    /** A valid TCP6 line of exactly {@code length} bytes, CRLF included. */
    private static String lineOfLength(int length) {
        // 45-character IPv6 literal with an embedded dotted quad, then a full 8-group one trimmed to fit.
        String src = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";
        String fixed = "PROXY TCP6 " + src + " " + " 65535 65535\r\n";
        int dstLength = length - fixed.length();
        String groups = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:";
        String dst = groups + "ffff".substring(0, dstLength - groups.length());
        String line = "PROXY TCP6 " + src + " " + dst + " 65535 65535\r\n";
        assertEquals(length, line.length());
        return line;
    }

    @Test
    void aLineOf107BytesIsAccepted() {
        ProxyHeader h = parse(lineOfLength(107));
        assertEquals(107, h.headerLength());
        assertEquals(Family.INET6, h.family());
        assertEquals(65535, h.destinationAddress().getPort());
    }

    @Test
    void aLineOf108BytesIsTooLong() {
        assertRefused(Reason.V1_TOO_LONG, lineOfLength(108));
    }

    @Test
    void anIncomplete106BytePrefixWithoutCrIsRefusedAsItCannotFit() {
        String prefix = lineOfLength(108).substring(0, 106);
        assertFalse(prefix.contains("\r"));
        assertRefused(Reason.V1_TOO_LONG, prefix);
    }

    @Test
    void anIncomplete105BytePrefixWithoutCrMayStillFit() {
        String prefix = lineOfLength(108).substring(0, 105);
        assertNull(parseOrNull(prefix));
    }

    @Test
    void aLongUnknownLineIsStillCappedAt107Bytes() {
        assertRefused(Reason.V1_TOO_LONG, "PROXY UNKNOWN " + "x".repeat(200) + "\r\n");
    }

    // ------------------------------------------------------------ TCP4 addresses

    @ParameterizedTest
    @CsvSource({
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "10.0.0.1, 10.0.0.1",
        "100.64.9.200, 100.64.9.200",
    })
    void dottedQuadsAreAccepted(String text, String expected) {
        ProxyHeader h = parse("PROXY TCP4 " + text + " 192.0.2.1 1 2\r\n");
        assertEquals(ip(expected), h.sourceAddress().getAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"256.0.0.1", "1.2.3.256", "192.0.2.300", "999.1.1.1", "1.2.3.1000"})
    void tcp4OctetsAbove255AreRefused(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP4 " + address + " 192.0.2.1 1 2\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"01.2.3.4", "1.2.3.04", "1.02.3.4", "00.0.0.0", "1.2.3.00"})
    void tcp4OctetsWithLeadingZerosAreRefused(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP4 192.0.2.1 " + address + " 1 2\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1", "1.2.3.4.5", "1.2.3.", "1..2.3", ".1.2.3", "1.2.3.4."})
    void tcp4NeedsExactlyFourOctets(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP4 " + address + " 192.0.2.1 1 2\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "example.com", "a.b.c.d", "0x7f.0.0.1", "1.2.3.-4", "+1.2.3.4"})
    void tcp4AddressesAreLiteralsNeverNames(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP4 " + address + " 192.0.2.1 1 2\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"::1", "::ffff:1.2.3.4", "2001:db8::1"})
    void ipv6AddressInATcp4LineIsRefused(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP4 " + address + " 192.0.2.1 1 2\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3.4", "192.0.2.10"})
    void ipv4AddressInATcp6LineIsRefused(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP6 " + address + " ::1 1 2\r\n");
    }

    // ------------------------------------------------------------ TCP6 addresses

    /** Each accepted form with the same address written out in full (8 groups). */
    @ParameterizedTest
    @CsvSource({
        "::, 0:0:0:0:0:0:0:0",
        "::1, 0:0:0:0:0:0:0:1",
        "1::, 1:0:0:0:0:0:0:0",
        "2001:db8::10, 2001:db8:0:0:0:0:0:10",
        "2001:db8:0:0:1:0:0:1, 2001:db8:0:0:1:0:0:1",
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8:0:0:0:0:0:1",
        "2001:DB8::ABCD, 2001:db8:0:0:0:0:0:abcd",
        "fe80::1:2, fe80:0:0:0:0:0:1:2",
        "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8",
        "64:ff9b::192.0.2.33, 64:ff9b:0:0:0:0:c000:221",
        "1:2:3:4:5:6:1.2.3.4, 1:2:3:4:5:6:102:304",
    })
    void ipv6TextFormsAreAccepted(String text, String fullForm) {
        ProxyHeader h = parse("PROXY TCP6 " + text + " ::1 1 2\r\n");
        assertArrayEquals(groups(fullForm), h.sourceAddress().getAddress().getAddress());
    }

    @Test
    void ipv4MappedIpv6TextIsAcceptedAsTheIpv4Address() {
        ProxyHeader h = parse("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n");
        assertEquals(Family.INET6, h.family());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, h.sourceAddress().getAddress().getAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "fe80::1%eth0",      // zone id
        "fe80::1%1",         // numeric zone id
        ":::",               // three colons
        "1::2::3",           // two ::
        "::1::",             // two ::
        "1:2:3:4:5:6:7:8:9", // nine groups
        "1:2:3:4:5:6:7",     // seven groups without ::
        "1:2:3:4:5:6:7:8::", // :: standing for no group
        "1:2:3:4:5:6:7::8",  // :: standing for no group
        "12345::1",          // five-digit group
        "::12345",           // five-digit group
        ":1::2",             // lone leading colon
        "1::2:",             // lone trailing colon
        "[::1]",             // brackets
        "::g",               // not hex
        ":",
        "::ffff:1.2.3",      // short embedded IPv4
        "::ffff:1.2.3.256",  // embedded octet over 255
        "::ffff:01.2.3.4",   // embedded leading zero
        "::1.2.3.4:5",       // embedded IPv4 not last
        "1:2:3:4:5:6:7:1.2.3.4", // nine groups' worth
        "localhost",
    })
    void malformedIpv6TextIsRefused(String address) {
        assertRefused(Reason.V1_INVALID_ADDRESS, "PROXY TCP6 " + address + " ::1 1 2\r\n");
    }

    // ------------------------------------------------------------ ports

    @ParameterizedTest
    @CsvSource({"0, 0", "1, 1", "80, 80", "65535, 65535"})
    void portsFrom0To65535AreAccepted(String text, int port) {
        ProxyHeader h = parse("PROXY TCP4 192.0.2.1 192.0.2.2 " + text + " " + text + "\r\n");
        assertEquals(port, h.sourceAddress().getPort());
        assertEquals(port, h.destinationAddress().getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {"65536", "99999", "100000", "-1", "+1", "080", "00", "1a", "0x50", "1e3"})
    void sourcePortsOutsideTheGrammarAreRefused(String port) {
        assertRefused(Reason.V1_INVALID_PORT, "PROXY TCP4 192.0.2.1 192.0.2.2 " + port + " 443\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"65536", "-1", "+1", "080", "443x"})
    void destinationPortsOutsideTheGrammarAreRefused(String port) {
        assertRefused(Reason.V1_INVALID_PORT, "PROXY TCP4 192.0.2.1 192.0.2.2 443 " + port + "\r\n");
    }

    @Test
    void anEmptyPortIsRefused() {
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.1 192.0.2.2  443\r\n");
        assertRefused(Reason.V1_MALFORMED, "PROXY TCP4 192.0.2.1 192.0.2.2 443 \r\n");
    }

    // ------------------------------------------------------------ UNKNOWN

    @Test
    void unknownAloneIsAcceptedWithoutAddresses() {
        ProxyHeader h = parse("PROXY UNKNOWN\r\n");
        assertEquals(Family.UNSPEC, h.family());
        assertEquals(Transport.UNSPEC, h.transport());
        assertNull(h.sourceAddress());
        assertNull(h.destinationAddress());
        assertEquals(15, h.headerLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
        "PROXY UNKNOWN 192.0.2.300 whatever 99999 -1\r\n",
        "PROXY UNKNOWN \r\n",
    })
    void theRestOfAnUnknownLineIsIgnored(String line) {
        ProxyHeader h = parse(line);
        assertEquals(Family.UNSPEC, h.family());
        assertNull(h.sourceAddress());
        assertEquals(line.length(), h.headerLength());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY UNKNOWNX\r\n", "PROXY UNKNOWN4 1.2.3.4 1.2.3.4 1 2\r\n"})
    void aWordThatOnlyStartsWithUnknownIsRefused(String line) {
        assertRefused(Reason.V1_MALFORMED, line);
    }

    // ------------------------------------------------------------ protocol word

    @ParameterizedTest
    @ValueSource(strings = {"PROXY UDP4 ", "PROXY UD", "PROXY TCP5", "PROXY tcp4", "PROXY TCP4X", "PROXY X"})
    void anUnknownProtocolWordIsRefusedAsSoonAsItIsSeen(String partial) {
        assertRefused(Reason.V1_MALFORMED, partial);
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY ", "PROXY T", "PROXY TCP", "PROXY TCP4", "PROXY U", "PROXY UNKNOWN"})
    void aProtocolWordThatMayStillMatchWaitsForMore(String partial) {
        assertNull(parseOrNull(partial));
    }

    @ParameterizedTest
    @ValueSource(strings = {"P", "PR", "PROX", "PROXY"})
    void aPartialProxyPrefixWaitsForMore(String partial) {
        assertNull(parseOrNull(partial));
    }

    // ------------------------------------------------------------ configuration

    @Test
    void v1IsRefusedWhenNotAccepted() {
        ProxyHeaderParser v2Only = ProxyHeaderParser.builder().acceptV1(false).build();
        ByteBuf in = buf("PROXY TCP4 192.0.2.10 198.51.100.20 12345 443\r\n");
        try {
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> v2Only.parse(in));
            assertEquals(Reason.VERSION_NOT_ACCEPTED, e.reason());
        } finally {
            in.release();
        }
    }

    // ------------------------------------------------------------ helpers

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static ProxyHeader parseOrNull(String s) {
        ByteBuf in = buf(s);
        try {
            return PARSER.parse(in);
        } finally {
            in.release();
        }
    }

    private static ProxyHeader parse(String s) {
        ProxyHeader h = parseOrNull(s);
        assertNotNull(h, "complete header expected: " + s);
        return h;
    }

    private static void assertRefused(Reason reason, String s) {
        ByteBuf in = buf(s);
        try {
            ProxyProtocolException e = assertThrows(ProxyProtocolException.class, () -> PARSER.parse(in),
                    () -> "refused: " + s.replace("\r", "\\r").replace("\n", "\\n"));
            assertEquals(reason, e.reason(), e.getMessage());
        } finally {
            in.release();
        }
    }

    private static InetAddress ip(String literal) {
        return VectorComments.literal(literal);
    }

    /** The 16 bytes of a fully written IPv6 address (8 groups, no ::), computed without the parser. */
    private static byte[] groups(String fullForm) {
        String[] g = fullForm.split(":");
        assertEquals(8, g.length, fullForm);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            int v = Integer.parseInt(g[i], 16);
            out[2 * i] = (byte) (v >>> 8);
            out[2 * i + 1] = (byte) v;
        }
        return out;
    }
}
