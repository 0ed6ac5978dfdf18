package io.github.proxycodec;

import io.github.proxycodec.ProxyHeaderParser.Detection;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Strips and decodes the PROXY protocol (v1 or v2) header that starts a TCP connection from a
 * proxy, publishes it on the channel, then removes itself.
 *
 * <pre>{@code
 * ProxyProtocolConfig proxy = ProxyProtocolConfig.defaults();   // Cloudflare's ranges trusted, header required
 * new ServerBootstrap().childHandler(new ChannelInitializer<SocketChannel>() {
 *     protected void initChannel(SocketChannel ch) {
 *         ch.pipeline().addLast(new ProxyProtocolHandler(proxy));  // first, before TLS or codecs
 *         ch.pipeline().addLast(new MyHandler());                  // ProxyProtocol.clientAddress(ch)
 *     }
 * });
 * }</pre>
 *
 * <table border="1">
 * <caption>Behaviour</caption>
 * <tr><td>detection</td><td>v1, v2 or neither from the first bytes; neither is decided on the
 *     first byte that cannot start a header</td></tr>
 * <tr><td>fragmentation</td><td>a header split across any number of reads is accepted, within
 *     the length caps and the header timeout</td></tr>
 * <tr><td>success</td><td>header stored ({@link ProxyProtocol#header}), {@link ProxyProtocolEvent}
 *     fired, handler removed, bytes after the header passed on in the same read</td></tr>
 * <tr><td>failure</td><td>{@link ProxyProtocolEvent} with a {@link ProxyProtocolException}
 *     fired, channel closed, nothing passed on; {@code exceptionCaught} only if configured</td></tr>
 * <tr><td>trust</td><td>judged by the list {@link ProxyProtocolConfig#trustSource()} holds when
 *     the connection becomes active; that verdict stays even if the list is replaced later</td></tr>
 * <tr><td>policy</td><td>a decoded header the {@link ProxyProtocolConfig#headerValidator()}
 *     refuses (or throws on) fails with reason {@code REJECTED_BY_POLICY}</td></tr>
 * <tr><td>auto-read off</td><td>the handler requests reads until the header is complete</td></tr>
 * </table>
 *
 * <p>One instance per channel (it holds the bytes of a partial header); share the
 * {@link ProxyProtocolConfig}. Until the outcome is known, no byte reaches the next handler;
 * {@code channelActive} is passed on as usual, so read the client address from the event or
 * in {@code channelRead}, not in {@code channelActive}. Server-speaks-first protocols (SMTP,
 * IMAP…) behind a proxy work as usual: the proxy sends the header first.
 */
public final class ProxyProtocolHandler extends ChannelInboundHandlerAdapter {

    private enum State {
        /** Not started: the channel is not active yet. */
        INIT,
        /** A trusted peer: waiting for (or checking for) the header. */
        EXPECT,
        /** An untrusted peer served directly: checking that it does not send a header. */
        DIRECT_PROBE,
        /** Outcome delivered; the handler is gone or going. */
        DONE,
        /** Refused; the channel is closing and every further byte is dropped. */
        FAILED
    }

    private final ProxyProtocolConfig config;
    private State state = State.INIT;
    /** Bytes of a header still incomplete; owned by this handler until passed on or released. */
    private ByteBuf cumulation;
    /** Whether {@link #cumulation} was allocated here (and may be written to). */
    private boolean ownCumulation;
    private Future<?> timeout;
    /** Whether this connection counts as waiting for its header (pending limit, metrics). */
    private boolean waitingForHeader;

    /** Creates a handler with {@link ProxyProtocolConfig#defaults()}. */
    public ProxyProtocolHandler() {
        this(ProxyProtocolConfig.defaults());
    }

    /** Creates a handler with the given shared configuration. */
    public ProxyProtocolHandler(ProxyProtocolConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** Returns the configuration. */
    public ProxyProtocolConfig config() {
        return config;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            // Added to a live channel (e.g. from a ChannelInitializer of an accepted child, or
            // later). Start once the handlers after this one are in place, so that they see the
            // outcome; channelActive or a read may start it sooner.
            ctx.executor().execute(() -> {
                if (ctx.channel().isActive() && !ctx.isRemoved()) {
                    start(ctx);
                }
            });
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        if (state != State.FAILED) {
            ctx.fireChannelActive();
        }
    }

    private void start(ChannelHandlerContext ctx) {
        if (state != State.INIT) {
            return;
        }
        // The list in force now judges this connection, even if the source is replaced later.
        if (config.trustSource().current().contains(ctx.channel().remoteAddress())) {
            PendingLimit limit = config.pendingLimit();
            if (limit != null && !limit.tryAcquire()) {
                fail(ctx, new ProxyProtocolException(Reason.TOO_MANY_PENDING,
                        config.maxPendingConnections() + " connections are already waiting for their header"));
                return;
            }
            waitingForHeader = true;
            config.metrics().waitingStarted();
            state = State.EXPECT;
            scheduleTimeout(ctx);
        } else if (config.untrustedPolicy() == UntrustedPolicy.CLOSE) {
            fail(ctx, new ProxyProtocolException(Reason.UNTRUSTED_SOURCE,
                    "peer " + ctx.channel().remoteAddress() + " is not a trusted proxy"));
            return;
        } else {
            // Served directly: the application may speak first, so no timer until bytes look
            // like a header. The outcome waits for the first bytes, so a connection gets one.
            state = State.DIRECT_PROBE;
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    private void scheduleTimeout(ChannelHandlerContext ctx) {
        if (timeout == null) {
            long nanos = config.headerTimeout().toNanos();
            timeout = ctx.executor().schedule(() -> {
                if (state == State.EXPECT || state == State.DIRECT_PROBE) {
                    fail(ctx, new ProxyProtocolException(Reason.TIMEOUT,
                            "no complete header within " + config.headerTimeout().toMillis() + " ms"));
                }
            }, nanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (state == State.FAILED) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.INIT) {
            start(ctx);
            if (state == State.FAILED) {
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (state == State.DONE || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf buf = cumulate(ctx, (ByteBuf) msg);
        try {
            if (state == State.DIRECT_PROBE) {
                probeDirect(ctx, buf);
            } else {
                expectHeader(ctx, buf);
            }
        } catch (ProxyProtocolException e) {
            fail(ctx, e);
        }
    }

    private void expectHeader(ChannelHandlerContext ctx, ByteBuf buf) {
        if (config.headerPolicy() == HeaderPolicy.OPTIONAL) {
            Detection d = ProxyHeaderParser.detect(buf);
            if (d == Detection.NEED_MORE) {
                return;
            }
            if (d == Detection.NOT_PROXY) {
                config.metrics().headerAbsent();
                ProxyProtocolEvent event = ProxyProtocolEvent.noHeader(ProxyProtocol.clientAddress(ctx.channel()));
                finish(ctx, event, 0);
                return;
            }
        }
        ProxyHeader header = config.parser().parse(buf);
        if (header != null) {
            String refusal = HeaderValidator.check(config.headerValidator(), header, ctx.channel().remoteAddress());
            if (refusal != null) {
                throw new ProxyProtocolException(Reason.REJECTED_BY_POLICY, refusal);
            }
            ProxyProtocol.setHeader(ctx.channel(), header);
            config.metrics().headerAccepted(header);
            finish(ctx, ProxyProtocolEvent.header(header, ProxyProtocol.clientAddress(ctx.channel())),
                    header.headerLength());
        }
    }

    private void probeDirect(ChannelHandlerContext ctx, ByteBuf buf) {
        switch (ProxyHeaderParser.detect(buf)) {
            case NOT_PROXY:
                config.metrics().headerAbsent();
                finish(ctx, ProxyProtocolEvent.noHeader(ProxyProtocol.clientAddress(ctx.channel())), 0);
                break;
            case NEED_MORE:
                scheduleTimeout(ctx);
                break;
            default:
                throw new ProxyProtocolException(Reason.UNTRUSTED_SOURCE,
                        "untrusted peer " + ctx.channel().remoteAddress() + " sent a PROXY header");
        }
    }

    /**
     * Delivers the outcome, removes this handler and passes on what follows the header. The
     * pending bytes change hands here: to the next handler if any remain, else released.
     */
    private void finish(ChannelHandlerContext ctx, ProxyProtocolEvent event, int headerLength) {
        state = State.DONE;
        stopWaiting();
        ByteBuf rest = cumulation;
        cumulation = null;
        rest.skipBytes(headerLength);
        if (event != null) {
            ctx.fireUserEventTriggered(event);
        }
        ctx.pipeline().remove(this);
        if (rest.isReadable()) {
            ctx.fireChannelRead(rest);
        } else {
            rest.release();
            if (!ctx.channel().config().isAutoRead()) {
                ctx.read();
            }
        }
    }

    private void fail(ChannelHandlerContext ctx, ProxyProtocolException cause) {
        if (state == State.FAILED || state == State.DONE) {
            return;
        }
        state = State.FAILED;
        stopWaiting();
        config.metrics().refused(cause.reason());
        releaseCumulation();
        ctx.fireUserEventTriggered(ProxyProtocolEvent.failure(cause));
        if (config.fireExceptionOnFailure()) {
            ctx.fireExceptionCaught(cause);
        }
        ctx.close();
    }

    /** Adds {@code in} to the pending bytes, taking ownership of it; returns all pending bytes. */
    private ByteBuf cumulate(ChannelHandlerContext ctx, ByteBuf in) {
        if (cumulation == null) {
            cumulation = in;
            ownCumulation = false;
            return in;
        }
        try {
            int need = cumulation.readableBytes() + in.readableBytes();
            if (!ownCumulation || cumulation.maxWritableBytes() < in.readableBytes() || cumulation.refCnt() != 1) {
                // Grow geometrically so a header dribbled one byte per read costs linear copying.
                ByteBuf next = ctx.alloc().buffer(Math.max(need * 2, 128));
                next.writeBytes(cumulation);
                cumulation.release();
                cumulation = next;
                ownCumulation = true;
            }
            cumulation.writeBytes(in);
        } finally {
            in.release();
        }
        return cumulation;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if ((state == State.EXPECT || state == State.DIRECT_PROBE) && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
        if (state != State.FAILED) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopWaiting();
        releaseCumulation();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopWaiting();
        releaseCumulation();
    }

    /** Called whenever the connection stops waiting for a header, whatever the outcome. */
    private void stopWaiting() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
        if (waitingForHeader) {
            waitingForHeader = false;
            PendingLimit limit = config.pendingLimit();
            if (limit != null) {
                limit.release();
            }
            config.metrics().waitingEnded();
        }
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }
}
