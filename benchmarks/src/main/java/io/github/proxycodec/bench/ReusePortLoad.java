package io.github.proxycodec.bench;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code LoadTool udp-threads}: what more channels on one port ({@code SO_REUSEPORT}, epoll) give
 * an SPP origin. The same client load, alternately against an origin of one channel on one
 * thread and one of N channels on N threads, each channel with its own {@link SppCodec}. The
 * clients come through several edge ports (one socket each, a client always through the same
 * one, as Spectrum does), since the kernel picks a socket by the datagram's 4-tuple: one edge
 * port would reach one channel only. Everything runs in this JVM, unpinned: the origins' N
 * threads and the clients' one share the machine's cores.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.proxycodec.bench.LoadTool udp-threads \
 *     [seconds per round] [window] [clients] [rounds] [threads] [edge ports]
 * </pre>
 */
final class ReusePortLoad {

    private static final byte[] PAYLOAD = "ping".getBytes(StandardCharsets.US_ASCII);

    private ReusePortLoad() {
    }

    static void main(String[] args) throws Exception {
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        int window = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int clients = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 11;
        int threads = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        int edges = args.length > 6 ? Integer.parseInt(args[6]) : 16;
        if (!Epoll.isAvailable()) {
            System.err.println("udp-threads needs epoll (SO_REUSEPORT)");
            System.exit(2);
        }
        EventLoopGroup one = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup many = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        EventLoopGroup clientGroup = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            UdpProxyConfig config = UdpProxyConfig.builder()
                    .trustedEdges(TrustedProxies.of("127.0.0.0/8")).maxFlows(Math.max(clients, 1024)).build();
            List<Echo> sharedEchoes = new ArrayList<>();
            InetSocketAddress single = bind(one, config, 1, new ArrayList<>());
            InetSocketAddress shared = bind(many, config, threads, sharedEchoes);
            byte[][] datagrams = new byte[clients][];
            for (int i = 0; i < clients; i++) {
                datagrams[i] = Inputs.sppDatagram(i, PAYLOAD);
            }
            for (int i = 0; i < 3; i++) {   // warm-up, unreported
                blast(clientGroup, single, datagrams, edges, window, seconds);
                blast(clientGroup, shared, datagrams, edges, window, seconds);
            }
            report(clientGroup, single, shared, datagrams, new int[] {window, edges, rounds, threads}, seconds);
            StringBuilder shares = new StringBuilder("datagrams per channel of the shared port:");
            sharedEchoes.forEach(e -> shares.append(' ').append(e.datagrams.sum()));
            System.out.println(shares);
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            one.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            many.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Runs the alternating rounds (one channel, N channels, one, ...) and prints each and the medians. */
    private static void report(EventLoopGroup clientGroup, InetSocketAddress single, InetSocketAddress shared,
                               byte[][] datagrams, int[] shape, double seconds) throws InterruptedException {
        int window = shape[0];
        int edges = shape[1];
        int rounds = shape[2];
        int threads = shape[3];
        double[] oneRates = new double[rounds + 1];
        double[] manyRates = new double[rounds];
        double[] ratios = new double[rounds];
        oneRates[0] = blast(clientGroup, single, datagrams, edges, window, seconds);
        for (int r = 0; r < rounds; r++) {
            manyRates[r] = blast(clientGroup, shared, datagrams, edges, window, seconds);
            oneRates[r + 1] = blast(clientGroup, single, datagrams, edges, window, seconds);
            ratios[r] = manyRates[r] / ((oneRates[r] + oneRates[r + 1]) / 2);
            System.out.printf("round %d: 1 channel %.0f dgram/s, %d channels %.0f dgram/s, ratio %.3f%n",
                    r + 1, oneRates[r], threads, manyRates[r], ratios[r]);
        }
        System.out.printf("udp-threads window=%d clients=%d edge ports=%d rounds=%d of %.1f s: 1 channel median %.0f/s,"
                        + " %d channels median %.0f/s, ratio median %.3f (quartiles %.3f-%.3f); %d CPUs, one JVM, not pinned%n",
                window, datagrams.length, edges, rounds, seconds, Origins.quantile(oneRates, 0.5), threads,
                Origins.quantile(manyRates, 0.5), Origins.quantile(ratios, 0.5), Origins.quantile(ratios, 0.25),
                Origins.quantile(ratios, 0.75), Runtime.getRuntime().availableProcessors());
    }

    /**
     * Binds {@code channels} SPP origins echoing each payload on one port, adding their
     * applications to {@code echoes}; returns the port's address.
     */
    private static InetSocketAddress bind(EventLoopGroup group, UdpProxyConfig config, int channels, List<Echo> echoes)
            throws InterruptedException {
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", 0);
        for (int i = 0; i < channels; i++) {
            Echo echo = new Echo();
            echoes.add(echo);
            Channel ch = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .option(EpollChannelOption.SO_REUSEPORT, true)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(new SppCodec(config), echo);
                        }
                    }).bind(at).sync().channel();
            at = (InetSocketAddress) ch.localAddress();
        }
        return at;
    }

    /** The application: the payload back to packet.sender(), as an unchanged UDP server does. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        /** Datagrams this channel answered: how the kernel spread the edge ports. */
        final LongAdder datagrams = new LongAdder();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            datagrams.increment();
            DatagramPacket p = (DatagramPacket) msg;
            ctx.write(new DatagramPacket(p.content(), p.sender()));
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /**
     * Keeps {@code window} datagrams in flight for {@code seconds}, spread over {@code edges}
     * client sockets (client i always through socket i % edges); returns replies per second.
     */
    private static double blast(EventLoopGroup group, InetSocketAddress target, byte[][] datagrams, int edges,
                                int window, double seconds) throws InterruptedException {
        AtomicLong replies = new AtomicLong();
        List<Edge> sockets = new ArrayList<>(edges);
        for (int e = 0; e < edges; e++) {
            Edge edge = new Edge(target, datagrams, e, edges, replies);
            edge.channel = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                    .handler(edge).bind("127.0.0.1", 0).sync().channel();
            sockets.add(edge);
        }
        int perEdge = Math.max(1, window / edges);
        long[] lastSeen = {-1};
        Channel first = sockets.get(0).channel;
        // A lost datagram shrinks the window; put them back when replies stop coming.
        var refill = first.eventLoop().scheduleAtFixedRate(() -> {
            long r = replies.get();
            if (r == lastSeen[0]) {
                sockets.forEach(s -> s.burst(perEdge));
            }
            lastSeen[0] = r;
        }, 50, 50, TimeUnit.MILLISECONDS);
        long t0 = System.nanoTime();
        first.eventLoop().execute(() -> sockets.forEach(s -> s.burst(perEdge)));
        Thread.sleep((long) (seconds * 1000));
        long got = replies.get();
        double secs = (System.nanoTime() - t0) / 1e9;
        refill.cancel(false);
        for (Edge s : sockets) {
            s.channel.close().sync();
            s.block.release();
        }
        return got / secs;
    }

    /** One edge port: its share of the clients' datagrams in one buffer, the next sent on each reply. */
    private static final class Edge extends ChannelInboundHandlerAdapter {
        final InetSocketAddress target;
        final ByteBuf block;
        final int[] starts;
        final AtomicLong replies;
        Channel channel;
        int next;

        Edge(InetSocketAddress target, byte[][] datagrams, int index, int edges, AtomicLong replies) {
            this.target = target;
            this.replies = replies;
            int count = (datagrams.length - index + edges - 1) / edges;
            starts = new int[count + 1];
            block = Unpooled.directBuffer(count * datagrams[0].length);
            for (int k = 0, i = index; k < count; k++, i += edges) {
                starts[k] = block.writerIndex();
                block.writeBytes(datagrams[i]);
            }
            starts[count] = block.writerIndex();
        }

        void burst(int n) {
            for (int i = 0; i < n; i++) {
                sendNext();
            }
            channel.flush();
        }

        private void sendNext() {
            int k = next++ % (starts.length - 1);
            channel.write(new DatagramPacket(block.retainedSlice(starts[k], starts[k + 1] - starts[k]), target));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ((DatagramPacket) msg).release();
            replies.incrementAndGet();
            sendNext();
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }
}
