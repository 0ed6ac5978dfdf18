package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What {@link WithoutUnixCommonTest} runs in a class loader that has no
 * {@code netty-transport-native-unix-common} and no epoll classes: an SPP request and its
 * reply, as on NIO. Kept apart from the test so that it touches only what that loader has.
 */
public final class NioOnlyScenario {

    private NioOnlyScenario() {
    }

    /** Returns the reply's payload as the edge receives it, after its 38-byte header. */
    public static String replyThroughSppCodec() {
        InetSocketAddress client = new InetSocketAddress("192.0.2.10", 4000);
        InetSocketAddress edge = new InetSocketAddress("162.158.1.1", 41000);
        EmbeddedChannel ch = new EmbeddedChannel(new SppCodec());
        byte[] header = SppHeader.of(client, new InetSocketAddress("198.51.100.20", 53)).toByteArray();
        ByteBuf in = Unpooled.buffer().writeBytes(header).writeBytes("ping".getBytes(StandardCharsets.US_ASCII));
        ch.writeInbound(new DatagramPacket(in, new InetSocketAddress("10.1.1.1", 53), edge));
        ProxiedDatagram request = ch.readInbound();
        request.release();
        ch.writeOutbound(new DatagramPacket(Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII), client));
        DatagramPacket out = ch.readOutbound();
        try {
            if (!edge.equals(out.recipient())) {
                throw new IllegalStateException("reply went to " + out.recipient());
            }
            ByteBuf c = out.content();
            return c.toString(c.readerIndex() + SppHeader.LENGTH, c.readableBytes() - SppHeader.LENGTH,
                    StandardCharsets.US_ASCII);
        } finally {
            out.release();
            ch.finishAndReleaseAll();
        }
    }
}
