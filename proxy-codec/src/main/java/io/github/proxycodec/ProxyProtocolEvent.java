package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;

import java.net.InetSocketAddress;

/**
 * Fired by {@link ProxyProtocolHandler} through {@code userEventTriggered} once per connection,
 * when it knows the outcome: a header was accepted, the connection proceeds without one (an
 * OPTIONAL header was absent, or an untrusted peer is served directly), or it failed.
 *
 * <pre>{@code
 * public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
 *     if (evt instanceof ProxyProtocolEvent) {
 *         ProxyProtocolEvent e = (ProxyProtocolEvent) evt;
 *         if (e.isSuccess()) {
 *             log.info("client {}", e.clientAddress());
 *         }
 *     }
 *     ctx.fireUserEventTriggered(evt);
 * }
 * }</pre>
 */
public final class ProxyProtocolEvent {

    /** The outcome. */
    public enum Outcome {
        /** A valid header was received and stored on the channel. */
        HEADER,
        /** The connection proceeds without a header: OPTIONAL policy, or an untrusted peer served directly. */
        NO_HEADER,
        /** The header was refused or never came; the channel is being closed. */
        FAILURE
    }

    private final Outcome outcome;
    private final ProxyHeader header;
    private final ProxyProtocolException cause;
    private final InetSocketAddress clientAddress;

    private ProxyProtocolEvent(Outcome outcome, ProxyHeader header, ProxyProtocolException cause,
                               InetSocketAddress clientAddress) {
        this.outcome = outcome;
        this.header = header;
        this.cause = cause;
        this.clientAddress = clientAddress;
    }

    static ProxyProtocolEvent header(ProxyHeader header, InetSocketAddress client) {
        return new ProxyProtocolEvent(Outcome.HEADER, header, null, client);
    }

    static ProxyProtocolEvent noHeader(InetSocketAddress client) {
        return new ProxyProtocolEvent(Outcome.NO_HEADER, null, null, client);
    }

    static ProxyProtocolEvent failure(ProxyProtocolException cause) {
        return new ProxyProtocolEvent(Outcome.FAILURE, null, cause, null);
    }

    /** Returns the outcome. */
    public Outcome outcome() {
        return outcome;
    }

    /** Returns whether the connection proceeds (with or without a header). */
    public boolean isSuccess() {
        return outcome != Outcome.FAILURE;
    }

    /** Returns the accepted header, or {@code null} unless the outcome is HEADER. */
    public ProxyHeader header() {
        return header;
    }

    /**
     * Returns the client address the application should use (the header's source, or the
     * connection's peer for LOCAL, UNKNOWN, UNSPEC and no header); {@code null} on failure.
     */
    public InetSocketAddress clientAddress() {
        return clientAddress;
    }

    /** Returns why the connection failed, or {@code null} on success. */
    public ProxyProtocolException cause() {
        return cause;
    }

    /** Returns the failure reason, or {@code null} on success. */
    public Reason reason() {
        return cause == null ? null : cause.reason();
    }

    @Override
    public String toString() {
        return "ProxyProtocolEvent{" + outcome
                + (header != null ? ", " + header : "")
                + (clientAddress != null ? ", client=" + clientAddress : "")
                + (cause != null ? ", " + cause.getMessage() : "") + '}';
    }
}
