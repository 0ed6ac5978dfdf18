package io.github.proxycodec.examples;

import io.github.proxycodec.TrustSource;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Options;
import io.github.proxycodec.examples.support.RateLimit;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.Transport;
import io.github.proxycodec.examples.support.TrustFileOption;
import io.github.proxycodec.trust.TrustFile;
import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyEvent;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * A UDP origin behind Cloudflare Spectrum (or dnsdist): the template to copy.
 *
 * <pre>
 * pipeline:  SppCodec | ProxyV2DatagramCodec → Origin
 * </pre>
 *
 * The codec strips the header, so {@link Origin} sees each datagram from the real client and
 * simply replies to {@code packet.sender()}; the codec sends the reply back through the edge
 * (with the SPP header echoed, for SPP). Each flag sets one {@link UdpProxyConfig} option or
 * picks the codec. Replace {@link Origin} with your application.
 */
@Command(name = "udp-origin", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "UDP origin behind Spectrum (SPP, PROXY v2) or dnsdist (PROXY v2).",
            "",
            "Answers every datagram with 'client=<ip>:<port> <payload>', sent back",
            "to the real client through the codec. Prints {\"event\":\"listening\",...}",
            "first, then {\"event\":\"flow\",...} for each new client and",
            "{\"event\":\"drop\",...} for each refused datagram: at most 20 drop",
            "lines a second, the next one that passes says how many were held back.",
            "",
            "Spectrum 'Simple Proxy Protocol': spp; Spectrum 'Proxy Protocol v2' on a",
            "UDP app: ppv2-first; dnsdist/HAProxy (header on every datagram): ppv2.",
            ""})
public final class UdpOrigin implements Callable<Integer> {

    /** The codec for each Spectrum setting. */
    enum Protocol {
        /** Spectrum "Simple Proxy Protocol": 38-byte header on every datagram, echoed on replies. */
        spp,
        /** PROXY v2 on every datagram (dnsdist, HAProxy, PowerDNS). */
        ppv2,
        /** Spectrum "Proxy Protocol v2" on a UDP app: header on the first datagram of a flow. */
        ppv2_first
    }

