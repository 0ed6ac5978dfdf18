package io.github.proxycodec.interop;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * One QUIC client reaching the echo server on loopback, either directly or through a
 * {@link QuicEdge} and the matching codec in front of the server's QUIC codec, with segmented
 * sends (GSO) on the server off or on. Everything runs on epoll, which GSO needs.
 */
final class QuicPath implements AutoCloseable {

    /** How the client reaches the server. */
    enum Route {
        /** Straight to the QUIC server, no edge and no codec: the baseline. */
        DIRECT,
        /** Through the edge relaying datagrams as they are, to the server with no codec: what the hop costs. */
        EDGE_ONLY,
        /** Through the edge with SPP, to {@link SppCodec}. */
        SPP,
        /** Through the edge with PROXY v2 on each flow's first datagram, to {@link ProxyV2DatagramCodec}. */
        PPV2_FIRST
    }

    private static final int BUFFER = 4 << 20;
    private static final long CONNECT_SECONDS = 20;

    final Route route;
    final QuicEcho echo;
    final AbstractUdpProxyCodec codec;
    final QuicEdge edge;
    final Channel server;
    final Channel client;
    final QuicChannel quic;
    /** Segmented datagrams the QUIC server wrote (counted before the codec sees them). */
    final AtomicLong segmentedWrites = new AtomicLong();

    private QuicPath(Route route, boolean gso, EventLoopGroup group) throws Exception {
        this.route = route;
        this.echo = new QuicEcho();
        UdpProxyConfig config = UdpProxyConfig.builder().trustedEdges(TrustedProxies.of("127.0.0.1/32")).build();
        this.codec = route == Route.SPP ? new SppCodec(config)
                : route == Route.PPV2_FIRST ? new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM)
                : null;
        // What QUIC may send: the reply limit, less the SPP header that goes in front of each packet.
        long maxSend = config.maxReplyLength() - (route == Route.SPP ? SppHeader.LENGTH : 0);
        ChannelHandler quicServer = echo.serverCodec(maxSend, gso);
        this.server = udp(group).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (codec != null) {
                    ch.pipeline().addLast(codec);
                }
                ch.pipeline().addLast(new CountSegmented(), quicServer);
            }
        }).bind(new InetSocketAddress(Loopback.V4, 0)).sync().channel();
        InetSocketAddress serverAddress = (InetSocketAddress) server.localAddress();
        this.edge = route == Route.DIRECT ? null : new QuicEdge(serverAddress, edgeMode(route)).start(group);
        this.client = udp(group).handler(echo.clientCodec())
                .bind(new InetSocketAddress(Loopback.V4, 0)).sync().channel();
        this.quic = QuicChannel.newBootstrap(client).handler(new ChannelInboundHandlerAdapter())
                .streamHandler(new ChannelInboundHandlerAdapter())
                .remoteAddress(edge != null ? edge.address() : serverAddress)
                .connect().get(CONNECT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Opens the path: server, edge and codec as {@code route} says, then the client's handshake.
     * Whatever it started before a failure is closed with {@code group}.
     */
    static QuicPath open(Route route, boolean gso, EventLoopGroup group) throws Exception {
        return new QuicPath(route, gso, group);
    }

    /**
     * Checks QUIC's native library and epoll load; when one does not, fails under {@code CI=true}
     * (CI must run these tests) and skips elsewhere.
     */
    static void requireNative() {
        Throwable missing = !Quic.isAvailable() ? Quic.unavailabilityCause()
                : !Epoll.isAvailable() ? Epoll.unavailabilityCause() : null;
        if (missing != null && "true".equals(System.getenv("CI"))) {
            fail("QUIC or epoll native library does not load (CI=true: it must)", missing);
        }
        assumeTrue(missing == null, () -> "QUIC or epoll native library does not load: " + missing);
    }

    private static QuicEdge.Mode edgeMode(Route route) {
        return route == Route.SPP ? QuicEdge.Mode.SPP
                : route == Route.PPV2_FIRST ? QuicEdge.Mode.PPV2_FIRST : QuicEdge.Mode.PLAIN;
    }

    /** Returns the client's own UDP address: what the server should see as its peer. */
    InetSocketAddress clientAddress() {
        return (InetSocketAddress) client.localAddress();
    }

    private static Bootstrap udp(EventLoopGroup group) {
        return new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, BUFFER).option(ChannelOption.SO_SNDBUF, BUFFER);
    }

    @Override
    public void close() throws InterruptedException {
        quic.close().await(5, TimeUnit.SECONDS);
        client.close().sync();
        if (edge != null) {
            edge.stop();
        }
        server.close().sync();
    }

    /** Counts the segmented datagrams the QUIC server writes, and passes every write on. */
    private final class CountSegmented extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof SegmentedDatagramPacket) {
                segmentedWrites.incrementAndGet();
            }
            ctx.write(msg, promise);
        }
    }
}
