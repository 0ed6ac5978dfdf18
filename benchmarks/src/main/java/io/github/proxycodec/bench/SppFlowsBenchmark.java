package io.github.proxycodec.bench;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
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
 * SPP decode and echoed reply with many live flows: each operation takes the next of
 * {@code clients} datagrams, each from its own client, so with 10 000 clients every lookup
 * meets a flow last touched 10 000 datagrams ago, as on a busy server. {@link #noCodec} is the
 * same round trip on the same datagrams without the codec, to subtract.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SppFlowsBenchmark {

    private static final InetSocketAddress EDGE = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 53);
    private static final byte[] PAYLOAD = "ping".getBytes(StandardCharsets.US_ASCII);

    @Param({"1", "10000"})
    public int clients;

    private ByteBuf[] datagrams;
    private int next;
    private EmbeddedChannel sppChannel;
    private EmbeddedChannel plainChannel;

    @Setup
    public void setup() {
        UdpProxyConfig config = UdpProxyConfig.builder()
                .trustedEdges(TrustedProxies.of("127.0.0.1/32")).maxFlows(Math.max(clients, 1024)).build();
        sppChannel = new EmbeddedChannel(new SppCodec(config));
        plainChannel = new EmbeddedChannel();
        datagrams = new ByteBuf[clients];
        for (int i = 0; i < clients; i++) {
            datagrams[i] = Inputs.direct(Inputs.sppDatagram(i, PAYLOAD));
        }
        for (int i = 0; i < clients; i++) {
            int n = spp();
            if (n != SppHeader.LENGTH + PAYLOAD.length) {
                throw new IllegalStateException("SPP reply of " + n + " bytes");
            }
        }
    }

    @TearDown
    public void tearDown() {
        sppChannel.finishAndReleaseAll();
        plainChannel.finishAndReleaseAll();
        for (ByteBuf d : datagrams) {
            d.release();
        }
    }

    private ByteBuf nextDatagram() {
        ByteBuf d = datagrams[next];
        next = next + 1 == datagrams.length ? 0 : next + 1;
        return d.retainedDuplicate();
    }

    /** One datagram in, its payload echoed to {@code packet.sender()} through the codec. */
    @Benchmark
    public int spp() {
        return Inputs.echoLength(sppChannel, nextDatagram(), LOCAL, EDGE, false);
    }

    /** The same round trip without the codec. */
    @Benchmark
    public int noCodec() {
        return Inputs.echoLength(plainChannel, nextDatagram(), LOCAL, EDGE, false);
    }
}
