package io.github.proxycodec.hardening;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.ProxyTlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.Arrays;

/**
 * Fuzz target: the pure v1/v2 parser, in its TCP and UDP configurations, on arbitrary bytes.
 *
 * <p>The only acceptable answers are a header no longer than the input, {@code null} (incomplete),
 * or a {@link ProxyProtocolException} with a reason; the buffer is never changed; every accessor
 * of an accepted header works. A prefix never contradicts the whole: if a prefix is refused the
 * whole input is refused for the same reason, and an accepted header is accepted, unchanged,
 * from any longer input.
 */
class ParserFuzzTest {

    private static final ProxyHeaderParser TCP = ProxyHeaderParser.builder().build();
    private static final ProxyHeaderParser TCP_ANY = ProxyHeaderParser.builder().allowDatagramTransport(true).maxV2HeaderLength(
            ProxyHeaderParser.V2_MAX_LENGTH).build();
    private static final ProxyHeaderParser UDP = ProxyHeaderParser.builder().acceptV1(false).allowStreamTransport(false)
            .allowDatagramTransport(true).rejectUnspecProxy(true).build();

    @FuzzTest(maxDuration = "10m")
    void parse(byte[] data) {
        for (ProxyHeaderParser parser : new ProxyHeaderParser[] {TCP, TCP_ANY, UDP}) {
            Outcome whole = Outcome.of(parser, data, data.length);
            if (whole.header != null) {
                check(whole.header, data.length);
            }
            // Every prefix is consistent with the whole.
            int step = Math.max(1, data.length / 16);
            for (int n = 0; n < data.length; n += step) {
                Outcome part = Outcome.of(parser, data, n);
                if (part.refusal != null && whole.refusal != part.refusal) {
                    throw new AssertionError("first " + n + " bytes refused for " + part.refusal
                            + " but the whole input gives " + whole);
                }
                if (part.header != null && (whole.header == null
                        || part.header.headerLength() != whole.header.headerLength()
                        || !part.header.equals(whole.header))) {
                    throw new AssertionError("first " + n + " bytes give " + part.header + " but the whole gives " + whole);
                }
            }
        }
    }

    /** What the parser said about the first {@code n} bytes. */
    private static final class Outcome {
        final ProxyHeader header;
        final ProxyProtocolException.Reason refusal;

        private Outcome(ProxyHeader header, ProxyProtocolException.Reason refusal) {
            this.header = header;
            this.refusal = refusal;
        }

        static Outcome of(ProxyHeaderParser parser, byte[] data, int n) {
            // Put the bytes at a non-zero reader index: offsets must be relative to it.
            ByteBuf in = Unpooled.buffer(n + 3).writeBytes(new byte[] {9, 9, 9}).writeBytes(data, 0, n);
            in.readerIndex(3);
            byte[] before = Arrays.copyOf(in.array(), in.writerIndex());
            try {
                ProxyHeader h = parser.parse(in);
                if (h != null && (h.headerLength() < 1 || h.headerLength() > n)) {
                    throw new AssertionError("header of " + h.headerLength() + " bytes from " + n + " bytes");
                }
                return new Outcome(h, null);
            } catch (ProxyProtocolException e) {
                if (e.reason() == null) {
                    throw new AssertionError("a refusal without a reason", e);
                }
                return new Outcome(null, e.reason());
            } finally {
                if (in.readerIndex() != 3 || in.writerIndex() != n + 3
                        || !Arrays.equals(before, Arrays.copyOf(in.array(), in.writerIndex()))) {
                    throw new AssertionError("the parser changed its input");
                }
            }
        }

        @Override
        public String toString() {
            return header != null ? header.toString() : refusal != null ? refusal.name() : "incomplete";
        }
    }

    /** Every accessor of an accepted header answers without throwing. */
    static void check(ProxyHeader h, int available) {
        h.version();
        h.command();
        h.family();
        h.transport();
        if (h.hasInetAddresses() && (h.sourceAddress() == null || h.destinationAddress() == null)) {
            throw new AssertionError("INET header without addresses: " + h);
        }
        h.sourcePath();
        h.destinationPath();
        for (ProxyTlv t : h.tlvs()) {
            t.value();
            t.valueAsString();
            t.typeName();
        }
        h.alpn();
        h.authority();
        h.crc32c();
        h.uniqueId();
        h.ssl().ifPresent(ssl -> ssl.toString());
        h.netns();
        h.awsVpcEndpointId();
        h.azurePrivateLinkId();
        h.gcpPscConnectionId();
        h.hasNoop();
        if (!h.equals(h) || h.hashCode() != h.hashCode() || h.toString().isEmpty()) {
            throw new AssertionError("equals/hashCode/toString");
        }
    }
}
