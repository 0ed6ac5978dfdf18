package io.github.proxycodec.hardening;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.PeerChannel;

import java.util.Arrays;

/**
 * Fuzz target: {@link ProxyProtocolHandler} fed arbitrary bytes in arbitrary fragments.
 *
 * <p>Input layout: byte 0 picks the configuration (bit 0 no v1, bit 1 no v2, bit 2 OPTIONAL
 * header, bit 3 refuse PROXY/UNSPEC, bit 4 allow DGRAM, bit 5 a 64-byte v2 cap); byte 1 is the
 * number of fragment lengths that follow (0..15), each one byte (0 counts as 1); the rest is
 * what the peer sends. The bytes go through one channel in a single read and through another in
 * those fragments (cycled). Each outcome must be a header with exactly the following bytes
 * passed on, no header with every byte passed on, or one refusal with a reason and nothing
 * passed on; both deliveries must agree; every buffer is released when the channels close.
 */
class HandlerFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void handler(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int flags = data[0] & 0xFF;
        int splits = Math.min(15, data[1] & 0x0F);
        if (data.length < 2 + splits) {
            return;
        }
        int[] fragments = new int[Math.max(1, splits)];
        fragments[0] = Integer.MAX_VALUE;
        for (int i = 0; i < splits; i++) {
            fragments[i] = Math.max(1, data[2 + i] & 0xFF);
        }
        byte[] input = Arrays.copyOfRange(data, 2 + splits, data.length);
        ProxyProtocolConfig config = config(flags);

        Result whole = run(config, input, new int[] {Integer.MAX_VALUE});
        Result pieces = run(config, input, fragments);
        if (!whole.equals(pieces)) {
            throw new AssertionError("one read gives " + whole + " but fragments " + Arrays.toString(fragments)
                    + " give " + pieces);
        }
    }

    static ProxyProtocolConfig config(int flags) {
        ProxyProtocolConfig.Builder b = ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8"));
        boolean noV1 = (flags & 1) != 0;
        boolean noV2 = (flags & 2) != 0 && !noV1;
        return b.acceptV1(!noV1).acceptV2(!noV2)
                .headerPolicy((flags & 4) != 0 ? HeaderPolicy.OPTIONAL : HeaderPolicy.REQUIRED)
                .rejectUnspecProxy((flags & 8) != 0)
                .allowDatagramTransport((flags & 16) != 0)
                .maxV2HeaderLength((flags & 32) != 0 ? 64 : 4096)
                .build();
    }

    /** What one channel made of the input. */
    record Result(String outcome, int headerLength, byte[] passedOn) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Result r && r.outcome.equals(outcome) && r.headerLength == headerLength
                    && Arrays.equals(r.passedOn, passedOn);
        }

        @Override
        public int hashCode() {
            return outcome.hashCode();
        }

        @Override
        public String toString() {
            return outcome + " (header " + headerLength + " bytes, " + passedOn.length + " bytes passed on)";
        }
    }

    static Result run(ProxyProtocolConfig config, byte[] input, int[] fragments) {
        TrackingAllocator alloc = new TrackingAllocator(false);
        PeerChannel ch = ProxyHeaderHandlerUnderTest.open(TcpCorpus.PROXY_PEER, config, alloc);
        int at = 0;
        for (int f = 0; at < input.length && ch.isOpen(); f = (f + 1) % fragments.length) {
            int end = (int) Math.min(input.length, (long) at + fragments[f]);
            ch.writeInbound(alloc.copyOf(input, at, end));
            at = end;
        }
        Result result = outcome(ch, input);
        ch.close();
        ch.finish();
        ch.releaseInbound();
        alloc.assertAllReleased("handler");
        if (config.pendingConnections() != 0) {
            throw new AssertionError("a closed connection still holds a pending slot");
        }
        return result;
    }

    private static Result outcome(PeerChannel ch, byte[] input) {
        byte[] passed = ch.received();
        if (ch.events().isEmpty()) {
            // Still waiting: only possible while every byte so far can begin a header.
            if (!ch.isOpen() || passed.length != 0 || ch.pipeline().get(ProxyProtocolHandler.class) == null) {
                throw new AssertionError("no outcome, yet open=" + ch.isOpen() + ", passed " + passed.length);
            }
            return new Result("waiting", 0, passed);
        }
        if (ch.events().size() != 1) {
            throw new AssertionError("more than one event: " + ch.events());
        }
        ProxyProtocolEvent e = (ProxyProtocolEvent) ch.events().get(0);
        switch (e.outcome()) {
            case FAILURE:
                if (e.reason() == null || ch.isOpen() || passed.length != 0 || ProxyProtocol.header(ch) != null) {
                    throw new AssertionError("a refusal must close the channel and pass nothing on: " + e);
                }
                return new Result("refused " + e.reason(), 0, passed);
            case HEADER:
                ProxyHeader h = e.header();
                ParserFuzzTest.check(h, input.length);
                if (!ch.isOpen() || ProxyProtocol.header(ch) != h
                        || !Arrays.equals(passed, Arrays.copyOfRange(input, h.headerLength(), input.length))
                        || ch.pipeline().get(ProxyProtocolHandler.class) != null) {
                    throw new AssertionError("after a header exactly the following bytes pass on: " + e);
                }
                return new Result("header " + h, h.headerLength(), passed);
            default:
                if (!ch.isOpen() || !Arrays.equals(passed, input)) {
                    throw new AssertionError("without a header every byte passes on: " + e);
                }
                return new Result("no header", 0, passed);
        }
    }
}
