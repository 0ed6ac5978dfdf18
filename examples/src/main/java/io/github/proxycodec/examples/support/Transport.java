package io.github.proxycodec.examples.support;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The one place that chooses the transport: epoll when the native library loads, NIO
 * otherwise. Decided once per process; every server and client uses the same choice.
 */
public final class Transport {

    private static final boolean EPOLL = Epoll.isAvailable();

    private Transport() {
    }

    /** Returns {@code "epoll"} or {@code "nio"}. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }

    /** Returns a new event loop group of the chosen transport. */
    public static EventLoopGroup group(int threads) {
        IoHandlerFactory io = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, io);
    }

    /** Returns the TCP server channel class. */
    public static Class<? extends ServerChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Returns the TCP client channel class. */
    public static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Returns whether several sockets may bind one port ({@code SO_REUSEPORT}, which the kernel
     * balances by hashing each datagram's addresses): with epoll only, since NIO has no such
     * option in Netty.
     */
    public static boolean reusePort() {
        return EPOLL;
    }

    /** Sets {@code SO_REUSEPORT} on {@code bootstrap}'s channels; only when {@link #reusePort()}. */
    public static <B extends AbstractBootstrap<B, ?>> B reusePort(B bootstrap) {
        if (!EPOLL) {
            throw new IllegalStateException("SO_REUSEPORT needs the epoll transport");
        }
        return bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
    }

    /** Returns the UDP channel class. */
    public static Class<? extends DatagramChannel> datagramChannel() {
        return EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
