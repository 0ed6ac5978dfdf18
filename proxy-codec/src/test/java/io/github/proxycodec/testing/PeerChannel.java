package io.github.proxycodec.testing;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link EmbeddedChannel} with a chosen peer address, and a recorder at the end of the
 * pipeline that keeps the user events and the bytes that reached it.
 */
public final class PeerChannel extends EmbeddedChannel {

    private final InetSocketAddress peer;
    private final InetSocketAddress local;
    private final Recorder recorder = new Recorder();

    /** Creates and registers a channel from {@code peer} with {@code handler} then the recorder. */
    public PeerChannel(InetSocketAddress peer, ChannelHandler handler) {
        this(peer, handler, true);
    }

    /** As above; with {@code autoRead} false the channel starts with auto-read off. */
    public PeerChannel(InetSocketAddress peer, ChannelHandler handler, boolean autoRead) {
        super(DefaultChannelId.newInstance(), false, false);
        this.peer = peer;
        this.local = new InetSocketAddress(peer.getAddress(), 8443);
        config().setAutoRead(autoRead);
        pipeline().addLast(handler, recorder);
        try {
            register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a channel from 127.0.0.1:40000. */
    public static PeerChannel loopback(ChannelHandler handler) {
        return new PeerChannel(new InetSocketAddress("127.0.0.1", 40000), handler);
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return isActive() ? peer : null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return isActive() ? local : null;
    }

    /** Writes {@code bytes} inbound as one read (one unpooled buffer). */
    public void read(byte[] bytes) {
        writeInbound(io.netty.buffer.Unpooled.wrappedBuffer(bytes));
    }

    /** Writes {@code bytes} inbound one byte per read. */
    public void readByteByByte(byte[] bytes) {
        for (byte b : bytes) {
            read(new byte[] {b});
        }
    }

    /** Returns the user events that reached the end of the pipeline. */
    public List<Object> events() {
        return recorder.events;
    }

    /** Returns the bytes that reached the end of the pipeline, in order. */
    public byte[] received() {
        return recorder.bytes.toByteArray();
    }

    /** Returns how many channelRead calls reached the end of the pipeline. */
    public int reads() {
        return recorder.reads;
    }

    /** Returns whether channelActive reached the end of the pipeline. */
    public boolean activeSeen() {
        return recorder.active;
    }

    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final List<Object> events = new ArrayList<>();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int reads;
        boolean active;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            active = true;
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            reads++;
            try {
                if (msg instanceof ByteBuf) {
                    ByteBuf b = (ByteBuf) msg;
                    byte[] copy = new byte[b.readableBytes()];
                    b.getBytes(b.readerIndex(), copy);
                    bytes.writeBytes(copy);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            events.add(evt);
        }
    }
}
