package io.github.proxycodec.testkit;

import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyException;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the UDP edge simulators share: an {@link EmbeddedChannel} holding the codec under test
 * and the application's handlers, datagrams delivered "from client X", and replies read back
 * "to client X" and checked as the proxy's edge would check them. A reply the edge would drop
 * gives an {@link AssertionError} that says why.
 *
 * <p>Buffers: the simulator owns the datagrams it delivers until the channel takes them, and
 * releases every reply it reads; what a caller gets back is a copy.
 */
public abstract sealed class EdgeSimulator implements AutoCloseable permits SppEdge, ProxyV2Edge {

    /**
     * The largest datagram Spectrum forwards: a 1500-byte MTU less the IPv4 and UDP headers
     * (it does not fragment). SPP replies count their 38-byte header in it.
     */
    public static final int DEFAULT_MAX_DATAGRAM = 1472;
    /** Where the origin's socket is, as the edge addresses it. */
    public static final InetSocketAddress ORIGIN = TestAddresses.address("10.0.0.1", 5300);
    /** The Cloudflare address and port clients send to (the Spectrum application's address). */
    public static final InetSocketAddress SERVICE = TestAddresses.address("198.51.100.1", 53);

    private final EmbeddedChannel channel;
    private final List<RefusedReply> refusedReplies = new ArrayList<>();
    private int maxDatagram = DEFAULT_MAX_DATAGRAM;

    EdgeSimulator(ChannelHandler codec, ChannelHandler... handlers) {
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(codec, new RefusalRecorder());
        channel.pipeline().addLast(handlers);
    }

    /** Returns the channel holding the codec and the application's handlers. */
    public final EmbeddedChannel channel() {
        return channel;
    }

    /** A reply the codec refused to send: to whom, and the codec's reason. */
    public record RefusedReply(InetSocketAddress client, UdpDropReason reason) {
    }

    /**
     * Returns the replies the codec refused to send, read from their failed write promises (so
     * whether the codec fires drop events does not matter).
     */
    public final List<RefusedReply> refusedReplies() {
        return List.copyOf(refusedReplies);
    }

    /** Sets the largest datagram the edge accepts from the origin (default {@link #DEFAULT_MAX_DATAGRAM}). */
    public final void maxDatagram(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("maxDatagram must be positive: " + bytes);
        }
        this.maxDatagram = bytes;
    }

    /** Hands {@code packet} to the channel, which then owns it. */
    final void deliver(DatagramPacket packet) {
        channel.writeInbound(packet);
        channel.checkException();
    }

    /**
     * Reads the next datagram the origin sent, which must be the reply to {@code client}, checks
     * it as the edge would before forwarding it, and returns the payload the client receives.
     *
     * @throws AssertionError if there is no reply, or the edge would drop it
     */
    public final byte[] reply(InetSocketAddress client) {
        Object msg = channel.readOutbound();
        if (msg == null) {
            throw new AssertionError("no reply to client " + client + refusals());
        }
        if (!(msg instanceof DatagramPacket)) {
            String type = msg.getClass().getName();
            ReferenceCountUtil.release(msg);
            throw new AssertionError("the origin wrote a " + type + " toward client " + client
                    + "; a UDP reply must be a DatagramPacket");
        }
        DatagramPacket reply = (DatagramPacket) msg;
        try {
            int length = reply.content().readableBytes();
            if (length > maxDatagram) {
                throw new AssertionError("the reply to client " + client + " is " + length
                        + " bytes, more than the " + maxDatagram + " the edge forwards without fragmenting");
            }
            return check(client, reply);
        } finally {
            reply.release();
        }
    }

    /** {@link #reply} as UTF-8 text. */
    public final String replyText(InetSocketAddress client) {
        return new String(reply(client), StandardCharsets.UTF_8);
    }

    /** Throws an {@link AssertionError} if the origin sent anything that has not been read. */
    public final void assertNoReply() {
        Object msg = channel.readOutbound();
        if (msg != null) {
            String what = msg instanceof DatagramPacket ? "a datagram to " + ((DatagramPacket) msg).recipient()
                    + ": " + ByteBufUtil.hexDump(((DatagramPacket) msg).content()) : msg.toString();
            ReferenceCountUtil.release(msg);
            throw new AssertionError("expected no reply, but the origin sent " + what);
        }
    }

    /**
     * Checks a reply's route and framing for {@code client}; returns a copy of the payload the
     * client receives. Does not release {@code reply}.
     */
    abstract byte[] check(InetSocketAddress client, DatagramPacket reply);

    private String refusals() {
        if (refusedReplies.isEmpty()) {
            return ": the application sent nothing";
        }
        StringBuilder sb = new StringBuilder(": the codec refused to send");
        for (RefusedReply e : refusedReplies) {
            sb.append(' ').append(e.reason()).append(" (to ").append(e.client()).append(')');
        }
        return sb.toString();
    }

    /** Finishes the channel and releases whatever is left in it. */
    @Override
    public void close() {
        channel.finishAndReleaseAll();
    }

    /** Sits between the application and the codec and keeps the replies the codec refuses. */
    private final class RefusalRecorder extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            InetSocketAddress to = msg instanceof AddressedEnvelope
                    ? (InetSocketAddress) ((AddressedEnvelope<?, ?>) msg).recipient() : null;
            ChannelPromise watched = promise.isVoid() ? ctx.newPromise() : promise;
            watched.addListener(f -> {
                if (f.cause() instanceof UdpProxyException) {
                    refusedReplies.add(new RefusedReply(to, ((UdpProxyException) f.cause()).reason()));
                }
            });
            ctx.write(msg, watched);
        }
    }
}
