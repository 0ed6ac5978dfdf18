package io.github.proxycodec.bench;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parse one header into a usable client address: ours ({@link ProxyHeaderParser}) against
 * Netty's {@link HAProxyMessageDecoder}, each driven as directly as its API allows. For Netty
 * that means a fresh decoder per header (it decodes one header per connection), its protected
 * {@code decode} called through a subclass, and the glue a user needs for an
 * {@link InetSocketAddress} (its addresses are strings) and to release the message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParseBenchmark {

    @Param({"v1-tcp4", "v1-tcp6", "v1-tcp4-longest", "v1-tcp6-longest", "v2-tcp4", "v2-tls-crc"})
    public String input;

    private ByteBuf buf;
    private final ProxyHeaderParser parser = ProxyHeaderParser.builder().build();
    private final List<Object> out = new ArrayList<>(1);

    @Setup
    public void setup() throws Exception {
        buf = Inputs.direct(Inputs.header(input));
        // Both sides must produce the same answer, or the comparison means nothing.
        InetSocketAddress ours = proxyCodec();
        InetSocketAddress theirs = netty();
        if (!ours.equals(theirs) || buf.readerIndex() != 0) {
            throw new IllegalStateException(input + ": " + ours + " vs " + theirs);
        }
    }

    @TearDown
    public void tearDown() {
        buf.release();
    }

    @Benchmark
    public InetSocketAddress proxyCodec() {
        ProxyHeader h = parser.parse(buf);
        return h.sourceAddress();
    }

    @Benchmark
    public InetSocketAddress netty() throws Exception {
        out.clear();
        new NettyDriver().decodeOnce(buf, out);
        buf.readerIndex(0);
        HAProxyMessage m = (HAProxyMessage) out.get(0);
        try {
            return toAddress(m);
        } finally {
            m.release();
        }
    }

    /** The glue a Netty user writes: its addresses are strings (literals, so no DNS lookup). */
    static InetSocketAddress toAddress(HAProxyMessage m) throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(m.sourceAddress()), m.sourcePort());
    }

    /** Calls the decoder's protected decode without a pipeline (it needs none on success). */
    static final class NettyDriver extends HAProxyMessageDecoder {
        void decodeOnce(ByteBuf in, List<Object> out) throws Exception {
            decode(null, in, out);
        }
    }
}
