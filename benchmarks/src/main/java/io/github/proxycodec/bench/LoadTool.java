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
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool tcp [connections per round] [concurrency] [rounds]
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool udp [seconds per round] [window] [clients] [rounds]
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
        if (mode.equals("udp-origins")) {
            Udp.origins(args);
            return;
        }
        if (mode.equals("tcp-origins")) {
            tcpOrigins();
            return;
        }
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 11;
        if (!mode.equals("tcp")) {
            System.err.println("usage: LoadTool tcp [connections per round] [concurrency] [rounds]"
                    + " | udp [seconds per round] [window] [clients] [rounds]");
            System.exit(2);
        }
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerSocketChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        Class<? extends SocketChannel> clientClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        // As for UDP: origins in their own JVM on CPU 0, clients on CPU 1, where possible.
        Process child = startPinnedOrigins("tcp-origins");
        EventLoopGroup serverGroup = null;
        Channel plain = null;
        Channel proxied = null;
        InetSocketAddress plainAt;
        InetSocketAddress proxiedAt;
        if (child != null) {
            int[] ports = readPorts(child);
            plainAt = new InetSocketAddress("127.0.0.1", ports[0]);
            proxiedAt = new InetSocketAddress("127.0.0.1", ports[1]);
        } else {
            serverGroup = new MultiThreadIoEventLoopGroup(1, io);
            plain = origin(serverGroup, serverClass, null);
            proxied = origin(serverGroup, serverClass, tcpConfig());
            plainAt = (InetSocketAddress) plain.localAddress();
            proxiedAt = (InetSocketAddress) proxied.localAddress();
        }
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, io);
        try {
            byte[] header = v2Header();
            // Warm-up, not reported.
            for (int i = 0; i < 2; i++) {
                run(clientGroup, clientClass, plainAt, null, connections, concurrency);
                run(clientGroup, clientClass, proxiedAt, header, connections, concurrency);
            }
            // Alternating rounds; each round with the handler against the plain rounds on either side.
            double[] plainRates = new double[rounds + 1];
            double[] proxiedRates = new double[rounds];
            plainRates[0] = run(clientGroup, clientClass, plainAt, null, connections, concurrency);
            for (int r = 0; r < rounds; r++) {
                proxiedRates[r] = run(clientGroup, clientClass, proxiedAt, header, connections, concurrency);
                plainRates[r + 1] = run(clientGroup, clientClass, plainAt, null, connections, concurrency);
            }
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = proxiedRates[r] / ((plainRates[r] + plainRates[r + 1]) / 2);
                System.out.printf("round %d: plain %.0f conn/s, with handler %.0f conn/s, ratio %.3f%n",
                        r + 1, plainRates[r], proxiedRates[r], ratios[r]);
            }
            System.out.printf("tcp transport=%s connections=%d per round, concurrency=%d, rounds=%d: plain median %.0f/s,"
                            + " with handler median %.0f/s, ratio median %.3f (quartiles %.3f-%.3f)%n",
                    epoll ? "epoll" : "nio", connections, concurrency, rounds, Udp.median(plainRates),
                    Udp.median(proxiedRates), Udp.median(ratios), Udp.quantile(ratios, 0.25), Udp.quantile(ratios, 0.75));
            System.out.println(child != null ? "origins pinned to CPU 0 (own JVM), clients to CPU 1"
                    : "origins and clients in one JVM, not pinned");
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            stopOrigins(child);
            if (serverGroup != null) {
                plain.close().sync();
                proxied.close().sync();
                serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    private static ProxyProtocolConfig tcpConfig() {
        return ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8")).build();
    }

    /** The child JVM's side for TCP: both origins, their ports on stdout, until stdin closes. */
    static void tcpOrigins() throws Exception {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerSocketChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            Channel plain = origin(group, serverClass, null);
            Channel proxied = origin(group, serverClass, tcpConfig());
            servePorts((InetSocketAddress) plain.localAddress(), (InetSocketAddress) proxied.localAddress());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Prints the two origins' ports for the parent, then runs until the parent closes our stdin. */
    static void servePorts(InetSocketAddress plain, InetSocketAddress other) throws java.io.IOException {
        System.out.println("ports " + plain.getPort() + " " + other.getPort());
        System.out.flush();
        while (System.in.read() >= 0) {
            // runs until the parent closes our stdin (or exits)
        }
    }

    /**
     * Starts {@code LoadTool <childArgs>} in a child JVM pinned to CPU 0 and pins this JVM to
     * CPU 1, so that origins and clients each have a core and the scheduler cannot change the
     * setup between runs. Returns null (nothing started) when {@code -Dloadtool.noPin=true},
     * with fewer than 2 CPUs, or without {@code taskset} on the PATH.
     */
    static Process startPinnedOrigins(String... childArgs) throws java.io.IOException, InterruptedException {
        String taskset = Boolean.getBoolean("loadtool.noPin") || Runtime.getRuntime().availableProcessors() < 2
                ? null : onPath("taskset");
        if (taskset == null) {
            return null;
        }
        List<String> command = new ArrayList<>(List.of(taskset, "-c", "0",
                ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LoadTool.class.getName()));
        command.addAll(List.of(childArgs));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int rc = new ProcessBuilder(taskset, "-a", "-p", "-c", "1", String.valueOf(ProcessHandle.current().pid()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start().waitFor();
        if (rc != 0) {
            child.destroyForcibly();
            throw new IllegalStateException("taskset could not pin the client JVM; run with -Dloadtool.noPin=true");
        }
        return child;
    }

    /** Reads the {@code ports A B} line the child prints once its origins are bound. */
    static int[] readPorts(Process child) throws java.io.IOException {
        String line = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
                StandardCharsets.US_ASCII)).readLine();
        if (line == null || !line.startsWith("ports ")) {
            child.destroyForcibly();
            throw new IllegalStateException("the origins' JVM did not start (" + line
                    + "); run with -Dloadtool.noPin=true to keep everything in one JVM");
        }
        String[] words = line.split(" ");
        return new int[] {Integer.parseInt(words[1]), Integer.parseInt(words[2])};
    }

    /** Stops a child started by {@link #startPinnedOrigins}, if any. */
    static void stopOrigins(Process child) throws java.io.IOException, InterruptedException {
        if (child != null) {
            child.getOutputStream().close(); // the child's signal to stop
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
    }

    /** Returns the path of {@code command} if it is an executable on PATH, else null. */
    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            java.io.File f = new java.io.File(dir, command);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    private static byte[] v2Header() {
        ProxyHeader h = ProxyHeader.builder()
                .addresses(new InetSocketAddress("203.0.113.7", 40000), new InetSocketAddress("198.51.100.1", 443))
                .build();
        ByteBuf b = ProxyHeaderEncoder.encode(Unpooled.buffer().alloc(), h);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
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

    /** Runs {@code total} connections, {@code concurrency} at a time; returns completions per second. */
    private static double run(EventLoopGroup group, Class<? extends SocketChannel> cls, InetSocketAddress target,
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
        return total / secs;
    }

    /** The UDP half: SPP origin against a plain echo origin. */
    static final class Udp {
        private static final byte[] PAYLOAD = "ping".getBytes(StandardCharsets.US_ASCII);

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
            // Origins and clients on separate cores where possible: the origins in a child JVM
            // pinned to CPU 0, this JVM (the clients) to CPU 1, so that neither steals the
            // other's core and the scheduler cannot change the setup from one run to the next.
            Process child = startPinnedOrigins("udp-origins", String.valueOf(clients));
            EventLoopGroup serverGroup = null;
            Channel plain = null;
            Channel spp = null;
            InetSocketAddress plainAt;
            InetSocketAddress sppAt;
            if (child != null) {
                int[] ports = readPorts(child);
                plainAt = new InetSocketAddress("127.0.0.1", ports[0]);
                sppAt = new InetSocketAddress("127.0.0.1", ports[1]);
            } else {
                serverGroup = new MultiThreadIoEventLoopGroup(1, io);
                plain = udpOrigin(serverGroup, cls, null);
                spp = udpOrigin(serverGroup, cls, sppConfig(clients));
                plainAt = (InetSocketAddress) plain.localAddress();
                sppAt = (InetSocketAddress) spp.localAddress();
            }
            EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, io);
            try {
                byte[][] framed = new byte[clients][];
                for (int i = 0; i < clients; i++) {
                    InetSocketAddress client = new InetSocketAddress(
                            java.net.InetAddress.getByAddress(new byte[] {(byte) 198, (byte) (18 + (i >>> 16 & 1)),
                                    (byte) (i >>> 8), (byte) i}), 1024 + i % 60000);
                    byte[] h = SppHeader.of(client, new InetSocketAddress("203.0.113.1", 53)).toByteArray();
                    framed[i] = new byte[h.length + PAYLOAD.length];
                    System.arraycopy(h, 0, framed[i], 0, h.length);
                    System.arraycopy(PAYLOAD, 0, framed[i], h.length, PAYLOAD.length);
                }
                // The plain origin gets the bare payload, from as many clients' worth of datagrams.
                byte[][] bare = new byte[clients][];
                java.util.Arrays.fill(bare, PAYLOAD);
                // Warm-up, not reported: long enough for the JIT to settle on both paths.
                for (int i = 0; i < 3; i++) {
                    blast(clientGroup, cls, plainAt, bare, window, 1, false);
                    blast(clientGroup, cls, sppAt, framed, window, 1, true);
                }
                // Short rounds, alternating, so that whatever else the machine is doing weighs
                // on both sides alike; each SPP round is compared with the mean of the plain
                // rounds on either side of it, and the median of those ratios is reported.
                double[] plainRates = new double[rounds + 1];
                double[] sppRates = new double[rounds];
                plainRates[0] = blast(clientGroup, cls, plainAt, bare, window, seconds, false);
                for (int r = 0; r < rounds; r++) {
                    sppRates[r] = blast(clientGroup, cls, sppAt, framed, window, seconds, true);
                    plainRates[r + 1] = blast(clientGroup, cls, plainAt, bare, window, seconds, false);
                }
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratios[r] = sppRates[r] / ((plainRates[r] + plainRates[r + 1]) / 2);
                    System.out.printf("round %d: plain %.0f dgram/s, spp %.0f dgram/s, ratio %.3f%n",
                            r + 1, plainRates[r], sppRates[r], ratios[r]);
                }
                System.out.printf("udp transport=%s window=%d clients=%d rounds=%d of %.1f s: plain median %.0f/s,"
                                + " spp median %.0f/s, ratio median %.3f (quartiles %.3f-%.3f)%n",
                        epoll ? "epoll" : "nio", window, clients, rounds, seconds, median(plainRates), median(sppRates),
                        median(ratios), quantile(ratios, 0.25), quantile(ratios, 0.75));
                System.out.println(child != null ? "origins pinned to CPU 0 (own JVM), clients to CPU 1"
                        : "origins and clients in one JVM, not pinned");
            } finally {
                clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                stopOrigins(child);
                if (serverGroup != null) {
                    plain.close().sync();
                    spp.close().sync();
                    serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                }
            }
        }

        /** The child JVM's side: both origins, their ports on stdout, until stdin closes. */
        static void origins(String[] args) throws Exception {
            int clients = Integer.parseInt(args[1]);
            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            Class<? extends io.netty.channel.socket.DatagramChannel> cls = epoll
                    ? io.netty.channel.epoll.EpollDatagramChannel.class
                    : io.netty.channel.socket.nio.NioDatagramChannel.class;
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
            try {
                Channel plain = udpOrigin(group, cls, null);
                Channel spp = udpOrigin(group, cls, sppConfig(clients));
                servePorts((InetSocketAddress) plain.localAddress(), (InetSocketAddress) spp.localAddress());
            } finally {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }

        private static UdpProxyConfig sppConfig(int clients) {
            return UdpProxyConfig.builder()
                    .trustedEdges(TrustedProxies.of("127.0.0.0/8")).maxFlows(Math.max(clients, 1024)).build();
        }

        private static Channel udpOrigin(EventLoopGroup group, Class<? extends io.netty.channel.socket.DatagramChannel> cls,
                                         UdpProxyConfig config) throws InterruptedException {
            return new Bootstrap().group(group).channel(cls)
                    .handler(new ChannelInitializer<io.netty.channel.socket.DatagramChannel>() {
                        @Override
                        protected void initChannel(io.netty.channel.socket.DatagramChannel ch) {
                            if (config != null) {
                                ch.pipeline().addLast(new SppCodec(config));
                            }
                            // The application: echo to packet.sender(), as an unchanged UDP server does.
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    io.netty.channel.socket.DatagramPacket p = (io.netty.channel.socket.DatagramPacket) msg;
                                    ctx.write(new io.netty.channel.socket.DatagramPacket(p.content(), p.sender()));
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        static double median(double[] values) {
            return quantile(values, 0.5);
        }

        /** The {@code q} quantile, interpolated between the two nearest ranks. */
        static double quantile(double[] values, double q) {
            double[] v = values.clone();
            java.util.Arrays.sort(v);
            double pos = q * (v.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = Math.min(lo + 1, v.length - 1);
            return v[lo] + (v[hi] - v[lo]) * (pos - lo);
        }

        /** Keeps {@code window} datagrams in flight for {@code seconds}; returns replies per second. */
        private static double blast(EventLoopGroup group, Class<? extends io.netty.channel.socket.DatagramChannel> cls,
                                    InetSocketAddress target, byte[][] bytes, int window, double seconds,
                                    boolean checkEcho) throws InterruptedException {
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
                            if (checkEcho && (c.readableBytes() != SppHeader.LENGTH + PAYLOAD.length
                                    || c.getUnsignedShort(c.readerIndex()) != SppHeader.MAGIC)) {
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
            return got / secs;
        }

        private static void send(Channel ch, InetSocketAddress target, ByteBuf block, int[] starts, int[] next) {
            int i = next[0]++ % (starts.length - 1);
            ch.write(new io.netty.channel.socket.DatagramPacket(
                    block.retainedSlice(starts[i], starts[i + 1] - starts[i]), target));
        }
    }
}
