package io.github.proxycodec.bench;

import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.ReloadableTrust;
import io.github.proxycodec.TrustedProxies;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
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

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The per-connection path: a fresh pipeline, the header and the first request in one read,
 * and the next handler reading the client address. Ours against Netty's decoder plus the glue
 * a Netty user writes (turn the message into an address, keep it on the channel, release it).
 * Trust checks are off on our side ({@link TrustedProxies#any()}), since Netty has none; the
 * {@code trust} parameter gives that list fixed or through a {@link ReloadableTrust}, to show
 * what a list replaceable while serving costs per connection.
 *
 * <p>B/op depends on what C2's escape analysis removes, so it can differ by 24 or 32 B between
 * forks and builds with no object added: the {@link io.github.proxycodec.ProxyProtocolEvent}
 * (32 B) is scalar-replaced here only while the whole path to the pipeline's tail inlines.
 * {@code -jvmArgsAppend -XX:-DoEscapeAnalysis} gives the full, stable count.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ConnectionBenchmark {

    private static final AttributeKey<InetSocketAddress> CLIENT = AttributeKey.valueOf(ConnectionBenchmark.class, "client");
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @Param({"v1-tcp4", "v2-tcp4", "v2-tls-crc"})
    public String input;

    /** The trust list fixed in the configuration, or read through a replaceable source. */
    @Param({"fixed", "reloadable"})
    public String trust;

    private ByteBuf bytes;
    private ProxyProtocolConfig config;

    @Setup
    public void setup() {
        ProxyProtocolConfig.Builder b = ProxyProtocolConfig.builder();
        config = (trust.equals("fixed") ? b.trustedProxies(TrustedProxies.any())
                : b.trustSource(new ReloadableTrust(TrustedProxies.any()))).build();
        byte[] h = Inputs.header(input);
        byte[] all = new byte[h.length + REQUEST.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(REQUEST, 0, all, h.length, REQUEST.length);
        bytes = Inputs.direct(all);
    }

    @TearDown
    public void tearDown() {
        bytes.release();
    }

    @Benchmark
    public InetSocketAddress proxyCodec() {
        OursSink sink = new OursSink();
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyProtocolHandler(config), sink);
        ch.writeInbound(bytes.retainedDuplicate());
        ch.finishAndReleaseAll();
        return sink.client;
    }

    @Benchmark
    public InetSocketAddress netty() {
        NettySink sink = new NettySink();
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder(), new NettyGlue(), sink);
        ch.writeInbound(bytes.retainedDuplicate());
        ch.finishAndReleaseAll();
        return sink.client;
    }

    static final class OursSink extends ChannelInboundHandlerAdapter {
        InetSocketAddress client;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client = ProxyProtocol.clientAddress(ctx.channel());
            ReferenceCountUtil.release(msg);
        }
    }

    static final class NettyGlue extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            if (msg instanceof HAProxyMessage) {
                HAProxyMessage m = (HAProxyMessage) msg;
                try {
                    ctx.channel().attr(CLIENT).set(ParseBenchmark.toAddress(m));
                } finally {
                    m.release();
                }
                ctx.pipeline().remove(this);
            } else {
                ctx.fireChannelRead(msg);
            }
        }
    }

    static final class NettySink extends ChannelInboundHandlerAdapter {
        InetSocketAddress client;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            client = ctx.channel().attr(CLIENT).get();
            ReferenceCountUtil.release(msg);
        }
    }
}
