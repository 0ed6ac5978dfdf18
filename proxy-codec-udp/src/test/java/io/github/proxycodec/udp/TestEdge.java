package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a proxy edge on loopback: plain clients send to {@link #address()}, and the
 * edge forwards each datagram to the origin with a header. It binds to the origin's address
 * (127.0.0.1 or ::1).
 *
 * <ul>
 * <li>SPP: every client through ONE origin-facing socket, a 38-byte header on every datagram.
 *     Each reply must start with exactly the header sent for the client it names, or it is not
 *     forwarded and an error is recorded.</li>
 * <li>PPV2: a socket per client, a PROXY v2 header on every datagram.</li>
 * <li>PPV2_FIRST: a socket per client (like Spectrum's edge ports), a header-only datagram
 *     first, then the payloads without header.</li>
 * </ul>
 * PROXY v2 replies must come back bare to the client's socket.
 */
final class TestEdge implements AutoCloseable {

    enum Proxy { SPP, PPV2, PPV2_FIRST }

    /** Everything that went wrong on the edge; a test asserts it stays empty. */
    final Queue<String> errors = new ConcurrentLinkedQueue<>();
    /** Replies that passed the edge's checks and were forwarded to a client. */
    final AtomicInteger repliesChecked = new AtomicInteger();

    private final Transports transport;
    private final EventLoopGroup group;
    private final InetSocketAddress origin;
    private final Proxy proxy;
    private final String host;
    private final Map<InetSocketAddress, SppHeader> sentHeaders = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, ChannelFuture> perClient = new ConcurrentHashMap<>();
    private final List<Channel> opened = new ArrayList<>();
    private Channel clientSide;
    private Channel sharedOriginSide;

    private TestEdge(Transports transport, EventLoopGroup group, InetSocketAddress origin, Proxy proxy) {
        this.host = origin.getAddress().getHostAddress();
        this.transport = transport;
        this.group = group;
        this.origin = origin;
        this.proxy = proxy;
    }

    static TestEdge start(Transports transport, EventLoopGroup group, InetSocketAddress origin, Proxy proxy)
            throws InterruptedException {
        TestEdge edge = new TestEdge(transport, group, origin, proxy);
        edge.clientSide = edge.bind(edge.new ClientSide()).sync().channel();
        if (proxy == Proxy.SPP) {
            edge.sharedOriginSide = edge.bind(edge.new OriginSide(null)).sync().channel();
        }
        return edge;
    }

    /** Where clients send. */
    InetSocketAddress address() {
        return (InetSocketAddress) clientSide.localAddress();
    }

    private ChannelFuture bind(ChannelHandler handler) {
        ChannelFuture f = new Bootstrap().group(group).channel(transport.datagramChannel()).handler(handler)
                .bind(host, 0);
        synchronized (opened) {
            opened.add(f.channel());
        }
        return f;
    }

    private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            InetSocketAddress client = p.sender();
            InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
            ByteBuf payload = p.content().retain(); // released when written below
            if (proxy == Proxy.SPP) {
                SppHeader h = sentHeaders.computeIfAbsent(client, c -> SppHeader.of(c, local));
                ByteBuf out = ctx.alloc().buffer(SppHeader.LENGTH + payload.readableBytes());
                h.writeTo(out).writeBytes(payload);
                payload.release();
                sharedOriginSide.writeAndFlush(new DatagramPacket(out, origin));
                return;
            }
            boolean[] fresh = {false};
            ChannelFuture bound = perClient.computeIfAbsent(client, c -> {
                fresh[0] = true;
                return bind(new OriginSide(c));
            });
            boolean first = fresh[0];
            ProxyHeader header = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM)
                    .addresses(client, local).build();
            bound.addListener(done -> {
                if (!done.isSuccess()) {
                    errors.add("edge socket for " + client + ": " + done.cause());
                    payload.release();
                    return;
                }
                Channel o = bound.channel();
                if (proxy == Proxy.PPV2) {
                    ByteBuf out = o.alloc().buffer();
                    ProxyHeaderEncoder.encode(header, out);
                    out.writeBytes(payload);
                    payload.release();
                    o.writeAndFlush(new DatagramPacket(out, origin));
                } else {
                    if (first) {
                        ByteBuf h = o.alloc().buffer();
                        ProxyHeaderEncoder.encode(header, h);
                        o.write(new DatagramPacket(h, origin)); // header only, as Spectrum may do
                    }
                    o.writeAndFlush(new DatagramPacket(payload, origin));
                }
            });
        }
    }

    private final class OriginSide extends SimpleChannelInboundHandler<DatagramPacket> {
        private final InetSocketAddress client; // null for SPP: the header says who

        OriginSide(InetSocketAddress client) {
            this.client = client;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
            if (!origin.equals(p.sender())) {
                errors.add("datagram from " + p.sender() + ", not the origin");
                return;
            }
            ByteBuf c = p.content();
            InetSocketAddress to = client;
            if (proxy == Proxy.SPP) {
                SppHeader h;
                try {
                    h = SppHeader.decode(c);
                } catch (UdpProxyException e) {
                    errors.add("reply without a valid SPP header: " + e.getMessage());
                    return;
                }
                if (!h.equals(sentHeaders.get(h.client()))) {
                    errors.add("reply header " + h + " is not the one sent for that client");
                    return;
                }
                to = h.client();
                c.skipBytes(SppHeader.LENGTH);
            } else if (c.readableBytes() >= 12 && c.getByte(c.readerIndex()) == 0x0D
                    && c.getByte(c.readerIndex() + 11) == 0x0A) {
                errors.add("PROXY v2 reply carries a header");
                return;
            }
            repliesChecked.incrementAndGet();
            clientSide.writeAndFlush(new DatagramPacket(c.retain(), to));
        }
    }

    @Override
    public void close() {
        List<Channel> all;
        synchronized (opened) {
            all = new ArrayList<>(opened);
        }
        for (Channel ch : all) {
            ch.close().syncUninterruptibly();
        }
    }
}
