package io.github.proxycodec.haproxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * A handler written for Netty's decoder, as Velocity's and reactor-netty's are: it takes an
 * {@link HAProxyMessage} from {@code channelRead}, builds the client address from
 * {@code sourceAddress()} and {@code sourcePort()}, and releases the message. It also records
 * what it saw, and in which order, for the tests.
 */
final class LikeVelocityHandler extends ChannelInboundHandlerAdapter {

    /** The messages seen, field by field. */
    final List<MessageFields> messages = new ArrayList<>();
    /** The client address built from each message, as Velocity does. */
    final List<InetSocketAddress> remoteAddresses = new ArrayList<>();
    /** "message" or "bytes" for each channelRead, in order. */
    final List<String> order = new ArrayList<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage) {
            HAProxyMessage m = (HAProxyMessage) msg;
            try {
                order.add("message");
                messages.add(MessageFields.of(m));
                if (m.sourceAddress() != null) {
                    remoteAddresses.add(new InetSocketAddress(m.sourceAddress(), m.sourcePort()));
                }
            } finally {
                m.release();
            }
            return;
        }
        try {
            order.add("bytes");
            if (msg instanceof ByteBuf) {
                bytes.writeBytes(ByteBufUtil.getBytes((ByteBuf) msg));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Returns every byte that followed the message, in order. */
    byte[] bytes() {
        return bytes.toByteArray();
    }
}
