package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The header policy hook in {@link ProxyProtocolHandler}, and the checks shipped with it. */
class HeaderValidatorTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 4000);
    private static final InetSocketAddress SERVICE = new InetSocketAddress("198.51.100.1", 443);

    private static PeerChannel channel(HeaderValidator validator) {
        ProxyProtocolConfig config = ProxyProtocolConfig.builder()
                .trustedProxies(TrustedProxies.of("127.0.0.0/8"))
                .headerValidator(validator)
                .build();
        return new PeerChannel(PEER, new ProxyProtocolHandler(config));
    }

    private static byte[] encode(ProxyHeader.Builder header) {
        return ProxyHeaderEncoder.toByteArray(header.build());
    }

    private static ProxyHeader.Builder proxy() {
        return ProxyHeader.builder().addresses(CLIENT, SERVICE);
    }

    private static ProxyHeader decode(ProxyHeader.Builder header) {
        ByteBuf in = Unpooled.wrappedBuffer(encode(header));
        return ProxyProtocolConfig.defaults().parser().parse(in);
    }

    private static void assertRefused(PeerChannel ch, String message) {
        ProxyProtocolEvent e = assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
        assertEquals(Reason.REJECTED_BY_POLICY, e.reason());
        assertTrue(e.cause().getMessage().contains(message), e.cause().getMessage());
        assertFalse(ch.isOpen());
        assertEquals(0, ch.reads(), "nothing may reach the next handler");
        assertNull(ProxyProtocol.header(ch));
        ch.finishAndReleaseAll();
    }

    @Test
    void theValidatorSeesTheDecodedHeaderAndThePeer() {
        List<Object> seen = new ArrayList<>();
        PeerChannel ch = channel((header, peer) -> {
            seen.add(header.sourceAddress());
            seen.add(peer);
            return null;
        });
        ch.read(encode(proxy()));
        assertEquals(List.of(CLIENT, PEER), seen);
        assertTrue(assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0)).isSuccess());
        ch.finishAndReleaseAll();
    }

    @Test
    void aRefusalClosesTheConnectionWithItsOwnReasonAndTheMessage() {
        PeerChannel ch = channel((header, peer) -> "tenant not allowed");
        byte[] bytes = Vector.load("haproxy-v2-tcp4").bytes();
        ch.read(bytes);
        assertRefused(ch, "tenant not allowed");
    }

    @Test
    void aValidatorThatThrowsRefusesTheHeaderInsteadOfCrashing() {
        PeerChannel ch = channel((header, peer) -> {
            throw new IllegalStateException("boom");
        });
        ch.read(Vector.load("haproxy-v1-tcp4").bytes());
        assertRefused(ch, "IllegalStateException: boom");
    }

    @Test
    void validatorsCombineAndTheFirstRefusalWins() {
        HeaderValidator first = (h, p) -> h.authority().isPresent() ? null : "no authority";
        HeaderValidator second = (h, p) -> "second";
        assertEquals("no authority", first.and(second).refusal(decode(proxy()), PEER));
        assertEquals("second", first.and(second).refusal(decode(proxy().tlv(ProxyTlv.AUTHORITY, "a.example")), PEER));
        assertNull(HeaderValidator.acceptAll().refusal(decode(proxy()), PEER));
    }

    @Test
    void requireCrc32cRefusesAHeaderWithoutOne() {
        HeaderValidator v = HeaderValidator.requireCrc32c();
        assertNull(v.refusal(decode(proxy().crc32c()), PEER));
        assertEquals("header has no CRC32C", v.refusal(decode(proxy()), PEER));
        PeerChannel ch = channel(v);
        ch.read(Vector.load("haproxy-v1-tcp4").bytes());
        assertRefused(ch, "no CRC32C");
    }

    @Test
    void awsVpcEndpointAcceptsOnlyTheListedEndpoints() {
        HeaderValidator v = HeaderValidator.awsVpcEndpoint("vpce-0123456789abcdef0");
        assertNull(v.refusal(decode(proxy().tlv(ProxyTlv.AWS, aws("vpce-0123456789abcdef0"))), PEER));
        assertTrue(v.refusal(decode(proxy().tlv(ProxyTlv.AWS, aws("vpce-ffffffffffffffff0"))), PEER)
                .contains("vpce-ffffffffffffffff0"));
        assertTrue(v.refusal(decode(proxy()), PEER).contains("null"));
        assertNull(v.refusal(decode(ProxyHeader.builder().command(ProxyHeader.Command.LOCAL)), PEER),
                "a LOCAL health check names no client");
    }

    @Test
    void gcpPscConnectionAcceptsOnlyTheListedIds() {
        HeaderValidator v = HeaderValidator.gcpPscConnection(42L, -1L);
        assertNull(v.refusal(decode(proxy().tlv(ProxyTlv.GCP, ByteBuffer.allocate(8).putLong(42).array())), PEER));
        assertNull(v.refusal(decode(proxy().tlv(ProxyTlv.GCP, ByteBuffer.allocate(8).putLong(-1).array())), PEER));
        assertEquals("GCP PSC connection 7 is not allowed",
                v.refusal(decode(proxy().tlv(ProxyTlv.GCP, ByteBuffer.allocate(8).putLong(7).array())), PEER));
        assertEquals("GCP PSC connection none is not allowed", v.refusal(decode(proxy()), PEER));
    }

    @Test
    void destinationInAcceptsOnlyTheListedDestinations() {
        HeaderValidator v = HeaderValidator.destinationIn("198.51.100.0/24");
        assertNull(v.refusal(decode(proxy()), PEER));
        InetSocketAddress other = new InetSocketAddress("192.0.2.1", 443);
        assertTrue(v.refusal(decode(ProxyHeader.builder().addresses(CLIENT, other)), PEER).contains("192.0.2.1"));
        SocketAddress unix = null;
        assertTrue(v.refusal(decode(ProxyHeader.builder().paths("/a", "/b")), unix).contains("null"));
    }

    private static byte[] aws(String endpoint) {
        byte[] id = endpoint.getBytes(StandardCharsets.US_ASCII);
        byte[] value = new byte[id.length + 1];
        value[0] = 0x01;
        System.arraycopy(id, 0, value, 1, id.length);
        return value;
    }
}
