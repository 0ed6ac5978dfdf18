package io.github.proxycodec.testing;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.ArrayList;
import java.util.List;

/** The transports a loopback test can run on here: NIO always, epoll where it is available. */
public enum Transports {
    /** Java NIO, available everywhere. */
    NIO,
    /** Linux epoll, used when the native library loads. */
    EPOLL;

    /** Returns the transports available on this machine. */
    public static List<Transports> available() {
        List<Transports> list = new ArrayList<>();
        list.add(NIO);
        if (Epoll.isAvailable()) {
            list.add(EPOLL);
        }
        return list;
    }

    /** Returns the one a test runs on when it needs just one: epoll where it loads, else NIO. */
    public static Transports preferred() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** Returns a new event-loop group with {@code threads} threads. */
    public EventLoopGroup group(int threads) {
        IoHandlerFactory f = this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, f);
    }

    /** Returns the server socket channel class. */
    public Class<? extends ServerSocketChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** Returns the client socket channel class. */
    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** Returns the datagram channel class. */
    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
