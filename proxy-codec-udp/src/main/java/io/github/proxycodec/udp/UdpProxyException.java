package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyProtocolException;
import io.netty.handler.codec.CodecException;

import java.util.Objects;

/**
 * Why a datagram or a reply was refused by a UDP proxy codec.
 *
 * <p>Thrown by {@link SppHeader#decode(io.netty.buffer.ByteBuf)} and used to fail the write
 * promise of a reply that cannot be sent (for example {@code "NO_FLOW_FOR_REPLY: no SPP flow
 * for /192.0.2.10:12345"}). Like {@link ProxyProtocolException} it has no stack trace: it
 * describes bad input or an unroutable reply, not a bug.
 */
public final class UdpProxyException extends CodecException {

    private static final long serialVersionUID = 1L;

    /** Why the input was refused. */
    private final UdpDropReason reason;
    private final transient ProxyProtocolException.Reason headerReason;

    /**
     * Creates an exception for {@code reason}.
     *
     * @param reason the rule that was broken
     * @param detail what exactly was wrong, for humans
     */
    public UdpProxyException(UdpDropReason reason, String detail) {
        this(reason, null, detail);
    }

    /**
     * Creates an exception for {@code reason} caused by a PROXY v2 parser refusal.
     *
     * @param reason       the rule that was broken
     * @param headerReason the parser's reason, or {@code null}
     * @param detail       what exactly was wrong, for humans
     */
    public UdpProxyException(UdpDropReason reason, ProxyProtocolException.Reason headerReason, String detail) {
        super(reason + ": " + detail);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.headerReason = headerReason;
    }

    /** Returns the rule that was broken. */
    public UdpDropReason reason() {
        return reason;
    }

    /** Returns the PROXY v2 parser's reason when {@link #reason()} is INVALID_HEADER, else {@code null}. */
    public ProxyProtocolException.Reason headerReason() {
        return headerReason;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
