package io.github.proxycodec.examples.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The TCP half of the edge: accepts plain clients and relays each one to the origin over a new
 * connection that starts with a PROXY header built from the client's address and the edge's.
 * Reads are paced by writes, so neither side can make the edge buffer without bound.
 */
public final class TcpEdge {

    /** Client connections accepted so far. */
    final AtomicLong connections = new AtomicLong();
    /** Connections forwarded to the origin with their header. */
    final AtomicLong forwarded = new AtomicLong();
    /** Connections closed because the origin could not be reached. */
    final AtomicLong originErrors = new AtomicLong();

    private final InetSocketAddress origin;
    private final HeaderTemplate template;
    private final String proxyName;
    private final Console console;

    /**
     * @param origin    where to forward
     * @param template  the header to send first
     * @param proxyName the {@code --proxy} value, for the output lines
     * @param console   where to report
     */
    public TcpEdge(InetSocketAddress origin, HeaderTemplate template, String proxyName, Console console) {
        this.origin = origin;
        this.template = template;
        this.proxyName = proxyName;
        this.console = console;
    }

    /** Binds the edge's listening socket. */
    public ChannelFuture start(EventLoopGroup group, InetSocketAddress listen) {
        return new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel())
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new Frontend());   // one per client: it holds the upstream channel
                    }
                })
                .bind(listen);
    }

    /** Returns how many client connections were accepted. */
    public long connections() {
        return connections.get();
    }

    /** Adds the counters to the {@code stopped} line. */
    public ObjectNode summary(ObjectNode line) {
        return line.put("connections", connections.get())
                .put("forwarded", forwarded.get())
                .put("originErrors", originErrors.get());
    }

    /** The client side: one instance per client connection. */
    private final class Frontend extends ChannelInboundHandlerAdapter {
        private Channel backend;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel front = ctx.channel();
            connections.incrementAndGet();
            ChannelFuture connect = new Bootstrap()
                    .group(front.eventLoop())
                    .channel(Transport.socketChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new Relay(front))
                    .connect(origin);
            backend = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                InetSocketAddress client = (InetSocketAddress) front.remoteAddress();
                if (!front.isActive()) {
                    backend.close();   // the client left before the origin answered
                    return;
                }
                if (!f.isSuccess()) {
                    originErrors.incrementAndGet();
                    console.print(Console.event("origin-error")
                            .put("client", Addresses.format(client))
                            .put("origin", Addresses.format(origin))
                            .put("error", Servers.describe(f.cause())));
                    front.close();
                    return;
                }
                // The header goes first, built from the client's real address and the address it reached.
                ProxyHeader header = template.build(client, (InetSocketAddress) front.localAddress(),
                        ProxyHeader.Transport.STREAM);
                backend.writeAndFlush(ProxyHeaderEncoder.encode(backend.alloc(), header));
                forwarded.incrementAndGet();
                console.print(Console.event("forward")
                        .put("transport", "tcp")
                        .put("client", Addresses.format(client))
                        .put("origin", Addresses.format(origin))
                        .put("proxy", proxyName));
                front.read();
                backend.read();
            });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(ctx, backend, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (backend != null) {
                closeOnFlush(backend);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    /** Writes {@code msg} to {@code peer}; reads the next chunk once it is written, else closes. */
    private static void relay(ChannelHandlerContext ctx, Channel peer, Object msg) {
        peer.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                ctx.channel().read();
            } else {
                f.channel().close();
            }
        });
    }

    /** Copies one direction, reading the next chunk only once the last one was written. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Relay(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(ctx, peer, msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeOnFlush(peer);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            closeOnFlush(ctx.channel());
        }
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
