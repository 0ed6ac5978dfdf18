package io.github.proxycodec;

import io.github.proxycodec.ProxyHeaderParser.Detection;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.Future;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark-only: {@link ProxyProtocolHandler}'s logic with Netty's {@link ByteToMessageDecoder}
 * doing the buffering, as Netty's own {@code HAProxyMessageDecoder} does, so that
 * {@code ConnectionBenchmark} can tell whether the hand-written cumulation is worth keeping.
 *
 * <p>Same parser, trust verdict, pending limit, header timeout, validator, metrics calls and
 * events as the production handler; only the buffering and the hand-over of the bytes after the
 * header differ. The decoder cumulates, calls {@link #decode} with everything pending, releases
 * what was consumed, and on removal passes the rest on ({@code handlerRemoved}), followed by a
 * {@code channelReadComplete} of its own. It lives in the production package, in this module,
 * only to reach the same package-private pieces (the header attribute, the event factories,
 * the pending limit) that the production handler uses; it is not part of the library.
 */
public final class ByteToMessageDecoderHandler extends ByteToMessageDecoder {

    private enum State { INIT, EXPECT, DIRECT_PROBE, DONE, FAILED }

    private final ProxyProtocolConfig config;
    private State state = State.INIT;
    private Future<?> timeout;
    private boolean waitingForHeader;

    /** Creates a handler with the given shared configuration. */
    public ByteToMessageDecoderHandler(ProxyProtocolConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        // One header per connection: stop decoding once an outcome is known.
        setSingleDecode(true);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
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
            state = State.DIRECT_PROBE;
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    private void scheduleTimeout(ChannelHandlerContext ctx) {
        if (timeout == null) {
            timeout = ctx.executor().schedule(() -> {
                if (state == State.EXPECT || state == State.DIRECT_PROBE) {
                    fail(ctx, new ProxyProtocolException(Reason.TIMEOUT,
                            "no complete header within " + config.headerTimeout().toMillis() + " ms"));
                }
            }, config.headerTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** Called by the decoder with every pending byte; consumes what it has settled. */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.INIT) {
            start(ctx);
        }
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            if (state == State.DIRECT_PROBE) {
                probeDirect(ctx, in);
            } else if (state == State.EXPECT) {
                expectHeader(ctx, in);
            }
        } catch (ProxyProtocolException e) {
            in.skipBytes(in.readableBytes());
            fail(ctx, e);
        }
    }

    private void expectHeader(ChannelHandlerContext ctx, ByteBuf in) {
        if (config.headerPolicy() == HeaderPolicy.OPTIONAL) {
            Detection d = ProxyHeaderParser.detect(in);
            if (d == Detection.NEED_MORE) {
                return;
            }
            if (d == Detection.NOT_PROXY) {
                config.metrics().headerAbsent();
                finish(ctx, in, ProxyProtocolEvent.noHeader(ProxyProtocol.clientAddress(ctx.channel())), 0);
                return;
            }
        }
        ProxyHeader header = config.parser().parse(in);
        if (header != null) {
            String refusal = HeaderValidator.check(config.headerValidator(), header, ctx.channel().remoteAddress());
            if (refusal != null) {
                throw new ProxyProtocolException(Reason.REJECTED_BY_POLICY, refusal);
            }
            ProxyProtocol.setHeader(ctx.channel(), header);
            config.metrics().headerAccepted(header);
            finish(ctx, in, ProxyProtocolEvent.header(header, ProxyProtocol.clientAddress(ctx.channel())),
                    header.headerLength());
        }
    }

    private void probeDirect(ChannelHandlerContext ctx, ByteBuf in) {
        switch (ProxyHeaderParser.detect(in)) {
            case NOT_PROXY:
                config.metrics().headerAbsent();
                finish(ctx, in, ProxyProtocolEvent.noHeader(ProxyProtocol.clientAddress(ctx.channel())), 0);
                break;
            case NEED_MORE:
                scheduleTimeout(ctx);
                break;
            default:
                throw new ProxyProtocolException(Reason.UNTRUSTED_SOURCE,
                        "untrusted peer " + ctx.channel().remoteAddress() + " sent a PROXY header");
        }
    }

    /** Consumes the header and removes this handler; the decoder passes on what follows it. */
    private void finish(ChannelHandlerContext ctx, ByteBuf in, ProxyProtocolEvent event, int headerLength) {
        state = State.DONE;
        stopWaiting();
        in.skipBytes(headerLength);
        ctx.fireUserEventTriggered(event);
        ctx.pipeline().remove(this);
    }

    private void fail(ChannelHandlerContext ctx, ProxyProtocolException cause) {
        if (state == State.FAILED || state == State.DONE) {
            return;
        }
        state = State.FAILED;
        stopWaiting();
        config.metrics().refused(cause.reason());
        ctx.fireUserEventTriggered(ProxyProtocolEvent.failure(cause));
        if (config.fireExceptionOnFailure()) {
            ctx.fireExceptionCaught(cause);
        }
        ctx.close();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state != State.FAILED) {
            super.channelReadComplete(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stopWaiting();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        stopWaiting();
    }

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
}
