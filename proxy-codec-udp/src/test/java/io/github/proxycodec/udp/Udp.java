package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the UDP tests. */
final class Udp {

    /** Our origin's own socket. */
    static final InetSocketAddress ORIGIN = addr("10.1.1.1", 2408);
    /** A Cloudflare edge address (inside 162.158.0.0/15). */
    static final InetSocketAddress EDGE = addr("162.158.1.1", 41000);
    /** Another Cloudflare edge address. */
    static final InetSocketAddress EDGE2 = addr("172.64.0.9", 41001);
    /** Not Cloudflare. */
    static final InetSocketAddress STRANGER = addr("192.0.2.99", 5555);

    private Udp() {
    }

    static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    /** A leak-tracked buffer (allocator buffers are tracked, wrapped arrays are not). */
    static ByteBuf buf(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    static ByteBuf buf(String ascii) {
        return buf(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A datagram from {@code sender} to the origin holding {@code bytes}. */
    static DatagramPacket datagram(byte[] bytes, InetSocketAddress sender) {
        return new DatagramPacket(buf(bytes), ORIGIN, sender);
    }

    /** An SPP datagram for {@code client} from {@code edge}. */
    static DatagramPacket spp(InetSocketAddress client, InetSocketAddress proxy, InetSocketAddress edge, String payload) {
        return datagram(concat(SppHeader.of(client, proxy).toByteArray(), ascii(payload)), edge);
    }

    /** Reads the whole readable content without consuming it. */
    static byte[] bytes(ByteBuf b) {
        return ByteBufUtil.getBytes(b);
    }

    static String text(ByteBuf b) {
        return b.toString(StandardCharsets.US_ASCII);
    }

    /** Records the codec's user events. */
    static final class Events extends ChannelInboundHandlerAdapter {
        final List<UdpProxyEvent> events = new ArrayList<>();

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UdpProxyEvent) {
                events.add((UdpProxyEvent) evt);
            }
            ctx.fireUserEventTriggered(evt);
        }

        List<UdpProxyEvent> of(UdpProxyEvent.Kind kind) {
            List<UdpProxyEvent> out = new ArrayList<>();
            for (UdpProxyEvent e : events) {
                if (e.kind() == kind) {
                    out.add(e);
                }
            }
            return out;
        }
    }
}
