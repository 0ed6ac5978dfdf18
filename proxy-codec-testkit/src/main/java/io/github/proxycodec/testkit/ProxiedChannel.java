package io.github.proxycodec.testkit;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustedProxies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An {@link EmbeddedChannel} that looks like a TCP connection from a proxy: its remote address
 * is the proxy's, and the real {@link ProxyProtocolHandler} sits first in its pipeline, in front
 * of the application's handlers. {@link Builder#connect} writes a real header through it, so the
 * application's handlers see exactly what production gives them: the header in
 * {@link ProxyProtocol}, the {@link ProxyProtocolEvent}, then only the client's bytes.
 *
 * <pre>{@code
 * ProxiedChannel ch = ProxiedChannel.from(TestAddresses.CLOUDFLARE_EDGE)
 *         .config(myProductionConfig)                      // default: trusts exactly that proxy
 *         .handlers(new MyHandler())
 *         .connect(TestAddresses.address("192.0.2.10", 12345)); // a v2 header for that client
 * ch.writeInboundText("hello\n");
 * assertEquals("hi 192.0.2.10\n", ch.readOutboundText());
 * ch.finishAndReleaseAll();
 * }</pre>
 *
 * <p>A small handler right after {@link ProxyProtocolHandler} keeps its outcome for
 * {@link #outcome()} and passes every event on. Failures of the testkit's own expectations are {@link AssertionError}s, so any test
 * framework reports them as failures. Buffers read with {@link #readOutbound()} belong to the
 * caller, as with any {@code EmbeddedChannel}.
 */
public final class ProxiedChannel extends EmbeddedChannel {

    /** The address a connection is accepted on unless the builder says otherwise. */
    public static final InetSocketAddress DEFAULT_LOCAL = TestAddresses.address("127.0.0.1", 8443);

    private final InetSocketAddress proxy;
    private final InetSocketAddress local;
    private final List<ProxyProtocolEvent> outcomes = new ArrayList<>(1);

    private ProxiedChannel(InetSocketAddress proxy, InetSocketAddress local) {
        super(DefaultChannelId.newInstance(), false, false);
        this.proxy = proxy;
        this.local = local;
    }

    /** Starts a connection from the proxy at {@code proxy} (its address as the channel's peer). */
    public static Builder from(InetSocketAddress proxy) {
        return new Builder(Objects.requireNonNull(proxy, "proxy"));
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return proxy;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }

    /**
     * Returns the outcome {@link ProxyProtocolHandler} reported, or {@code null} while it is still
     * waiting for (the rest of) a header.
     */
    public ProxyProtocolEvent outcome() {
        return outcomes.isEmpty() ? null : outcomes.get(0);
    }

    /** Returns the header accepted on this connection, or {@code null}. */
    public ProxyHeader header() {
        return ProxyProtocol.header(this);
    }

    /** Returns the client address the application sees ({@link ProxyProtocol#clientAddress}). */
    public InetSocketAddress clientAddress() {
        return ProxyProtocol.clientAddress(this);
    }

    /** Writes {@code bytes} inbound as one read, as the proxy would send them. */
    public ProxiedChannel writeInboundBytes(byte[] bytes) {
        if (!isOpen()) {
            throw new AssertionError("cannot write to a closed connection: " + describe(outcome()));
        }
        writeInbound(Unpooled.wrappedBuffer(bytes.clone()));
        return this;
    }

    /** Writes {@code text} inbound in UTF-8 as one read. */
    public ProxiedChannel writeInboundText(String text) {
        return writeInboundBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads the next outbound message, which must be a {@link ByteBuf}, as UTF-8 text and
     * releases it; {@code null} if nothing was written.
     */
    public String readOutboundText() {
        Object msg = readOutbound();
        if (msg == null) {
            return null;
        }
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            throw new AssertionError("the application wrote a " + msg.getClass().getName() + ", not bytes");
        }
        ByteBuf b = (ByteBuf) msg;
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    /** Throws an {@link AssertionError} unless the handler accepted a header. */
    public ProxiedChannel assertAccepted() {
        ProxyProtocolEvent e = outcome();
        if (e == null || e.outcome() != ProxyProtocolEvent.Outcome.HEADER) {
            throw new AssertionError("expected the PROXY header to be accepted, but " + describe(e));
        }
        return this;
    }

    /**
     * Throws an {@link AssertionError} unless the connection was refused for {@code reason}
     * and closed.
     */
    public ProxiedChannel assertRefused(Reason reason) {
        ProxyProtocolEvent e = outcome();
        if (e == null || e.isSuccess() || e.reason() != reason) {
            throw new AssertionError("expected the connection to be refused with " + reason + ", but " + describe(e));
        }
        if (isOpen()) {
            throw new AssertionError("refused with " + reason + " but the channel is still open");
        }
        return this;
    }

    private static String describe(ProxyProtocolEvent e) {
        if (e == null) {
            return "the handler is still waiting for a header";
        }
        switch (e.outcome()) {
            case HEADER:
                return "a header was accepted: " + e.header();
            case NO_HEADER:
                return "the connection proceeded without a header";
            default:
                return "it was refused with " + e.reason() + " (" + e.cause().getMessage() + ")";
        }
    }

    /** Keeps the handler's outcome, right after it in the pipeline, and passes it on. */
    private final class OutcomeRecorder extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyProtocolEvent) {
                outcomes.add((ProxyProtocolEvent) evt);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /**
     * Chooses the configuration, the local address and the application's handlers, then opens
     * the connection with or without a header.
     */
    public static final class Builder {
        private final InetSocketAddress proxy;
        private InetSocketAddress local = DEFAULT_LOCAL;
        private ProxyProtocolConfig config;
        private ChannelHandler[] handlers = new ChannelHandler[0];

        private Builder(InetSocketAddress proxy) {
            this.proxy = proxy;
        }

        /** Sets the handler's configuration (default: trusts exactly the proxy's address, header required). */
        public Builder config(ProxyProtocolConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** Sets the address the connection was accepted on (default {@link #DEFAULT_LOCAL}). */
        public Builder local(InetSocketAddress local) {
            this.local = Objects.requireNonNull(local, "local");
            return this;
        }

        /** Sets the application's handlers, in pipeline order after {@link ProxyProtocolHandler}. */
        public Builder handlers(ChannelHandler... handlers) {
            this.handlers = handlers.clone();
            return this;
        }

        /**
         * Opens the connection, sends a v2 PROXY header for {@code client} connecting to the
         * local address, and asserts that the handler accepted it.
         */
        public ProxiedChannel connect(InetSocketAddress client) {
            return connect(ProxyHeader.builder().addresses(client, local).build());
        }

        /** Opens the connection, sends {@code header}, and asserts that the handler accepted it. */
        public ProxiedChannel connect(ProxyHeader header) {
            return connectSending(TestHeaders.bytes(header)).assertAccepted();
        }

        /**
         * Opens the connection and sends {@code bytes} as they are (a malformed header, a
         * header and data in one read…); check the result with {@link #outcome()} or
         * {@link #assertRefused}. Nothing is asserted here.
         */
        public ProxiedChannel connectSending(byte[] bytes) {
            ProxiedChannel ch = open();
            return ch.isOpen() ? ch.writeInboundBytes(bytes) : ch; // an untrusted peer is refused at once
        }

        /**
         * Opens the connection and sends nothing: for testing an untrusted peer, the header
         * timeout ({@code advanceTimeBy} then {@code runScheduledPendingTasks}) or an optional
         * header that never comes.
         */
        public ProxiedChannel open() {
            ProxyProtocolConfig c = config != null ? config : ProxyProtocolConfig.builder()
                    .trustedProxies(TrustedProxies.of(proxy.getAddress().getHostAddress())).build();
            ProxiedChannel ch = new ProxiedChannel(proxy, local);
            ch.pipeline().addLast(new ProxyProtocolHandler(c), ch.new OutcomeRecorder());
            ch.pipeline().addLast(handlers);
            try {
                ch.register();
            } catch (Exception e) {
                throw new IllegalStateException("cannot register the embedded channel", e);
            }
            return ch;
        }
    }
}
