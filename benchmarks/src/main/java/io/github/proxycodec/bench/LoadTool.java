package io.github.proxycodec.bench;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end load on loopback, the same client load against two origins in one run: one with
 * {@link ProxyProtocolHandler} (clients send a PROXY v2 header first) and the same origin
 * without it (clients send no header). Each connection sends one request line and waits for
 * the one-line answer, then closes. Rounds alternate between the two origins; each round with
 * the handler is compared with the plain rounds on either side, and the median ratio is
 * reported.
 *
 * <p>UDP: datagrams per second through an origin with {@link SppCodec} (an edge stand-in
 * prepends SPP headers for many distinct clients and checks the echoed header on every reply)
 * against a plain UDP echo origin fed the bare payloads, with the same window of datagrams in
 * flight, in rounds as for TCP.
 *
 * <p>Both: the origins run in a child JVM pinned to CPU 0 and the clients in this one, pinned
 * to CPU 1, when {@code taskset} is on the PATH ({@code -Dloadtool.noPin=true}: one JVM,
 * unpinned).
 *
 * <p>UDP options, as system properties: {@code loadtool.answer} (both origins answer
 * {@code client=<address> <payload>} as the examples' udp-origin does, instead of echoing),
 * {@code loadtool.random} (each datagram from a client picked at random, instead of each client
 * in turn) and {@code loadtool.plainHop} (the plain origin gets a handler that passes everything
 * on: what one more handler in the pipeline costs).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool tcp [connections per round] [concurrency] [rounds]
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool udp [seconds per round] [window] [clients] [rounds]
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool udp-threads [...]   (see ReusePortLoad)
 * </pre>
 */
public final class LoadTool {

    private static final byte[] REQUEST = "ping\n".getBytes(StandardCharsets.US_ASCII);

    private LoadTool() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "tcp";
        if (mode.equals("udp")) {
            Udp.main(args);
            return;
        }
        if (mode.equals("udp-threads")) {
            ReusePortLoad.main(args);
            return;
        }
        if (mode.equals("udp-origins") || mode.equals("tcp-origins")) {
            IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            if (mode.equals("udp-origins")) {
                int clients = Integer.parseInt(args[1]);
                boolean answer = Boolean.parseBoolean(args[2]);
                boolean plainHop = Boolean.parseBoolean(args[3]);
                Origins.serve(io, group -> Udp.origins(group, clients, answer, plainHop));
            } else {
                Origins.serve(io, LoadTool::tcpOrigins);
            }
            return;
        }
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 11;
        if (!mode.equals("tcp")) {
            System.err.println("usage: LoadTool tcp [connections per round] [concurrency] [rounds]"
                    + " | udp [seconds per round] [window] [clients] [rounds]"
                    + " | udp-threads [seconds per round] [window] [clients] [rounds] [threads] [edge ports]");
            System.exit(2);
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends SocketChannel> clientClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, io);
        try (Origins origins = Origins.start(io, LoadTool::tcpOrigins, "tcp-origins")) {
            byte[] header = v2Header();
            double[][] result = origins.alternate(2, rounds, plain -> plain
                    ? run(clientGroup, clientClass, origins.plain, null, connections, concurrency)
                    : run(clientGroup, clientClass, origins.other, header, connections, concurrency), "conn/s");
            origins.report(String.format("tcp transport=%s connections=%d per round, concurrency=%d, rounds=%d",
                    epoll ? "epoll" : "nio", connections, concurrency, rounds), result);
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Binds the two TCP origins: plain, then with {@link ProxyProtocolHandler}. */
    private static Channel[] tcpOrigins(EventLoopGroup group) throws InterruptedException {
        Class<? extends ServerSocketChannel> cls = Epoll.isAvailable() ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        ProxyProtocolConfig config = ProxyProtocolConfig.builder()
                .trustedProxies(TrustedProxies.of("127.0.0.0/8")).build();
        return new Channel[] {origin(group, cls, null), origin(group, cls, config)};
    }

    private static byte[] v2Header() {
        ProxyHeader h = ProxyHeader.builder()
                .addresses(new InetSocketAddress("203.0.113.7", 40000), new InetSocketAddress("198.51.100.1", 443))
                .build();
        return ProxyHeaderEncoder.toByteArray(h);
    }

    private static Channel origin(EventLoopGroup group, Class<? extends ServerSocketChannel> cls,
                                  ProxyProtocolConfig config) throws InterruptedException {
        return new ServerBootstrap().group(group).channel(cls)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (config != null) {
                            ch.pipeline().addLast(new ProxyProtocolHandler(config));
                        }
                        ch.pipeline().addLast(new Answer());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    /** Answers each read with the client address the application sees. */
    private static final class Answer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            String line = "client=" + NetUtil.toSocketAddressString(ProxyProtocol.clientAddress(ctx.channel())) + "\n";
            ctx.writeAndFlush(Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // clients reset their connections on close (SO_LINGER 0)
        }
    }

    /** Runs {@code total} connections, {@code concurrency} at a time; returns how long it took. */
    private static Origins.Measured run(EventLoopGroup group, Class<? extends SocketChannel> cls, InetSocketAddress target,
                              byte[] header, int total, int concurrency) throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        AtomicLong done = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(total);
        byte[] first;
        if (header == null) {
            first = REQUEST;
        } else {
            first = new byte[header.length + REQUEST.length];
            System.arraycopy(header, 0, first, 0, header.length);
            System.arraycopy(REQUEST, 0, first, header.length, REQUEST.length);
        }
        Bootstrap b = new Bootstrap().group(group).channel(cls)
                .option(ChannelOption.SO_LINGER, 0) // RST on close: no TIME_WAIT pile-up on loopback
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.writeAndFlush(Unpooled.wrappedBuffer(first));
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                                done.incrementAndGet();
                                ctx.close();
                            }
                        });
                    }
                });
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (started.getAndIncrement() >= total) {
                return;
            }
            b.connect(target).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    errors.incrementAndGet();
                    finished.countDown();
                    next[0].run();
                    return;
                }
                f.channel().closeFuture().addListener(c -> {
                    finished.countDown();
                    next[0].run();
                });
            });
        };
        long t0 = System.nanoTime();
        List<Runnable> starters = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            starters.add(next[0]);
        }
        starters.forEach(Runnable::run);
        if (!finished.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("load did not finish");
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (errors.get() > 0 || done.get() != total) {
            throw new IllegalStateException("errors=" + errors.get() + " answered=" + done.get() + " of " + total);
        }
        return new Origins.Measured(total, secs);
    }

    /** The UDP half: SPP origin against a plain echo origin. */
    static final class Udp {
        private static final byte[] PAYLOAD = "ping".getBytes(StandardCharsets.US_ASCII);
        private static final boolean RANDOM = Boolean.getBoolean("loadtool.random");

        static void main(String[] args) throws Exception {
            double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1;
            int window = args.length > 2 ? Integer.parseInt(args[2]) : 64;
            int clients = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
            int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 21;
            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            Class<? extends io.netty.channel.socket.DatagramChannel> cls = epoll
                    ? io.netty.channel.epoll.EpollDatagramChannel.class
                    : io.netty.channel.socket.nio.NioDatagramChannel.class;
            EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, io);
            boolean answer = Boolean.getBoolean("loadtool.answer");
            boolean plainHop = Boolean.getBoolean("loadtool.plainHop");
            try (Origins origins = Origins.start(io, group -> origins(group, clients, answer, plainHop), "udp-origins",
                    String.valueOf(clients), String.valueOf(answer), String.valueOf(plainHop))) {
                byte[][] framed = new byte[clients][];
                for (int i = 0; i < clients; i++) {
                    framed[i] = Inputs.sppDatagram(i, PAYLOAD);
                }
                // The plain origin gets the bare payload, from as many clients' worth of datagrams.
                byte[][] bare = new byte[clients][];
                java.util.Arrays.fill(bare, PAYLOAD);
                // Rounds alternate, so that whatever else the machine is doing weighs on both
                // origins alike; the warm-up rounds let the JIT settle on both paths.
                double[][] result = origins.alternate(3, rounds, plain -> plain
                        ? blast(clientGroup, cls, origins.plain, bare, window, seconds, false, answer)
                        : blast(clientGroup, cls, origins.other, framed, window, seconds, true, answer), "dgram/s");
                origins.report(String.format("udp transport=%s window=%d clients=%d%s rounds=%d of %.1f s, application %s%s",
                        epoll ? "epoll" : "nio", window, clients, RANDOM ? " (at random)" : "", rounds, seconds,
                        answer ? "answer" : "echo", plainHop ? ", plain origin with one more handler" : ""), result);
            } finally {
                clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }

        /**
         * Binds the two UDP origins: plain, then with {@link SppCodec}. Their application echoes
         * each payload, or with {@code answer} replies {@code client=<address> <payload>} as the
         * examples' udp-origin does. With {@code plainHop} the plain origin gets a handler in front
         * that passes everything on.
         */
        static Channel[] origins(EventLoopGroup group, int clients, boolean answer, boolean plainHop)
                throws InterruptedException {
            Class<? extends io.netty.channel.socket.DatagramChannel> cls = Epoll.isAvailable()
                    ? io.netty.channel.epoll.EpollDatagramChannel.class
                    : io.netty.channel.socket.nio.NioDatagramChannel.class;
            return new Channel[] {udpOrigin(group, cls, null, answer, plainHop),
                udpOrigin(group, cls, sppConfig(clients), answer, false)};
        }

        private static UdpProxyConfig sppConfig(int clients) {
            return UdpProxyConfig.builder()
                    .trustedEdges(TrustedProxies.of("127.0.0.0/8")).maxFlows(Math.max(clients, 1024)).build();
        }

        private static Channel udpOrigin(EventLoopGroup group, Class<? extends io.netty.channel.socket.DatagramChannel> cls,
                                         UdpProxyConfig config, boolean answer, boolean hop)
                throws InterruptedException {
            return new Bootstrap().group(group).channel(cls)
                    .handler(new ChannelInitializer<io.netty.channel.socket.DatagramChannel>() {
                        @Override
                        protected void initChannel(io.netty.channel.socket.DatagramChannel ch) {
                            if (config != null) {
                                ch.pipeline().addLast(new SppCodec(config));
                            } else if (hop) {
                                ch.pipeline().addLast(new ChannelDuplexHandler());
                            }
                            // The application: echo to packet.sender(), as an unchanged UDP server does.
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    io.netty.channel.socket.DatagramPacket p = (io.netty.channel.socket.DatagramPacket) msg;
                                    if (!answer) {
                                        ctx.write(new io.netty.channel.socket.DatagramPacket(p.content(), p.sender()));
                                        return;
                                    }
                                    // As udp-origin does: name the client, then the payload.
                                    String text = "client=" + NetUtil.toSocketAddressString(p.sender()) + " "
                                            + p.content().toString(StandardCharsets.UTF_8);
                                    p.release();
                                    ctx.write(new io.netty.channel.socket.DatagramPacket(
                                            ByteBufUtil.writeUtf8(ctx.alloc(), text), p.sender()));
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        /** Keeps {@code window} datagrams in flight for {@code seconds}; returns the replies and the time. */
        private static Origins.Measured blast(EventLoopGroup group, Class<? extends io.netty.channel.socket.DatagramChannel> cls,
                                    InetSocketAddress target, byte[][] bytes, int window, double seconds,
                                    boolean checkEcho, boolean answer) throws InterruptedException {
            AtomicLong replies = new AtomicLong();
            AtomicLong bad = new AtomicLong();
            int[] next = {0};
            // The client side is kept cheap, so that the origin is what limits the rate, and the
            // same for both origins: the datagrams (one per client) are laid out one after the
            // other in one direct buffer and sent as slices of it, without a copy; with epoll,
            // replies are read many at a time (recvmmsg).
            ByteBuf block = Unpooled.directBuffer(java.util.Arrays.stream(bytes).mapToInt(b -> b.length).sum());
            int[] datagrams = new int[bytes.length + 1]; // where each starts, and the end
            for (int i = 0; i < bytes.length; i++) {
                datagrams[i] = block.writerIndex();
                block.writeBytes(bytes[i]);
            }
            datagrams[bytes.length] = block.writerIndex();
            Bootstrap bootstrap = new Bootstrap().group(group).channel(cls);
            if (cls == io.netty.channel.epoll.EpollDatagramChannel.class) {
                bootstrap.option(io.netty.channel.epoll.EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 256)
                        .option(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.FixedRecvByteBufAllocator(256 * 32));
            }
            Channel ch = bootstrap
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            io.netty.channel.socket.DatagramPacket p = (io.netty.channel.socket.DatagramPacket) msg;
                            ByteBuf c = p.content();
                            int expected = SppHeader.LENGTH + PAYLOAD.length;
                            boolean length = answer ? c.readableBytes() > expected : c.readableBytes() == expected;
                            if (checkEcho && (!length || c.getUnsignedShort(c.readerIndex()) != SppHeader.MAGIC)) {
                                bad.incrementAndGet();
                            }
                            p.release();
                            replies.incrementAndGet();
                            send(ctx.channel(), target, block, datagrams, next);
                        }

                        @Override
                        public void channelReadComplete(ChannelHandlerContext ctx) {
                            ctx.flush();
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            long[] lastSeen = {-1};
            // A lost datagram shrinks the window; put one back for each that went quiet.
            io.netty.util.concurrent.ScheduledFuture<?> refill = ch.eventLoop().scheduleAtFixedRate(() -> {
                long r = replies.get();
                if (r == lastSeen[0]) {
                    for (int i = 0; i < window; i++) {
                        send(ch, target, block, datagrams, next);
                    }
                    ch.flush();
                }
                lastSeen[0] = r;
            }, 50, 50, TimeUnit.MILLISECONDS);
            long t0 = System.nanoTime();
            ch.eventLoop().execute(() -> {
                for (int i = 0; i < window; i++) {
                    send(ch, target, block, datagrams, next);
                }
                ch.flush();
            });
            Thread.sleep((long) (seconds * 1000));
            long got = replies.get();
            double secs = (System.nanoTime() - t0) / 1e9;
            refill.cancel(false);
            ch.close().sync();
            block.release();
            if (bad.get() > 0) {
                throw new IllegalStateException(bad.get() + " replies without their SPP header");
            }
            return new Origins.Measured(got, secs);
        }

        private static void send(Channel ch, InetSocketAddress target, ByteBuf block, int[] starts, int[] next) {
            int i = RANDOM ? ThreadLocalRandom.current().nextInt(starts.length - 1) : next[0]++ % (starts.length - 1);
            ch.write(new io.netty.channel.socket.DatagramPacket(
                    block.retainedSlice(starts[i], starts[i + 1] - starts[i]), target));
        }
    }
}
