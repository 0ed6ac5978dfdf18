package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.udp.SppHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Spectrum-like edge for the QUIC tests, on loopback: each client gets its own upstream
 * socket toward the origin, and every datagram an SPP header (or, in PROXY v2 FIRST_DATAGRAM
 * mode, the flow's first datagram a PROXY v2 header; or none, as a plain relay). SPP replies
 * must start with exactly the 38 bytes sent, which are stripped; any other reply is counted in
 * {@link #badReplies()} and dropped, as Spectrum would. Other replies are passed back as they are.
 *
 * <p>Flows live on the listening channel's event loop; the upstream channels are registered on
 * the same loop, so no lock is needed.
 */
final class QuicEdge {

    /** The header discipline toward the origin. */
    enum Mode {
        /** Cloudflare Simple Proxy Protocol on every datagram, echoed on every reply. */
        SPP,
        /** PROXY v2 on the first datagram of each flow only. */
        PPV2_FIRST,
        /** No header at all: a relay, to measure what the edge itself costs. */
        PLAIN
    }

    private static final int BUFFER = 4 << 20;

    private final InetSocketAddress origin;
    private final Mode mode;
    private final AtomicLong badReplies = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    /** Flows by client; touched only on the listener's event loop. */
    private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
    private Channel listener;

    QuicEdge(InetSocketAddress origin, Mode mode) {
        this.origin = origin;
        this.mode = mode;
    }

    /** Binds the client-facing socket on 127.0.0.1 (a free port); waits until it is bound. */
    QuicEdge start(EventLoopGroup group) throws InterruptedException {
        listener = new Bootstrap().group(group).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, BUFFER).option(ChannelOption.SO_SNDBUF, BUFFER)
                .handler(new ClientSide())
                .bind(new InetSocketAddress(Loopback.V4, 0)).sync().channel();
        return this;
    }

    /** Returns the address clients send to. */
    InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Returns how many replies were dropped for a missing or wrong SPP header. */
    long badReplies() {
        return badReplies.get();
    }

    /** Returns how many replies were passed back to clients. */
    long replies() {
        return replies.get();
    }

    /** Closes the listener and every upstream socket; waits until they are closed. */
    void stop() throws InterruptedException {
        listener.eventLoop().submit(() -> flows.values().forEach(Flow::close)).sync();
        for (Flow f : flows.values()) {
            f.upstream.closeFuture().sync();
        }
        listener.close().sync();
    }

    /** Datagrams from clients: forwarded upstream with the mode's header. */
    private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress client = packet.sender();
            Flow flow = flows.get(client);
            if (flow == null) {
                flow = new Flow(client);
                flows.put(client, flow);
            }
            flow.send(packet.content());
        }
    }

    /** One client's flow: its upstream socket, its header, and what waits for the socket. */
    private final class Flow {
        final InetSocketAddress client;
        final byte[] spp;
        final Channel upstream;
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        boolean ready;
        boolean headerSent;

        Flow(InetSocketAddress client) {
            this.client = client;
            this.spp = SppHeader.of(client, address()).toByteArray();
            ChannelFuture connect = new Bootstrap().group(listener.eventLoop()).channel(EpollDatagramChannel.class)
                    .option(ChannelOption.SO_RCVBUF, BUFFER).option(ChannelOption.SO_SNDBUF, BUFFER)
                    .handler(new OriginSide(this))
                    .connect(origin);
            this.upstream = connect.channel();
            connect.addListener(f -> {
                ready = f.isSuccess();
                for (ByteBuf b; (b = pending.poll()) != null; ) {
                    if (ready) {
                        upstream.writeAndFlush(b);
                    } else {
                        b.release();
                    }
                }
            });
        }

        /** Sends one client payload upstream with the mode's header; does not take over {@code payload}. */
        void send(ByteBuf payload) {
            ByteBuf out;
            if (mode == Mode.SPP) {
                out = upstream.alloc().directBuffer(SppHeader.LENGTH + payload.readableBytes()).writeBytes(spp);
            } else if (mode == Mode.PPV2_FIRST && !headerSent) {
                headerSent = true;
                ProxyHeader header = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM)
                        .addresses(client, address()).build();
                out = ProxyHeaderEncoder.encode(upstream.alloc(), header);
            } else {
                out = upstream.alloc().directBuffer(payload.readableBytes());
            }
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            if (ready) {
                upstream.writeAndFlush(out);
            } else {
                pending.add(out); // sent in order once the upstream socket is connected
            }
        }

        /** Closes the upstream socket and drops what still waits for it. */
        void close() {
            for (ByteBuf b; (b = pending.poll()) != null; ) {
                b.release();
            }
            upstream.close();
        }
    }

    /** Replies from the origin on one flow's upstream socket. */
    private final class OriginSide extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Flow flow;

        OriginSide(Flow flow) {
            this.flow = flow;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf content = packet.content();
            if (mode == Mode.SPP) {
                if (!startsWith(content, flow.spp)) {
                    badReplies.incrementAndGet();
                    return;
                }
                content.skipBytes(SppHeader.LENGTH);
            }
            replies.incrementAndGet();
            listener.writeAndFlush(new DatagramPacket(content.retain(), flow.client));
        }
    }

    private static boolean startsWith(ByteBuf content, byte[] header) {
        if (content.readableBytes() < header.length) {
            return false;
        }
        for (int i = 0; i < header.length; i++) {
            if (content.getByte(content.readerIndex() + i) != header[i]) {
                return false;
            }
        }
        return true;
    }
}
