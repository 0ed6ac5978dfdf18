package io.github.proxycodec.udp;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The codecs in a real origin on loopback UDP sockets (epoll where available, NIO otherwise):
 * several plain clients talk through a {@link TestEdge} that adds headers, to an origin whose
 * application answers {@code packet.sender()} and knows nothing about proxies.
 */
@Timeout(60)
class UdpLoopbackEndToEndTest {

    private static final int CLIENTS = 6;
    private static final int ROUNDS = 4;
    private static final TrustedProxies LOOPBACK = TrustedProxies.of("127.0.0.1/32", "::1/128");

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final Queue<String> originErrors = new ConcurrentLinkedQueue<>();
    private EventLoopGroup group;

    static List<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Transports t : Transports.available()) {
            for (TestEdge.Proxy p : TestEdge.Proxy.values()) {
                list.add(Arguments.of(t, p));
            }
        }
        return list;
    }

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** An application written for direct clients: answers whoever {@code packet.sender()} is. */
    @ChannelHandler.Sharable
    private final class AnswerSender extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            InetSocketAddress from = p.sender();
            String answer = "client=" + from.getAddress().getHostAddress() + ":" + from.getPort() + " "
                    + p.content().toString(StandardCharsets.US_ASCII);
            ctx.writeAndFlush(new DatagramPacket(ctx.alloc().buffer().writeBytes(
                    answer.getBytes(StandardCharsets.US_ASCII)), from))
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            originErrors.add("reply to " + from + " failed: " + f.cause());
                        }
                    });
        }
    }

    private static Supplier<AbstractUdpProxyCodec> codecFor(TestEdge.Proxy proxy) {
        UdpProxyConfig config = UdpProxyConfig.builder().trustedEdges(LOOPBACK).build();
        switch (proxy) {
            case SPP:
                return () -> new SppCodec(config);
            case PPV2:
                return () -> new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM);
            default:
                return () -> new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM);
        }
    }

    private Channel origin(Transports transport, Supplier<AbstractUdpProxyCodec> codec, List<AbstractUdpProxyCodec> codecs,
                           int port, boolean reusePort) throws InterruptedException {
        return origin(transport, codec, codecs, "127.0.0.1", port, reusePort);
    }

    private Channel origin(Transports transport, Supplier<AbstractUdpProxyCodec> codec, List<AbstractUdpProxyCodec> codecs,
                           String host, int port, boolean reusePort) throws InterruptedException {
        AnswerSender app = new AnswerSender();
        Bootstrap b = new Bootstrap().group(group).channel(transport.datagramChannel())
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        AbstractUdpProxyCodec c = codec.get(); // one per channel: it holds the flows
                        synchronized (codecs) {
                            codecs.add(c);
                        }
                        ch.pipeline().addLast(c, app);
                    }
                });
        if (reusePort) {
            b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        Channel ch = b.bind(host, port).sync().channel();
        toClose.add(() -> ch.close().sync());
        return ch;
    }

    /** Each client sends ROUNDS requests and checks each answer names it. */
    private void runClients(TestEdge testEdge) throws IOException {
        InetSocketAddress edge = testEdge.address();
        InetAddress host = edge.getAddress();
        List<java.net.DatagramSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                java.net.DatagramSocket s = new java.net.DatagramSocket(0, host);
                s.setSoTimeout(5000);
                sockets.add(s);
            }
            for (int round = 0; round < ROUNDS; round++) {
                // All clients first send, then all read: requests of different clients interleave.
                for (int i = 0; i < CLIENTS; i++) {
                    byte[] q = ("req-" + i + "-" + round).getBytes(StandardCharsets.US_ASCII);
                    sockets.get(i).send(new java.net.DatagramPacket(q, q.length, edge));
                }
                for (int i = 0; i < CLIENTS; i++) {
                    java.net.DatagramSocket s = sockets.get(i);
                    byte[] buf = new byte[2048];
                    java.net.DatagramPacket r = new java.net.DatagramPacket(buf, buf.length);
                    try {
                        s.receive(r);
                    } catch (SocketTimeoutException e) {
                        fail("client " + i + " got no answer in round " + round + "; edge errors " + testEdge.errors
                                + ", origin errors " + originErrors);
                    }
                    assertEquals(edge, r.getSocketAddress(), "answers come back through the edge");
                    assertEquals("client=" + host.getHostAddress() + ":" + s.getLocalPort() + " req-" + i + "-" + round,
                            new String(buf, 0, r.getLength(), StandardCharsets.US_ASCII));
                }
            }
        } finally {
            for (java.net.DatagramSocket s : sockets) {
                s.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void clientsThroughAnEdgeSeeTheirOwnAddressAndEveryReplyPassesTheEdgesCheck(
            Transports transport, TestEdge.Proxy proxy) throws Exception {
        group = transport.group(2);
        List<AbstractUdpProxyCodec> codecs = new ArrayList<>();
        Channel origin = origin(transport, codecFor(proxy), codecs, 0, false);
        TestEdge edge = TestEdge.start(transport, group, (InetSocketAddress) origin.localAddress(), proxy);
        toClose.add(edge);

        runClients(edge);

        assertEquals(List.of(), new ArrayList<>(edge.errors));
        assertEquals(List.of(), new ArrayList<>(originErrors));
        assertEquals(CLIENTS * ROUNDS, edge.repliesChecked.get());
        AbstractUdpProxyCodec codec = codecs.get(0);
        assertEquals(0, codec.drops(), "nothing dropped in either direction");
        assertEquals(CLIENTS, codec.flows());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.github.proxycodec.testing.Transports#available")
    void ipv6ClientsThroughAnSppEdgeOnIpv6Loopback(Transports transport) throws Exception {
        Assumptions.assumeTrue(ipv6LoopbackWorks(), "no ::1 on this machine");
        group = transport.group(2);
        List<AbstractUdpProxyCodec> codecs = new ArrayList<>();
        Channel origin = origin(transport, codecFor(TestEdge.Proxy.SPP), codecs, "::1", 0, false);
        TestEdge edge = TestEdge.start(transport, group, (InetSocketAddress) origin.localAddress(), TestEdge.Proxy.SPP);
        toClose.add(edge);

        runClients(edge);

        assertEquals(List.of(), new ArrayList<>(edge.errors));
        assertEquals(CLIENTS * ROUNDS, edge.repliesChecked.get());
        assertEquals(0, codecs.get(0).drops());
    }

    private static boolean ipv6LoopbackWorks() {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getByName("::1"))) {
            return s.getLocalPort() > 0;
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("io.github.proxycodec.testing.Transports#available")
    void aReplyBuiltForTheCodecIsRefusedByAChannelWithoutIt(Transports transport) throws Exception {
        group = transport.group(1);
        Channel bare = new Bootstrap().group(group).channel(transport.datagramChannel())
                .handler(new ChannelInboundHandlerAdapter()).bind("127.0.0.1", 0).sync().channel();
        toClose.add(() -> bare.close().sync());
        SppHeader h = SppHeader.of(new InetSocketAddress("127.0.0.1", 9), new InetSocketAddress("127.0.0.1", 53));
        ProxiedDatagram in = new ProxiedDatagram(bare.alloc().buffer().writeByte(1), h.proxy(), h.client(),
                new InetSocketAddress("127.0.0.1", 10), h, null);
        ByteBuf payload = bare.alloc().buffer().writeByte(2);
        in.release();
        ChannelFuture f = bare.writeAndFlush(in.reply(payload)).await();
        assertTrue(f.cause() instanceof UnsupportedOperationException, String.valueOf(f.cause()));
        assertEquals(0, payload.refCnt(), "the transport released what it refused");
    }

    @Test
    void channelsSharingAPortWithReusePortEachKeepTheirOwnFlows() throws Exception {
        Assumptions.assumeTrue(Epoll.isAvailable(), "SO_REUSEPORT load balancing needs epoll");
        group = Transports.EPOLL.group(2);
        List<AbstractUdpProxyCodec> codecs = new ArrayList<>();
        Supplier<AbstractUdpProxyCodec> codec = codecFor(TestEdge.Proxy.PPV2_FIRST);
        Channel first = origin(Transports.EPOLL, codec, codecs, 0, true);
        int port = ((InetSocketAddress) first.localAddress()).getPort();
        origin(Transports.EPOLL, codec, codecs, port, true);
        TestEdge edge = TestEdge.start(Transports.EPOLL, group, new InetSocketAddress("127.0.0.1", port),
                TestEdge.Proxy.PPV2_FIRST);
        toClose.add(edge);

        runClients(edge);

        assertEquals(List.of(), new ArrayList<>(edge.errors));
        assertEquals(2, codecs.size());
        // The kernel sends each edge socket's datagrams to one channel; that channel alone knows the flow.
        assertEquals(CLIENTS, codecs.get(0).flows() + codecs.get(1).flows());
        assertTrue(codecs.get(0).drops() + codecs.get(1).drops() == 0, "no headerless datagram met an unknown flow");
    }
}
