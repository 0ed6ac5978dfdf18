package io.github.proxycodec.bench;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ReloadableTrust;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
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
import java.util.concurrent.TimeUnit;

/**
 * The UDP codecs per datagram: SPP decode plus the reply with its echoed header (through the
 * codec, as an application uses it), the bare SPP header decode, and PROXY v2 datagram decode
 * (the dnsdist capture), and the drop a flood of bad datagrams takes. Average time per
 * operation. The {@code trust} parameter gives the trusted edges fixed or through a
 * {@link ReloadableTrust}, to show what a list replaceable while serving costs per datagram.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DatagramBenchmark {

    /** spp-ipv4-mapped: client 192.0.2.10:12345 via proxy 198.51.100.20:53, payload "PING\n". */
    private static final byte[] SPP = Inputs.hex("56ec00000000000000000000ffffc000020a00000000000000000000ffffc633"
            + "64143039003550494e470a");
    /** dnsdist-v2-udp4-dns: v2 header (0x12) from 127.0.0.1:53001 and a DNS query. */
    private static final byte[] V2_UDP = Inputs.hex("0d0a0d0a000d0a515549540a2112000c7f0000017f000001cf09a32000000020"
            + "0001000000000001027070076578616d706c65000001000100002904d000000000000c000a00080f01070e6ee34916");
    private static final InetSocketAddress EDGE = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 53);
    private static final TrustedProxies EDGES = TrustedProxies.of("127.0.0.1/32");

    /** The trusted edges fixed in the configuration, or read through a replaceable source. */
    @Param({"fixed", "reloadable"})
    public String trust;

    private ByteBuf spp;
    private ByteBuf v2;
    /** The SPP datagram with its magic broken: from a trusted edge, dropped as BAD_MAGIC. */
    private ByteBuf badMagic;
    private SppCodec sppCodec;
    private final ProxyHeaderParser parser = ProxyHeaderParser.builder()
            .acceptV1(false).allowStreamTransport(false).allowDatagramTransport(true).build();
    private EmbeddedChannel sppChannel;
    private EmbeddedChannel v2Channel;
    private EmbeddedChannel plainChannel;

    @Setup
    public void setup() {
        UdpProxyConfig.Builder b = UdpProxyConfig.builder();
        UdpProxyConfig config = (trust.equals("fixed") ? b.trustedEdges(EDGES)
                : b.trustSource(new ReloadableTrust(EDGES))).build();
        spp = Inputs.direct(SPP);
        v2 = Inputs.direct(V2_UDP);
        byte[] broken = SPP.clone();
        broken[0] = 0x00;
        badMagic = Inputs.direct(broken);
        sppCodec = new SppCodec(config);
        sppChannel = new EmbeddedChannel(sppCodec);
        v2Channel = new EmbeddedChannel(new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM));
        plainChannel = new EmbeddedChannel();
        // Check once that both reply paths do what they claim: the same bytes out.
        byte[] inPlace = sppRoundTrip(false);
        byte[] copied = sppRoundTrip(true);
        if (inPlace.length != SppHeader.LENGTH + 5 || !java.util.Arrays.equals(inPlace, copied)
                || !java.util.Arrays.equals(java.util.Arrays.copyOf(inPlace, SppHeader.LENGTH),
                        java.util.Arrays.copyOf(SPP, SppHeader.LENGTH))) {
            throw new IllegalStateException("SPP reply went wrong");
        }
    }

    @TearDown
    public void tearDown() {
        sppChannel.finishAndReleaseAll();
        v2Channel.finishAndReleaseAll();
        plainChannel.finishAndReleaseAll();
        spp.release();
        v2.release();
        badMagic.release();
    }

    /** One datagram in, its payload echoed back to packet.sender(): the reply's bytes, and to which edge. */
    private byte[] sppRoundTrip(boolean newBuffer) {
        DatagramPacket reply = Inputs.echo(sppChannel, spp.retainedDuplicate(), LOCAL, EDGE, newBuffer);
        try {
            if (!reply.recipient().equals(EDGE)) {
                throw new IllegalStateException("SPP reply went to " + reply.recipient());
            }
            return io.netty.buffer.ByteBufUtil.getBytes(reply.content());
        } finally {
            reply.release();
        }
    }

    /** The payload buffer itself echoed: the codec sends it in place behind its header. */
    @Benchmark
    public int sppDecodeAndEchoReply() {
        return Inputs.echoLength(sppChannel, spp.retainedDuplicate(), LOCAL, EDGE, false);
    }

    /** The answer in a buffer of its own: the codec copies it behind the header. */
    @Benchmark
    public int sppDecodeAndNewBufferReply() {
        return Inputs.echoLength(sppChannel, spp.retainedDuplicate(), LOCAL, EDGE, true);
    }

    /**
     * The same round trip through an EmbeddedChannel with no codec: what the harness itself
     * costs, to subtract from {@link #sppDecodeAndEchoReply()}.
     */
    @Benchmark
    public int harnessBaselineNoCodec() {
        return Inputs.echoLength(plainChannel, spp.retainedDuplicate(), LOCAL, EDGE, false);
    }

    /** {@link #harnessBaselineNoCodec()} for {@link #sppDecodeAndNewBufferReply()}. */
    @Benchmark
    public int harnessBaselineNewBufferNoCodec() {
        return Inputs.echoLength(plainChannel, spp.retainedDuplicate(), LOCAL, EDGE, true);
    }

    @Benchmark
    public InetSocketAddress sppHeaderDecode() {
        return SppHeader.decode(spp).client();
    }

    @Benchmark
    public InetSocketAddress proxyV2DatagramHeaderDecode() {
        ProxyHeader h = parser.parse(v2);
        return h.sourceAddress();
    }

    @Benchmark
    public InetSocketAddress proxyV2DatagramCodec() {
        v2Channel.writeInbound(new DatagramPacket(v2.retainedDuplicate(), LOCAL, EDGE));
        ProxiedDatagram in = v2Channel.readInbound();
        InetSocketAddress client = in.sender();
        in.release();
        return client;
    }

    /**
     * A datagram from a trusted edge without the SPP magic: counted and released, nothing
     * passed on. What each datagram of a flood of junk costs; returns the drop count.
     */
    @Benchmark
    public long sppDropBadMagic() {
        sppChannel.writeInbound(new DatagramPacket(badMagic.retainedDuplicate(), LOCAL, EDGE));
        return sppCodec.drops();
    }

    /** For a quick check without JMH. */
    public static void main(String[] args) {
        DatagramBenchmark b = new DatagramBenchmark();
        b.trust = "reloadable";
        b.setup();
        System.out.println(b.sppDecodeAndEchoReply() + " " + b.sppHeaderDecode() + " " + b.proxyV2DatagramCodec());
        b.tearDown();
        Unpooled.buffer().release();
    }
}
