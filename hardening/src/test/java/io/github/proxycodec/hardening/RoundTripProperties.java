package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.LeakCheck;
import io.github.proxycodec.udp.SppHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every header the model can express encodes and decodes to itself: v1, v2 with random TLVs and
 * CRC32C, and SPP. Decoding reads exactly the encoded bytes (not one more, whatever follows),
 * and encoding a decoded header gives back the same bytes.
 */
class RoundTripProperties {

    /** Accepts everything the encoder can write: v1, v2, STREAM and DGRAM, the longest v2 header. */
    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().allowDatagramTransport(true)
            .maxV2HeaderLength(ProxyHeaderParser.V2_MAX_LENGTH).build();

    @BeforeContainer
    static void installLeakCheck() {
        LeakCheck.install();
    }

    @AfterContainer
    static void noLeaks() throws InterruptedException {
        LeakCheck.assertNoLeaks(RoundTripProperties.class.getSimpleName());
    }

    @Provide
    Arbitrary<ProxyHeader> v1Headers() {
        return HeaderArbitraries.v1();
    }

    @Provide
    Arbitrary<ProxyHeader> v2Headers() {
        return HeaderArbitraries.v2();
    }

    @Provide
    Arbitrary<InetSocketAddress> anySocket() {
        return HeaderArbitraries.socket(net.jqwik.api.Arbitraries.oneOf(HeaderArbitraries.ipv4(), HeaderArbitraries.ipv6()));
    }

    @Property(tries = 1000)
    void v1HeadersDecodeToThemselves(@ForAll("v1Headers") ProxyHeader header, @ForAll byte[] after) {
        byte[] wire = encode(header);
        assertTrue(wire.length <= ProxyHeaderParser.V1_MAX_LENGTH, () -> wire.length + " bytes");
        ProxyHeader back = parse(wire, after);
        assertEquals(header, back);
        assertEquals(wire.length, back.headerLength());
        assertArrayEquals(wire, encode(back), "a decoded header encodes to the same line");
    }

    @Property(tries = 2000)
    void v2HeadersWithRandomTlvsAndCrcDecodeToThemselves(@ForAll("v2Headers") ProxyHeader header,
                                                          @ForAll byte[] after) {
        byte[] wire = encode(header);
        ProxyHeader back = parse(wire, after);
        assertEquals(wire.length, back.headerLength());
        assertEquals(header.version(), back.version());
        assertEquals(header.command(), back.command());
        assertEquals(header.family(), back.family());
        assertEquals(header.transport(), back.transport());
        assertEquals(header.sourceAddress(), back.sourceAddress());
        assertEquals(header.destinationAddress(), back.destinationAddress());
        assertEquals(header.sourcePath(), back.sourcePath());
        assertEquals(header.destinationPath(), back.destinationPath());
        assertEquals(withoutCrcValue(header.tlvs()), withoutCrcValue(back.tlvs()),
                "the same TLVs in the same order (the CRC32C value is filled in by the encoder)");
        if (header.tlv(ProxyTlv.CRC32C).isPresent()) {
            assertTrue(back.crc32c().isPresent(), "the checksum survives");
        }
        assertArrayEquals(wire, encode(back), "a decoded header encodes to the same bytes");
        if (back.command() == ProxyHeader.Command.PROXY && back.family() != Family.UNSPEC
                && back.family() != Family.UNIX) {
            assertNotNull(back.sourceAddress());
        }
    }

    @Property(tries = 1000)
    void sppHeadersDecodeToThemselves(@ForAll("anySocket") InetSocketAddress client,
                                      @ForAll("anySocket") InetSocketAddress proxy, @ForAll byte[] payload) {
        SppHeader header = SppHeader.of(client, proxy);
        byte[] wire = header.toByteArray();
        assertEquals(SppHeader.LENGTH, wire.length);
        assertEquals(SppHeader.MAGIC, ((wire[0] & 0xFF) << 8) | (wire[1] & 0xFF));
        ByteBuf in = Unpooled.wrappedBuffer(ByteArrays.concat(wire, payload));
        SppHeader back = SppHeader.decode(in);
        assertEquals(0, in.readerIndex(), "decoding does not consume");
        assertEquals(header, back);
        assertEquals(client, back.client());
        assertEquals(proxy, back.proxy());
        assertArrayEquals(wire, ByteBufUtil.getBytes(back.writeTo(Unpooled.buffer())), "re-emitted byte for byte");
    }

    static byte[] encode(ProxyHeader header) {
        return ProxyHeaderEncoder.toByteArray(header);
    }

    /** Parses {@code wire} followed by unrelated bytes, from a non-zero reader index. */
    private static ProxyHeader parse(byte[] wire, byte[] after) {
        ByteBuf in = Unpooled.wrappedBuffer(ByteArrays.concat(new byte[] {1, 2}, wire, after));
        in.skipBytes(2);
        ProxyHeader h = PARSER.parse(in);
        assertNotNull(h, "a whole header must decode");
        assertEquals(2, in.readerIndex());
        return h;
    }

    private static List<String> withoutCrcValue(List<ProxyTlv> tlvs) {
        List<String> out = new ArrayList<>();
        for (ProxyTlv t : tlvs) {
            out.add(t.type() == ProxyTlv.CRC32C ? "CRC32C(4)" : t.typeName() + "=" + Arrays.toString(t.value()));
        }
        return out;
    }
}
