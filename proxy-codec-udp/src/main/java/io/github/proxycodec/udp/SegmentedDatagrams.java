package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;

import java.net.InetSocketAddress;

/**
 * Segmented datagrams ({@code io.netty.channel.unix.SegmentedDatagramPacket}, sent with
 * {@code UDP_SEGMENT}, "GSO"): several datagrams in one buffer, cut every {@code segmentSize}
 * bytes, the last maybe shorter. The class lives in {@code netty-transport-native-unix-common},
 * which an application on NIO may not have: it is only touched through holders that are loaded
 * once its presence is known, so without it no message is ever segmented.
 */
final class SegmentedDatagrams {

    /**
     * Most segments the kernel takes in one send ({@code UDP_MAX_SEGMENTS} of older kernels),
     * and most bytes: the largest UDP payload over IPv4.
     */
    static final int MAX_SEGMENTS = 64;
    static final int MAX_BYTES = 65_507;

    private static final boolean PRESENT = present("io.netty.channel.unix.SegmentedDatagramPacket");
    private static final boolean EPOLL_PRESENT = PRESENT && present("io.netty.channel.epoll.EpollDatagramChannel");

    private SegmentedDatagrams() {
    }

    private static boolean present(String name) {
        try {
            Class.forName(name, false, SegmentedDatagrams.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Returns the segment size of {@code msg}, or 0 if it is not a segmented datagram. */
    static int segmentSize(Object msg) {
        return PRESENT ? Unix.segmentSize(msg) : 0;
    }

    /**
     * Returns whether {@code channel} sends a segmented datagram as separate datagrams (epoll
     * with {@code UDP_SEGMENT}); other channels (NIO would send it as one) get them one by one.
     */
    static boolean sendsSegments(Channel channel) {
        return EPOLL_PRESENT && Epoll.sendsSegments(channel);
    }

    /**
     * Returns a segmented datagram of {@code content}, which it takes over. Only called after
     * {@link #segmentSize} found one, so the class is present.
     */
    static DatagramPacket packet(ByteBuf content, int segmentSize, InetSocketAddress recipient,
                                 InetSocketAddress sender) {
        return Unix.packet(content, segmentSize, recipient, sender);
    }

    /** Returns how many segments of {@code segmentSize} bytes {@code length} bytes make (at least one). */
    static int count(int length, int segmentSize) {
        return Math.max(1, (length + segmentSize - 1) / segmentSize);
    }

    /** Returns how many segments of {@code segmentSize} bytes one send may carry. */
    static int perSend(int segmentSize) {
        return Math.max(1, Math.min(MAX_SEGMENTS, MAX_BYTES / segmentSize));
    }

    /** Loaded only when unix-common is present (the verifier would load the class for the outer one). */
    private static final class Unix {
        static DatagramPacket packet(ByteBuf content, int segmentSize, InetSocketAddress recipient,
                                     InetSocketAddress sender) {
            return new SegmentedDatagramPacket(content, segmentSize, recipient, sender);
        }

        static int segmentSize(Object msg) {
            return msg instanceof SegmentedDatagramPacket ? ((SegmentedDatagramPacket) msg).segmentSize() : 0;
        }
    }

    /** Loaded only when the epoll transport's classes are present. */
    private static final class Epoll {
        static boolean sendsSegments(Channel channel) {
            return channel instanceof EpollDatagramChannel && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        }
    }
}
