package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The origin the peers proxy to: a Netty server with {@link ProxyProtocolHandler} first in each
 * connection's pipeline, trusting only loopback, as an application would run behind a proxy.
 *
 * <p>It records every connection's outcome ({@link Seen}) and answers each line it reads with
 * {@code client=<ip:port> dest=<ip:port>} as {@link ProxyProtocol} reports them. A line
 * {@code PING} is answered {@code PONG} (for health checks). A LOCAL header (a proxy's own
 * health check) is served or closed according to {@link LocalPolicy}.
 */
final class Origin implements AutoCloseable {

    /** What the origin does with a connection that sent a LOCAL header. */
    enum LocalPolicy {
        /** Serve it like any connection (answers the health check's PING). */
        SERVE,
        /** Close it as soon as the header is read. */
        CLOSE
    }

    /** What the origin knew about one connection once its header was handled. */
    static final class Seen {
        final ProxyProtocolEvent event;
        final InetSocketAddress peer;
        final InetSocketAddress client;
        final InetSocketAddress destination;
        final ProxyHeader header;

        Seen(ProxyProtocolEvent event, InetSocketAddress peer, InetSocketAddress client,
             InetSocketAddress destination, ProxyHeader header) {
            this.event = event;
            this.peer = peer;
            this.client = client;
            this.destination = destination;
            this.header = header;
        }

        boolean isLocal() {
            return header != null && header.command() == ProxyHeader.Command.LOCAL;
        }

        @Override
        public String toString() {
            return "Seen{peer=" + peer + ", client=" + client + ", dest=" + destination + ", " + event + '}';
        }
    }

    private final EventLoopGroup group;
    private final Channel server;
    private final List<Seen> seen = new ArrayList<>();

    /** Loopback, where the peers run. */
    static final TrustedProxies LOOPBACK = TrustedProxies.of("127.0.0.1/32", "::1/128");

    private Origin(LocalPolicy localPolicy, boolean dns, InetAddress bind, TrustedProxies trusted,
                   UnaryOperator<ProxyProtocolConfig.Builder> options) throws InterruptedException {
        ProxyProtocolConfig config = options.apply(ProxyProtocolConfig.builder()
                .trustedProxies(trusted)
                .headerTimeout(Duration.ofSeconds(3)))
                .build();
        Transports transport = Transports.preferred();
        group = transport.group(1);
        server = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ProxyProtocolHandler(config));
                        if (dns) {
                            // DNS over TCP: each message behind a 2-byte length.
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(0xFFFF, 0, 2, 0, 2),
                                    new LengthFieldPrepender(2));
                        }
                        ch.pipeline().addLast(new App(localPolicy, dns));
                    }
                })
                .bind(bind, 0).sync().channel();
    }

    /** Starts an origin on 127.0.0.1 and a free port, trusting loopback. */
    static Origin start(LocalPolicy localPolicy) throws InterruptedException {
        return new Origin(localPolicy, false, Loopback.V4, LOOPBACK, UnaryOperator.identity());
    }

    /** Starts an origin on 127.0.0.1 and a free port, trusting loopback, with more handler options. */
    static Origin start(UnaryOperator<ProxyProtocolConfig.Builder> options) throws InterruptedException {
        return new Origin(LocalPolicy.SERVE, false, Loopback.V4, LOOPBACK, options);
    }

    /** Starts an origin on {@code bind} and a free port, trusting {@code trusted}. */
    static Origin start(InetAddress bind, TrustedProxies trusted) throws InterruptedException {
        return new Origin(LocalPolicy.SERVE, false, bind, trusted, UnaryOperator.identity());
    }

    /**
     * Starts a DNS-over-TCP origin instead: each query is answered with one TXT record naming
     * the client address {@link ProxyProtocol} reports for the connection.
     */
    static Origin startDns() throws InterruptedException {
        return new Origin(LocalPolicy.SERVE, true, Loopback.V4, LOOPBACK, UnaryOperator.identity());
    }

    /** Returns the origin's port. */
    int port() {
        return address().getPort();
    }

    /** Returns the origin's address. */
    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Returns every connection seen so far. */
    List<Seen> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    /** Returns the connections seen so far that match {@code filter}. */
    List<Seen> seen(Predicate<Seen> filter) {
        List<Seen> out = new ArrayList<>();
        for (Seen s : seen()) {
            if (filter.test(s)) {
                out.add(s);
            }
        }
        return out;
    }

    /** Waits until a connection matching {@code filter} has been seen, and returns the first. */
    Seen await(Predicate<Seen> filter, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seen) {
            while (true) {
                for (Seen s : seen) {
                    if (filter.test(s)) {
                        return s;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("origin saw no matching connection within " + timeout + "; saw " + seen);
                }
                TimeUnit.NANOSECONDS.timedWait(seen, left);
            }
        }
    }

    /** Waits until at least {@code count} connections match {@code filter}. */
    List<Seen> awaitCount(Predicate<Seen> filter, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seen) {
            while (true) {
                List<Seen> hits = new ArrayList<>();
                for (Seen s : seen) {
                    if (filter.test(s)) {
                        hits.add(s);
                    }
                }
                if (hits.size() >= count) {
                    return hits;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("origin saw " + hits.size() + " of " + count
                            + " matching connections within " + timeout + "; saw " + seen);
                }
                TimeUnit.NANOSECONDS.timedWait(seen, left);
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class App extends ChannelInboundHandlerAdapter {
        private final LocalPolicy localPolicy;
        private final boolean dns;

        App(LocalPolicy localPolicy, boolean dns) {
            this.localPolicy = localPolicy;
            this.dns = dns;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyProtocolEvent) {
                ProxyProtocolEvent e = (ProxyProtocolEvent) evt;
                Channel ch = ctx.channel();
                Seen s = new Seen(e, (InetSocketAddress) ch.remoteAddress(), ProxyProtocol.clientAddress(ch),
                        ProxyProtocol.destinationAddress(ch), ProxyProtocol.header(ch));
                synchronized (seen) {
                    seen.add(s);
                    seen.notifyAll();
                }
                if (s.isLocal() && localPolicy == LocalPolicy.CLOSE) {
                    ctx.close();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            if (dns) {
                byte[] query;
                try {
                    query = ByteBufUtil.getBytes(in);
                } finally {
                    in.release();
                }
                String client = Loopback.text(ProxyProtocol.clientAddress(ctx.channel()));
                ctx.writeAndFlush(Unpooled.wrappedBuffer(Dns.txtAnswer(query, client)));
                return;
            }
            String text;
            try {
                text = in.toString(CharsetUtil.US_ASCII);
            } finally {
                in.release();
            }
            StringBuilder reply = new StringBuilder();
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                if (line.equals("PING")) {
                    reply.append("PONG\n");
                } else {
                    reply.append("client=").append(Loopback.text(ProxyProtocol.clientAddress(ctx.channel())))
                            .append(" dest=").append(Loopback.text(ProxyProtocol.destinationAddress(ctx.channel())))
                            .append('\n');
                }
            }
            if (reply.length() > 0) {
                ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(reply.toString().getBytes(CharsetUtil.US_ASCII)));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
