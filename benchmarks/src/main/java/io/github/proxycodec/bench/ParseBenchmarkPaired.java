package io.github.proxycodec.bench;

import io.github.proxycodec.ProxyHeaderParser;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.haproxy.HAProxyMessage;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ParseBenchmark}'s two sides in one JVM, in short alternating rounds: a round of ours,
 * then a round of Netty's, many times. On a machine shared with other builds the speed of
 * both drifts by several times within a minute, so JMH runs minutes apart compare the
 * neighbours more than the parsers; two rounds a millisecond apart see nearly the same machine,
 * and the median of their ratios is steady. Run it as
 * {@code java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.ParseBenchmarkPaired [rounds]}.
 */
public final class ParseBenchmarkPaired {

    private static final String[] INPUTS = {
        "v1-tcp4", "v1-tcp6", "v1-tcp4-longest", "v1-tcp6-longest", "v2-tcp4", "v2-tls-crc"
    };
    /** Operations per round: long enough to time, short enough that the machine barely changes. */
    private static final int OPS = 2000;

    private final ProxyHeaderParser parser = ProxyHeaderParser.builder().build();
    private final List<Object> out = new ArrayList<>(1);
    /** Consumed results, so that the JIT cannot drop the work. */
    private int sink;

    private ParseBenchmarkPaired() {
    }

    /**
     * Runs every input and prints, per input, the median ns/op of each side and the median and
     * quartiles of the per-pair ratio (Netty's time over ours).
     *
     * @param args optionally the number of pairs of rounds per input (default 400)
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        ParseBenchmarkPaired bench = new ParseBenchmarkPaired();
        System.out.println("input             ours ns/op  netty ns/op  ratio p25  median  p75");
        for (String input : INPUTS) {
            ByteBuf buf = Inputs.direct(Inputs.header(input));
            try {
                bench.run(input, buf, rounds);
            } finally {
                buf.release();
            }
        }
        System.out.println("(sink " + bench.sink + ")");
    }

    private void run(String input, ByteBuf buf, int rounds) throws Exception {
        for (int i = 0; i < rounds / 4 + 50; i++) { // warm-up: both sides compiled before timing
            ours(buf);
            netty(buf);
        }
        double[] ours = new double[rounds];
        double[] theirs = new double[rounds];
        double[] ratio = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            // Alternate which side goes first, so neither always runs right after the other's GC.
            if ((i & 1) == 0) {
                ours[i] = ours(buf);
                theirs[i] = netty(buf);
            } else {
                theirs[i] = netty(buf);
                ours[i] = ours(buf);
            }
            ratio[i] = theirs[i] / ours[i];
        }
        System.out.printf("%-16s %10.1f %12.1f %10.2f %7.2f %5.2f%n", input, median(ours), median(theirs),
                quantile(ratio, 0.25), median(ratio), quantile(ratio, 0.75));
    }

    /** One round of ours; returns ns per operation. */
    private double ours(ByteBuf buf) {
        long start = System.nanoTime();
        for (int i = 0; i < OPS; i++) {
            InetSocketAddress a = parser.parse(buf).sourceAddress();
            sink += a.getPort();
        }
        return (System.nanoTime() - start) / (double) OPS;
    }

    /** One round of Netty's, driven exactly as {@link ParseBenchmark#netty()} drives it. */
    private double netty(ByteBuf buf) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < OPS; i++) {
            out.clear();
            new ParseBenchmark.NettyDriver().decodeOnce(buf, out);
            buf.readerIndex(0);
            HAProxyMessage m = (HAProxyMessage) out.get(0);
            try {
                sink += ParseBenchmark.toAddress(m).getPort();
            } finally {
                m.release();
            }
        }
        return (System.nanoTime() - start) / (double) OPS;
    }

    private static double median(double[] xs) {
        return quantile(xs, 0.5);
    }

    private static double quantile(double[] xs, double q) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.round(q * (s.length - 1)))];
    }
}