    /** The most channels {@code --threads} may ask for. */
    static final int MAX_THREADS = 64;

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", required = true, paramLabel = "P", converter = Options.Port.class,
            description = "Port to listen on, 0..65535; 0 picks a free one.")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "A", converter = Options.Host.class,
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    InetAddress bind;

    @Option(names = "--protocol", required = true, paramLabel = "spp|ppv2|ppv2-first",
            converter = ProtocolConverter.class,
            description = "SppCodec, ProxyV2DatagramCodec PER_DATAGRAM, or ProxyV2DatagramCodec FIRST_DATAGRAM.")
    Protocol protocol;

    @Option(names = "--trust", defaultValue = "cloudflare", converter = Options.Trust.class,
            paramLabel = "CIDR,...|cloudflare|any",
            description = "trustedEdges: 'cloudflare' (default), 'any', or a comma list of CIDRs.")
    TrustedProxies trust;

    @Option(names = "--trust-file", paramLabel = "PATH",
            description = "trustSource: CIDRs in a file (one a line, # comments, 'cloudflare'), reloaded when it changes; instead of --trust.")
    Path trustFile;

    /** The file behind --trust-file, once started. */
    private TrustFile watched;

    @Option(names = "--max-flows", paramLabel = "N", converter = Options.MaxFlows.class,
            description = "maxFlows: clients remembered per channel, 1..14680064 (default 65536).")
    Integer maxFlows;

    @Option(names = "--idle-timeout", converter = Options.IdleTimeout.class, paramLabel = "D",
            description = "The protocol's idle timeout, 1ms..24h (sppIdleTimeout, perDatagramIdleTimeout or firstDatagramIdleTimeout).")
    Duration idleTimeout;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N", converter = ThreadsConverter.class,
            description = "Channels serving the port, each on its own thread with its own codec and flows,"
                    + " bound with SO_REUSEPORT (epoll; nio serves from one). 1.." + MAX_THREADS + ", default 1.")
    int threads;

    /** Maps the flags onto the library's configuration, one option each. */
    UdpProxyConfig config() {
        UdpProxyConfig.Builder b = UdpProxyConfig.builder().trustSource(trustSource()).dropEvents(true); // for the drop lines
        if (maxFlows != null) {
            b.maxFlows(maxFlows);
        }
        if (idleTimeout != null) {
            switch (protocol) {
                case spp: b.sppIdleTimeout(idleTimeout); break;
                case ppv2: b.perDatagramIdleTimeout(idleTimeout); break;
                default: b.firstDatagramIdleTimeout(idleTimeout); break;
            }
        }
        return b.build();
    }

    private TrustSource trustSource() {
        return watched != null ? watched.trust() : trust;
    }

    @Override
    public Integer call() throws Exception {
        Console console = main.console();
        int channels = threads;
        if (channels > 1 && !Transport.reusePort()) {
            console.info("udp-origin: --threads " + threads + " needs SO_REUSEPORT (epoll); nio serves the port from one channel");
            channels = 1;
        }
        EventLoopGroup group = Transport.group(channels);
        try {
            watched = TrustFileOption.start(spec, trustFile, group.next(), console);
            UdpProxyConfig config = config();
            InetSocketAddress address = new InetSocketAddress(bind, port);
            List<Channel> bound = start(group, address, codec(protocol, config), console, channels);
            console.info("udp-origin: " + Transport.name() + ", " + protocol.name().replace('_', '-') + ", "
                    + channels + (channels == 1 ? " channel, " : " channels, ") + config);
            Servers.announce(console, "udp", bound.get(0));
        } catch (Exception e) {
            Servers.shutdown(group);
            throw e;
        }
        try {
            Servers.runUntilStopped(console, group);
        } finally {
            if (watched != null) {
                watched.close();
            }
        }
        return 0;
    }

    /** Returns a factory of codecs (one per channel: a codec holds the channel's flows). */
    public static Supplier<AbstractUdpProxyCodec> codec(String protocol, UdpProxyConfig config) {
        return codec(new ProtocolConverter().convert(protocol), config);
    }

    static Supplier<AbstractUdpProxyCodec> codec(Protocol protocol, UdpProxyConfig config) {
        switch (protocol) {
            case spp: return () -> new SppCodec(config);
            case ppv2: return () -> new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM);
            default: return () -> new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM);
        }
    }

    /** Binds a UDP origin; the whole pipeline is here. */
    public static ChannelFuture start(EventLoopGroup group, InetSocketAddress address,
                                     Supplier<AbstractUdpProxyCodec> codec, Console console) {
        return bootstrap(group, codec, console).bind(address);
    }

    /**
     * Binds {@code channels} UDP origins to one port, with {@code SO_REUSEPORT} when more than
     * one: each gets its own codec (its own flows) and, from a group of as many threads, its
     * own event loop. The kernel sends all datagrams of one 4-tuple to one socket, so a flow
     * stays with its codec. The first binds {@code address} (port 0: a free one), the others
     * the port it got.
     */
    public static List<Channel> start(EventLoopGroup group, InetSocketAddress address,
                                      Supplier<AbstractUdpProxyCodec> codec, Console console, int channels)
            throws InterruptedException {
        List<Channel> bound = new ArrayList<>(channels);
        InetSocketAddress at = address;
        for (int i = 0; i < channels; i++) {   // on a failure, the caller's group shutdown closes those bound
            Bootstrap b = bootstrap(group, codec, console);
            Channel ch = Servers.listen((channels > 1 ? Transport.reusePort(b) : b).bind(at), at);
            bound.add(ch);
            at = (InetSocketAddress) ch.localAddress();
        }
        return bound;
    }

    private static Bootstrap bootstrap(EventLoopGroup group, Supplier<AbstractUdpProxyCodec> codec, Console console) {
        return new Bootstrap()
                .group(group)
                .channel(Transport.datagramChannel())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                codec.get(),            // first: strips the header, sends replies through the edge
                                new Origin(console));
                    }
                });
    }

    /** The application: replies to the real client and reports flows and drops. */
    static final class Origin extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Console console;
        private final RateLimit dropLines = new RateLimit(20);   // a flood of bad datagrams must not flood the log

        Origin(Console console) {
            this.console = console;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            // sender() is the real client; replying to it is all an application has to do.
            String text = packet.content().toString(StandardCharsets.UTF_8);
            ByteBuf reply = ByteBufUtil.writeUtf8(ctx.alloc(), "client=" + Addresses.format(packet.sender()) + " " + text);
            ctx.writeAndFlush(new DatagramPacket(reply, packet.sender()));
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UdpProxyEvent) {
                UdpProxyEvent e = (UdpProxyEvent) evt;
                if (e.kind() == UdpProxyEvent.Kind.FLOW_CREATED && e.client() != null) {
                    console.print(Console.event("flow")
                            .put("client", Addresses.format(e.client()))
                            .put("edge", Addresses.format(e.edge())));
                } else if (e.kind() == UdpProxyEvent.Kind.DROPPED) {
                    long held = dropLines.tryAcquire();
                    if (held >= 0) {
                        var line = Console.event("drop");
                        if (e.edge() != null) {
                            line.put("edge", Addresses.format(e.edge()));     // inbound: who sent it
                        } else {
                            line.put("client", Addresses.format(e.client())); // outbound: a reply that never left
                        }
                        line.put("reason", e.reason().name());
                        if (e.headerReason() != null) {
                            line.put("headerReason", e.headerReason().name());
                        }
                        if (held > 0) {
                            line.put("suppressed", held);
                        }
                        console.print(line);
                    }
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable: a UDP server keeps serving
        }
    }

    /** {@code --threads}: 1..{@value #MAX_THREADS}. */
    static final class ThreadsConverter implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return Options.wholeNumber(value, 1, MAX_THREADS, "a number of threads");
        }
    }

    /** Accepts {@code ppv2-first} for the enum constant {@code ppv2_first}. */
    static final class ProtocolConverter implements picocli.CommandLine.ITypeConverter<Protocol> {
        @Override
        public Protocol convert(String value) {
            try {
                return Protocol.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected spp, ppv2 or ppv2-first, not '" + value + "'");
            }
        }
    }
}
