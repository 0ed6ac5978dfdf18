package io.github.proxycodec.examples.edge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.RateLimit;
import io.github.proxycodec.examples.support.Transport;
import io.github.proxycodec.udp.SppHeader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The UDP half of the edge. Each client gets its own upstream socket toward the origin (as
 * Spectrum's flows do), so the origin sees one edge address and port per client. Outbound
 * datagrams get an SPP header or a PROXY v2 header (on every datagram, or on a flow's first);
 * for SPP every reply must start with the exact 38 bytes sent, which are checked and stripped,
 * and a reply without them is dropped and reported as {@code bad-reply}.
 *
 * <p>All flow state lives on the listening channel's event loop: the upstream channels are
 * registered on the same loop, so no lock is needed.
 */
public final class UdpEdge {

    /** The header discipline toward the origin. */
    public enum Mode {
        /** Cloudflare Simple Proxy Protocol on every datagram, echoed on every reply. */
        SPP,
        /** PROXY v2 on every datagram. */
        PPV2,
        /** PROXY v2 on the first datagram of each flow only (Cloudflare Spectrum). */
        PPV2_FIRST;

        /** Parses {@code spp}, {@code ppv2} or {@code ppv2-first}. */
        public static Mode of(String name) {
            switch (name) {
                case "spp": return SPP;
                case "ppv2": return PPV2;
                case "ppv2-first": return PPV2_FIRST;
                default: throw new IllegalArgumentException("not a UDP mode: " + name);
            }
        }

        /** Returns the command-line name. */
        public String cliName() {
            return this == SPP ? "spp" : this == PPV2 ? "ppv2" : "ppv2-first";
        }
    }

    /** The SPP header length. */
    private static final int SPP_LENGTH = SppHeader.LENGTH;
    /** Datagrams held per flow while its upstream socket is being set up. */
    private static final int MAX_PENDING = 64;

    private final InetSocketAddress origin;
    private final Mode mode;
    private final HeaderTemplate template;
    private final boolean separateHeader;
    private final long idleNanos;
    private final Console console;
    private final RateLimit reportLimit = new RateLimit(20);

    private final AtomicLong flowCount = new AtomicLong();
    private final AtomicLong datagrams = new AtomicLong();
    private final AtomicLong replies = new AtomicLong();
    private final AtomicLong badReplies = new AtomicLong();

    /** Flows by client address; touched only on {@link #listener}'s event loop. */
    private final Map<InetSocketAddress, Flow> flows = new HashMap<>();
    private Channel listener;

    /**
     * @param origin         where to forward
     * @param mode           SPP, PROXY v2 on every datagram, or on the first of a flow
     * @param template       the PROXY v2 header to send (ignored for SPP)
     * @param separateHeader PPV2_FIRST: send the header as a datagram of its own
     * @param idleTimeout    forget a flow idle this long
     * @param console        where to report
     */
    public UdpEdge(InetSocketAddress origin, Mode mode, HeaderTemplate template, boolean separateHeader,
                   Duration idleTimeout, Console console) {
        this.origin = origin;
        this.mode = mode;
        this.template = template;
        this.separateHeader = separateHeader;
        this.idleNanos = idleTimeout.toNanos();
        this.console = console;
    }

    /** Binds the edge's client-facing UDP socket. */
    public ChannelFuture start(EventLoopGroup group, InetSocketAddress listen) {
        ChannelFuture bind = new Bootstrap()
                .group(group)
                .channel(Transport.datagramChannel())
                .handler(new ClientSide())
                .bind(listen);
        listener = bind.channel();
        long every = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(idleNanos / 2, TimeUnit.SECONDS.toNanos(1)));
        bind.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                f.channel().eventLoop().scheduleAtFixedRate(this::expireIdle, every, every, TimeUnit.NANOSECONDS);
            }
        });
        listener.closeFuture().addListener(f -> closeAll());
        return bind;
    }

    /** Adds the counters to {@code line}: flows, datagrams, replies, badReplies. */
    public ObjectNode summary(ObjectNode line) {
        return line.put("flows", flowCount.get())
                .put("datagrams", datagrams.get())
                .put("replies", replies.get())
                .put("badReplies", badReplies.get());
    }

    /** Returns how many replies were dropped for a missing or wrong SPP header. */
    public long badReplies() {
        return badReplies.get();
    }

    private void expireIdle() {
        long now = System.nanoTime();
        for (Iterator<Flow> it = flows.values().iterator(); it.hasNext(); ) {
            Flow flow = it.next();
            if (now - flow.lastSeen >= idleNanos) {
                it.remove();
                console.print(Console.event("expire").put("client", Addresses.format(flow.client)));
                flow.close();
            }
        }
    }

    private void closeAll() {
        for (Flow flow : flows.values()) {
            flow.close();
        }
        flows.clear();
    }

    /** The address clients sent to: what goes in the header as the proxy's (destination) address. */
    private InetSocketAddress edgeAddress() {
        InetSocketAddress local = (InetSocketAddress) listener.localAddress();
        if (local.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), local.getPort());
        }
        return local;
    }

    /** Datagrams from clients. */
    private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            datagrams.incrementAndGet();
            InetSocketAddress client = packet.sender();
            Flow flow = flows.get(client);
            if (flow == null) {
                flow = new Flow(client);
                flows.put(client, flow);
                flow.open();
            }
            flow.lastSeen = System.nanoTime();
            flow.send(packet.content().retain());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP port unreachable on Linux; a UDP listener keeps going
        }
    }

    /** One client's flow: its own upstream socket, the header for it, and what waits for the socket. */
    private final class Flow {
        final InetSocketAddress client;
        final byte[] spp;
        final ProxyHeader header;
        final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
        Channel upstream;
        boolean ready;
        boolean closed;
        boolean headerSent;
        long lastSeen;

        Flow(InetSocketAddress client) {
            this.client = client;
            InetSocketAddress edge = edgeAddress();
            this.spp = mode == Mode.SPP ? SppHeader.of(client, edge).toByteArray() : null;
            this.header = mode == Mode.SPP ? null : template.build(client, edge, ProxyHeader.Transport.DGRAM);
        }

        void open() {
            flowCount.incrementAndGet();
            ChannelFuture connect = new Bootstrap()
                    .group(listener.eventLoop())
                    .channel(Transport.datagramChannel())
                    .handler(new OriginSide(this))
                    .connect(origin);
            upstream = connect.channel();
            connect.addListener((ChannelFutureListener) f -> {
                if (closed) {
                    return;
                }
                if (!f.isSuccess()) {
                    console.print(Console.event("origin-error")
                            .put("client", Addresses.format(client))
                            .put("origin", Addresses.format(origin))
                            .put("error", Servers.describe(f.cause())));
                    flows.remove(client);
                    close();
                    return;
                }
                ready = true;
                console.print(Console.event("flow")
                        .put("transport", "udp")
                        .put("client", Addresses.format(client))
                        .put("origin", Addresses.format(origin))
                        .put("proxy", mode.cliName())
                        .put("upstream", Addresses.format(upstream.localAddress())));
                for (ByteBuf b; (b = pending.poll()) != null; ) {
                    send(b);
                }
            });
        }

        /** Sends one client payload upstream with the mode's header; takes ownership of it. */
        void send(ByteBuf payload) {
            if (closed) {
                payload.release();
                return;
            }
            if (!ready) {
                if (pending.size() < MAX_PENDING) {
                    pending.add(payload);
                } else {
                    payload.release();
                }
                return;
            }
            ByteBuf out;
            try {
                switch (mode) {
                    case SPP:
                        out = upstream.alloc().buffer(SPP_LENGTH + payload.readableBytes());
                        out.writeBytes(spp);
                        break;
                    case PPV2:
                        out = ProxyHeaderEncoder.encode(upstream.alloc(), header);
                        break;
                    default:
                        if (headerSent) {
                            upstream.writeAndFlush(payload.retain());
                            return;
                        }
                        headerSent = true;
                        out = ProxyHeaderEncoder.encode(upstream.alloc(), header);
                        if (separateHeader) {
                            upstream.write(out);
                            upstream.writeAndFlush(payload.retain());
                            return;
                        }
                        break;
                }
                out.writeBytes(payload);
                upstream.writeAndFlush(out);
            } finally {
                payload.release();
            }
        }

        void close() {
            closed = true;
            for (ByteBuf b; (b = pending.poll()) != null; ) {
                b.release();
            }
            if (upstream != null) {
                upstream.close();
            }
        }
    }

    /** Replies from the origin, on one flow's upstream socket. */
    private final class OriginSide extends SimpleChannelInboundHandler<DatagramPacket> {
        private final Flow flow;

        OriginSide(Flow flow) {
            this.flow = flow;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            flow.lastSeen = System.nanoTime();
            ByteBuf content = packet.content();
            if (mode == Mode.SPP) {
                String problem = checkEcho(content, flow.spp);
                if (problem != null) {
                    badReply(content, problem);
                    return;
                }
                content.skipBytes(SPP_LENGTH);
            }
            replies.incrementAndGet();
            listener.writeAndFlush(new DatagramPacket(content.retain(), flow.client));
        }

        private void badReply(ByteBuf content, String problem) {
            long n = badReplies.incrementAndGet();
            long held = reportLimit.tryAcquire();
            if (held < 0) {
                return;
            }
            int colon = problem.indexOf(':');
            ObjectNode line = Console.event("bad-reply")
                    .put("client", Addresses.format(flow.client))
                    .put("origin", Addresses.format(origin))
                    .put("reason", problem.substring(0, colon))
                    .put("detail", problem.substring(colon + 2))
                    .put("length", content.readableBytes())
                    .put("count", n);
            if (held > 0) {
                line.put("suppressed", held);
            }
            console.print(line);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable while the origin is down: reported (bounded); the next datagram tries again
            if (reportLimit.tryAcquire() >= 0) {
                console.print(Console.event("origin-error")
                        .put("client", Addresses.format(flow.client))
                        .put("origin", Addresses.format(origin))
                        .put("error", Servers.describe(cause)));
            }
        }
    }

    /**
     * Returns null if {@code reply} starts with exactly the {@code sent} SPP header, else
     * {@code "REASON: detail"} with REASON MISSING_HEADER or WRONG_HEADER.
     */
    static String checkEcho(ByteBuf reply, byte[] sent) {
        int r = reply.readerIndex();
        if (reply.readableBytes() < SPP_LENGTH) {
            return "MISSING_HEADER: reply of " + reply.readableBytes() + " bytes is shorter than the 38-byte SPP header";
        }
        if (reply.getUnsignedShort(r) != 0x56EC) {
            return "MISSING_HEADER: reply does not start with the SPP magic 0x56EC (starts "
                    + ByteBufUtil.hexDump(reply, r, 2) + ")";
        }
        boolean clientAddr = equal(reply, r + 2, sent, 2, 16);
        boolean proxyAddr = equal(reply, r + 18, sent, 18, 16);
        boolean clientPort = equal(reply, r + 34, sent, 34, 2);
        boolean proxyPort = equal(reply, r + 36, sent, 36, 2);
        if (clientAddr && proxyAddr && clientPort && proxyPort) {
            return null;
        }
        if (equal(reply, r + 2, sent, 18, 16) && equal(reply, r + 18, sent, 2, 16)
                && equal(reply, r + 34, sent, 36, 2) && equal(reply, r + 36, sent, 34, 2)) {
            return "WRONG_HEADER: client and proxy fields are swapped; the echo must repeat the header unchanged";
        }
        StringBuilder wrong = new StringBuilder("WRONG_HEADER: differs in");
        if (!clientAddr) {
            wrong.append(" client-address");
        }
        if (!clientPort) {
            wrong.append(" client-port");
        }
        if (!proxyAddr) {
            wrong.append(" proxy-address");
        }
        if (!proxyPort) {
            wrong.append(" proxy-port");
        }
        return wrong.toString();
    }

    private static boolean equal(ByteBuf buf, int at, byte[] expected, int from, int length) {
        for (int i = 0; i < length; i++) {
            if (buf.getByte(at + i) != expected[from + i]) {
                return false;
            }
        }
        return true;
    }
}
