package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.LeakCheck;
import io.github.proxycodec.udp.SppHeader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random mutations of valid headers (bit flips, byte changes, insertions, deletions,
 * truncations, repeated runs) are either accepted as a valid header or refused with a reason:
 * by the parser, by the TCP handler in random fragments, and by the SPP and PROXY v2 datagram
 * codecs. Never a crash, never a leak, never anything forwarded after a refusal.
 */
class MutationProperties {

    private static final ProxyHeaderParser[] PARSERS = {
        ProxyHeaderParser.builder().build(),
        ProxyHeaderParser.builder().allowDatagramTransport(true).maxV2HeaderLength(ProxyHeaderParser.V2_MAX_LENGTH).build(),
        ProxyHeaderParser.builder().acceptV1(false).allowStreamTransport(false).allowDatagramTransport(true).rejectUnspecProxy(true).build()
    };

    /** One edit of a byte array; positions are taken modulo its length. */
    record Mutation(int kind, int position, int value, int span) {
        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return kind == 2 ? new byte[] {(byte) value} : in;
            }
            int at = Math.floorMod(position, in.length);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (kind) {
                case 0: { // flip one bit
                    byte[] c = in.clone();
                    c[at] ^= (byte) (1 << (value & 7));
                    return c;
                }
                case 1: { // set one byte
                    byte[] c = in.clone();
                    c[at] = (byte) value;
                    return c;
                }
                case 2: // insert one byte
                    out.write(in, 0, at);
                    out.write(value);
                    out.write(in, at, in.length - at);
                    return out.toByteArray();
                case 3: // delete a run
                    out.write(in, 0, at);
                    int from = Math.min(in.length, at + 1 + span);
                    out.write(in, from, in.length - from);
                    return out.toByteArray();
                case 4: // truncate
                    return Arrays.copyOf(in, at);
                default: { // repeat a run
                    int end = Math.min(in.length, at + 1 + span);
                    out.write(in, 0, end);
                    out.write(in, at, end - at);
                    out.write(in, end, in.length - end);
                    return out.toByteArray();
                }
            }
        }
    }

    @BeforeContainer
    static void installLeakCheck() {
        LeakCheck.install();
    }

    @AfterContainer
    static void noLeaks() throws InterruptedException {
        LeakCheck.assertNoLeaks(MutationProperties.class.getSimpleName());
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Combinators.combine(Arbitraries.integers().between(0, 5), Arbitraries.integers(),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 16))
                .as(Mutation::new).list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<byte[]> validTcpHeaders() {
        return Arbitraries.oneOf(HeaderArbitraries.v1(), HeaderArbitraries.v2()).map(RoundTripProperties::encode);
    }

    @Provide
    Arbitrary<byte[]> validSppHeaders() {
        Arbitrary<InetSocketAddress> any = HeaderArbitraries.socket(
                Arbitraries.oneOf(HeaderArbitraries.ipv4(), HeaderArbitraries.ipv6()));
        return Combinators.combine(any, any).as((c, p) -> SppHeader.of(c, p).toByteArray());
    }

    @Provide
    Arbitrary<byte[]> validDatagramHeaders() {
        return HeaderArbitraries.v2().map(h -> {
            ProxyHeader.Builder b = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM);
            if (h.sourceAddress() != null) {
                b.addresses(h.sourceAddress(), h.destinationAddress());
            }
            h.tlvs().forEach(b::tlv);
            return RoundTripProperties.encode(b.build());
        });
    }

    static byte[] mutate(byte[] valid, List<Mutation> mutations) {
        byte[] b = valid;
        for (Mutation m : mutations) {
            b = m.apply(b);
        }
        return b;
    }

    @Property(tries = 2000)
    void theParserAcceptsOrRefusesWithAReason(@ForAll("validTcpHeaders") byte[] valid,
                                             @ForAll("mutations") List<Mutation> mutations) {
        byte[] bytes = mutate(ByteArrays.concat(valid, ByteArrays.ascii("PING\r\n")), mutations);
        for (ProxyHeaderParser parser : PARSERS) {
            try {
                ProxyHeader h = parser.parse(io.netty.buffer.Unpooled.wrappedBuffer(bytes));
                if (h != null) {
                    assertTrue(h.headerLength() > 0 && h.headerLength() <= bytes.length);
                    ParserFuzzTest.check(h, bytes.length);
                }
            } catch (ProxyProtocolException e) {
                assertNotNull(e.reason(), "a refusal names its reason");
            }
        }
    }

    @Property(tries = 500)
    void theHandlerAgreesWithItselfInAnyFragmentation(@ForAll("validTcpHeaders") byte[] valid,
                                                      @ForAll("mutations") List<Mutation> mutations,
                                                      @ForAll("fragments") int[] fragments) {
        byte[] bytes = mutate(ByteArrays.concat(valid, ByteArrays.ascii("PING\r\n")), mutations);
        io.github.proxycodec.ProxyProtocolConfig config = HandlerFuzzTest.config(0);
        HandlerFuzzTest.Result whole = HandlerFuzzTest.run(config, bytes, new int[] {Integer.MAX_VALUE});
        HandlerFuzzTest.Result pieces = HandlerFuzzTest.run(config, bytes, fragments);
        assertEquals(whole, pieces, "one read and fragments " + Arrays.toString(fragments) + " agree");
    }

    @Provide
    Arbitrary<int[]> fragments() {
        return Arbitraries.integers().between(1, 40).array(int[].class).ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 1000)
    void theSppCodecPassesOnOrCountsADrop(@ForAll("validSppHeaders") byte[] valid,
                                          @ForAll("mutations") List<Mutation> mutations) {
        byte[] datagram = mutate(ByteArrays.concat(valid, ByteArrays.ascii("query")), mutations);
        new DatagramScript(UdpCorpus.Codec.SPP).play(script(datagram));
    }

    @Property(tries = 1000)
    void theProxyV2DatagramCodecPassesOnAbsorbsOrCountsADrop(@ForAll("validDatagramHeaders") byte[] valid,
                                                             @ForAll("mutations") List<Mutation> mutations,
                                                             @ForAll boolean firstDatagramMode) {
        byte[] datagram = mutate(ByteArrays.concat(valid, ByteArrays.ascii("query")), mutations);
        new DatagramScript(firstDatagramMode ? UdpCorpus.Codec.FIRST_DATAGRAM : UdpCorpus.Codec.PER_DATAGRAM)
                .play(script(datagram));
    }

    /** The datagram from a trusted edge, a headerless follow-up, then a reply to its client. */
    private static byte[] script(byte[] datagram) {
        return ByteArrays.concat(record(0, datagram), record(0, ByteArrays.ascii("more")), record(4, ByteArrays.ascii("answer")));
    }

    private static byte[] record(int control, byte[] bytes) {
        return ByteArrays.concat(new byte[] {(byte) control, (byte) (bytes.length >>> 8), (byte) bytes.length}, bytes);
    }
}
