package io.github.proxycodec.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** Small UDP applications for the edge tests: good ones, and ones that break the rules. */
final class Origins {

    private Origins() {
    }

    /** Answers each datagram with "echo " + its payload, to {@code packet.sender()}: a correct origin. */
    static SimpleChannelInboundHandler<DatagramPacket> echo() {
        return replying(p -> new DatagramPacket(text("echo " + p.content().toString(StandardCharsets.UTF_8)), p.sender()));
    }

    /** Answers each datagram with {@code reply}, written through the codec. */
    static SimpleChannelInboundHandler<DatagramPacket> replying(Function<DatagramPacket, DatagramPacket> reply) {
        return new SimpleChannelInboundHandler<>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                ctx.writeAndFlush(reply.apply(p));
            }
        };
    }

    /**
     * Answers each datagram with {@code reply} written from the pipeline's first context, so
     * that it leaves without passing through the codec: an origin framing replies itself.
     */
    static SimpleChannelInboundHandler<DatagramPacket> bypassingTheCodec(Function<DatagramPacket, DatagramPacket> reply) {
        return new SimpleChannelInboundHandler<>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                ctx.pipeline().firstContext().writeAndFlush(reply.apply(p));
            }
        };
    }

    static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    static DatagramPacket to(InetSocketAddress recipient, byte[]... parts) {
        ByteBuf b = Unpooled.buffer();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return new DatagramPacket(b, recipient);
    }
}
