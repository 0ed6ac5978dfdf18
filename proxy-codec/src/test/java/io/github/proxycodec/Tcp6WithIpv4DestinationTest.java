package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nginx writes {@code PROXY TCP6 <IPv6 client> <IPv4 destination>} for an IPv6 client that
 * reached it over IPv4. The spec forbids the mix, so it is refused unless the option is on.
 */
class Tcp6WithIpv4DestinationTest {

    private static final String NGINX_LINE = "PROXY TCP6 2001:db8::7 192.0.2.80 51000 8443\r\n";

    private static final ProxyHeaderParser STRICT = ProxyHeaderParser.builder().build();
    private static final ProxyHeaderParser LENIENT = ProxyHeaderParser.builder()
            .allowTcp6WithIpv4Destination(true).build();

    @Test
    void byDefaultTheMixedLineIsRefusedAsAnInvalidAddress() {
        assertEquals(Reason.V1_INVALID_ADDRESS, refusal(STRICT, NGINX_LINE));
    }

    @Test
    void withTheOptionTheSourceIsTheIpv6ClientAndTheDestinationTheIpv4AddressWritten() throws Exception {
        ProxyHeader h = parse(LENIENT, NGINX_LINE);
        assertEquals(Family.INET6, h.family());
        assertEquals(new InetSocketAddress(Inet6Address.getByName("2001:db8::7"), 51000), h.sourceAddress());
        assertInstanceOf(Inet4Address.class, h.destinationAddress().getAddress());
        assertEquals(new InetSocketAddress(Inet4Address.getByName("192.0.2.80"), 8443), h.destinationAddress());
        assertEquals(NGINX_LINE.length(), h.headerLength());
    }

    @Test
    void withTheOptionAnAllIpv6LineIsUnchanged() {
        String line = "PROXY TCP6 2001:db8::7 2001:db8::80 51000 8443\r\n";
        assertEquals(parse(STRICT, line), parse(LENIENT, line));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PROXY TCP6 192.0.2.7 2001:db8::80 51000 8443\r\n",  // IPv4 source: nginx never writes it
        "PROXY TCP6 192.0.2.7 192.0.2.80 51000 8443\r\n",    // no IPv6 at all: that is TCP4's job
        "PROXY TCP4 192.0.2.7 2001:db8::80 51000 8443\r\n",  // TCP4 stays strict
        "PROXY TCP6 2001:db8::7 192.0.2.300 51000 8443\r\n", // still a canonical dotted quad only
        "PROXY TCP6 2001:db8::7 192.0.2.080 51000 8443\r\n",
    })
    void withTheOptionEveryOtherMixIsStillRefused(String line) {
        assertEquals(Reason.V1_INVALID_ADDRESS, refusal(LENIENT, line));
    }

    @Test
    void theTcpConfigurationCarriesTheOptionToItsParser() {
        ProxyProtocolConfig off = ProxyProtocolConfig.builder().build();
        ProxyProtocolConfig on = ProxyProtocolConfig.builder().allowTcp6WithIpv4Destination(true).build();
        assertFalse(off.allowTcp6WithIpv4Destination());
        assertTrue(on.allowTcp6WithIpv4Destination());
        assertTrue(on.toBuilder().build().allowTcp6WithIpv4Destination());
        assertEquals(Reason.V1_INVALID_ADDRESS, refusal(off.parser(), NGINX_LINE));
        assertEquals(parse(LENIENT, NGINX_LINE), parse(on.parser(), NGINX_LINE));
    }

    private static ProxyHeader parse(ProxyHeaderParser parser, String line) {
        ByteBuf in = Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII);
        try {
            return parser.parse(in);
        } finally {
            in.release();
        }
    }

    private static Reason refusal(ProxyHeaderParser parser, String line) {
        ByteBuf in = Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII);
        try {
            return assertThrows(ProxyProtocolException.class, () -> parser.parse(in), line).reason();
        } finally {
            in.release();
        }
    }
}
