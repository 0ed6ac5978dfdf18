package io.github.proxycodec.udp;

import io.github.proxycodec.HeaderValidator;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.TrustedProxies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What {@link SppCodec} and {@link ProxyV2DatagramCodec} share: the inbound and outbound
 * framing around their flow tables, drop counting and events.
 *
 * <p>Counters ({@link #drops(UdpDropReason)}, {@link #repliesRefused()}, {@link #evictions()},
 * {@link #expirations()}, {@link #flows()}) are always kept and may be read from any thread,
 * e.g. by a metrics exporter; everything else runs on the channel's event loop. A codec holds
 * one channel's flow state, so it is not {@code @Sharable}: create one per channel. The class
 * is sealed: its hooks are the package's own, not an extension point.
 */
public abstract sealed class AbstractUdpProxyCodec extends ChannelDuplexHandler
        permits SppCodec, ProxyV2DatagramCodec {

    private static final UdpDropReason[] REASONS = UdpDropReason.values();

    final UdpProxyConfig config;
    private final AtomicLongArray drops = new AtomicLongArray(REASONS.length);
    private final List<UdpProxyEvent> pending = new ArrayList<>(4);
    private boolean firing;
    private InetSocketAddress lastTrustedEdge;
    /** The list that found {@link #lastTrustedEdge} trusted. */
    private TrustedProxies lastTrustedBy;
    /** Whether a datagram is being handled, and the time read for it. */
    private boolean inRead;
    private long readTime;
    private volatile ChannelHandlerContext ctx;
    /** Whether the channel sends a segmented datagram as its segments (see {@link SegmentedDatagrams}). */
    boolean sendsSegments;

    AbstractUdpProxyCodec(UdpProxyConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Returns the configuration. */
    public final UdpProxyConfig config() {
        return config;
    }

    /** Returns how many datagrams or replies were refused for {@code reason}. */
    public final long drops(UdpDropReason reason) {
        return drops.get(reason.ordinal());
    }

    /** Returns how many datagrams and replies were refused, for every reason together. */
    public final long drops() {
        long sum = 0;
        for (int i = 0; i < REASONS.length; i++) {
            sum += drops.get(i);
        }
        return sum;
    }

    /**
     * Returns how many replies the application wrote were refused (never sent), for every
     * {@linkplain UdpDropReason#isOutbound() outbound reason} together.
     */
    public final long repliesRefused() {
        long sum = 0;
        for (UdpDropReason reason : REASONS) {
            if (reason.isOutbound()) {
                sum += drops.get(reason.ordinal());
            }
        }
        return sum;
    }

    /** Returns how many flows were removed to stay within {@link UdpProxyConfig#maxFlows()}. */
    public abstract long evictions();

    /** Returns how many flows were removed after their idle timeout. */
    public abstract long expirations();

    /** Returns how many flows are currently known. */
    public abstract int flows();

    /**
     * Removes idle flows now. Expiry otherwise happens lazily, on the next datagram or reply,
     * which is enough to bound memory; call this from a scheduled task if {@link #flows()} and
     * the expiry events must be current on a quiet channel. Safe to call from any thread.
     */
    public final void expireIdleFlows() {
        ChannelHandlerContext c = ctx;
        if (c == null) {
            return;
        }
        if (c.executor().inEventLoop()) {
            expireIdle();
            fireEvents(c);
        } else {
            c.executor().execute(this::expireIdleFlows);
        }
    }

    /** Removes idle flows from every table, queueing their events. */
    abstract void expireIdle();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.sendsSegments = SegmentedDatagrams.sendsSegments(ctx.channel());
    }

    // ------------------------------------------------------------------ inbound

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ctx.fireChannelRead(msg);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        boolean outer = !inRead; // a handler may re-enter with another datagram
        if (outer) {
            readTime = config.ticker().nanoTime();
            inRead = true;
        }
        try {
            ProxiedDatagram out;
            try {
                // Takes ownership of packet: releases it, or hands its content on in 'out'.
                out = decode(packet);
            } finally {
                fireEvents(ctx);
            }
            if (out != null) {
                ctx.fireChannelRead(out);
            }
        } finally {
            if (outer) {
                inRead = false;
            }
        }
    }

    /**
     * Decodes one datagram. Owns {@code packet}: either releases it (after {@link #drop}) or
     * returns a message whose content, a slice of its payload, takes over its reference.
     *
     * @return the datagram to pass on, or {@code null} if nothing is passed on
     */
    abstract ProxiedDatagram decode(DatagramPacket packet);

    /**
     * Returns {@code sender} if headers from it may be believed, else {@code null}. Datagrams
     * come from a handful of edges, so the last one found trusted is remembered: it is returned
     * instead of an equal {@code sender}, so that flows share one instance per edge (fewer
     * objects to compare, and to miss in the cache, per datagram), and it skips matching the
     * trusted ranges again while the list in force is still the one that matched it.
     */
    final InetSocketAddress trustedEdge(InetSocketAddress sender) {
        if (sender == null) {
            return null;
        }
        // One read of the source per datagram: a replaced list judges every datagram after it.
        TrustedProxies trusted = config.trustSource().current();
        InetSocketAddress last = lastTrustedEdge;
        if (last != null && trusted == lastTrustedBy && last.equals(sender)) {
            return last;
        }
        if (!trusted.contains(sender)) {
            return null;
        }
        lastTrustedEdge = sender;
        lastTrustedBy = trusted;
        return sender;
    }

    /** Returns the validator's refusal of {@code header} from {@code edge}, or null if it is accepted. */
    final String policyRefusal(ProxyHeader header, InetSocketAddress edge) {
        return HeaderValidator.check(config.headerValidator(), header, edge);
    }

    /**
     * Returns the ticker's time, read once per inbound datagram: while a datagram is being
     * handled (including a reply its application writes at once), every flow operation sees
     * the same time. Outside of that, a fresh reading.
     */
    final long now() {
        return inRead ? readTime : config.ticker().nanoTime();
    }

    /**
     * Releases {@code packet}, counts the drop and, if {@link UdpProxyConfig#dropEvents()},
     * queues its event; returns null for chaining. Without events nothing is allocated here.
     */
    final ProxiedDatagram drop(DatagramPacket packet, UdpDropReason reason, ProxyProtocolException.Reason headerReason) {
        InetSocketAddress edge = packet.sender();
        packet.release();
        count(reason);
        if (config.dropEvents()) {
            emit(new UdpProxyEvent(UdpProxyEvent.Kind.DROPPED, reason, headerReason, null, edge));
        }
        return null;
    }

    /** Releases {@code packet} refused by the header validator, counting it and, as for any drop, its event. */
    final ProxiedDatagram dropByPolicy(DatagramPacket packet, String refusal) {
        InetSocketAddress edge = packet.sender();
        packet.release();
        count(UdpDropReason.REJECTED_BY_POLICY);
        if (config.dropEvents()) {
            emit(new UdpProxyEvent(UdpProxyEvent.Kind.DROPPED, UdpDropReason.REJECTED_BY_POLICY, null, null, edge,
                    refusal));
        }
        return null;
    }

    /**
     * Builds the datagram passed on: its content is a slice of the payload after
     * {@code headerLength} bytes, which takes over the reference {@code packet} held (a slice
     * shares its buffer's reference count: releasing it releases the buffer). So the header
     * cannot be read through it, and nothing is copied, retained or released here.
     */
    static ProxiedDatagram pass(DatagramPacket packet, int headerLength, InetSocketAddress recipient,
                                InetSocketAddress sender, SppHeader spp, ProxyHeader proxy) {
        ByteBuf c = packet.content();
        ByteBuf payload = c.slice(c.readerIndex() + headerLength, c.readableBytes() - headerLength);
        InetSocketAddress to = recipient != null ? recipient : packet.recipient();
        return new ProxiedDatagram(payload, to, sender, packet.sender(), spp, proxy);
    }

    // ------------------------------------------------------------------ outbound

    @Override
    public final void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        try {
            if (msg instanceof ProxiedReply) {
                writeReply(ctx, (ProxiedReply) msg, promise);
            } else if (msg instanceof AddressedEnvelope
                    && ((AddressedEnvelope<?, ?>) msg).content() instanceof ByteBuf
                    && ((AddressedEnvelope<?, ?>) msg).recipient() instanceof InetSocketAddress) {
                @SuppressWarnings("unchecked")
                AddressedEnvelope<ByteBuf, InetSocketAddress> env = (AddressedEnvelope<ByteBuf, InetSocketAddress>) msg;
                writeAddressed(ctx, env, promise);
            } else {
                writeOther(ctx, msg, promise);
            }
        } finally {
            fireEvents(ctx);
        }
    }

    /** Sends an explicit reply; owns {@code reply}. */
    abstract void writeReply(ChannelHandlerContext ctx, ProxiedReply reply, ChannelPromise promise);

    /** Routes a reply addressed to a client; owns {@code env}. */
    abstract void writeAddressed(ChannelHandlerContext ctx, AddressedEnvelope<ByteBuf, InetSocketAddress> env,
                                 ChannelPromise promise);

    /** Anything else: passed on by default. */
    void writeOther(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ctx.write(msg, promise);
    }

    /**
     * Refuses an outbound message: releases it, fails the promise with a
     * {@link UdpProxyException}, counts the drop and, if {@link UdpProxyConfig#dropEvents()},
     * queues its event.
     */
    final void refuse(Object msg, ChannelPromise promise, UdpDropReason reason, InetSocketAddress client,
                      String detail) {
        ReferenceCountUtil.release(msg);
        count(reason);
        if (config.dropEvents()) {
            emit(new UdpProxyEvent(UdpProxyEvent.Kind.DROPPED, reason, null, client, null));
        }
        promise.tryFailure(new UdpProxyException(reason, detail));
    }

    /** Returns the payload of an outbound message: a {@link ProxiedReply} or an addressed envelope. */
    static ByteBuf payloadOf(Object msg) {
        if (msg instanceof ByteBufHolder) {
            return ((ByteBufHolder) msg).content();
        }
        @SuppressWarnings("unchecked")
        AddressedEnvelope<ByteBuf, ?> env = (AddressedEnvelope<ByteBuf, ?>) msg;
        return env.content();
    }

    // ------------------------------------------------------------------ events

    final void count(UdpDropReason reason) {
        int i = reason.ordinal();
        // Single writer (the event loop): a plain store after a read is enough, and cheaper than a CAS.
        drops.lazySet(i, drops.get(i) + 1);
    }

    /** Queues an event; queued events fire once the current table operation is over. */
    final void emit(UdpProxyEvent event) {
        pending.add(event);
    }

    final void flowRemoved(InetSocketAddress client, InetSocketAddress edge, boolean expired) {
        emit(new UdpProxyEvent(expired ? UdpProxyEvent.Kind.FLOW_EXPIRED : UdpProxyEvent.Kind.FLOW_EVICTED,
                null, null, client, edge));
    }

    final void flowCreated(InetSocketAddress client, InetSocketAddress edge) {
        emit(new UdpProxyEvent(UdpProxyEvent.Kind.FLOW_CREATED, null, null, client, edge));
    }

    private void fireEvents(ChannelHandlerContext ctx) {
        // An event handler may write a reply, which may queue more events: fire those in the same loop.
        if (firing || pending.isEmpty()) {
            return;
        }
        firing = true;
        try {
            for (int i = 0; i < pending.size(); i++) {
                ctx.fireUserEventTriggered(pending.get(i));
            }
        } finally {
            pending.clear();
            firing = false;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        this.ctx = null;
        pending.clear();
        clearFlows();
    }

    /** Forgets every flow (the handler is leaving the pipeline). */
    abstract void clearFlows();
}
