package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyProtocolException;

import java.net.InetSocketAddress;

/**
 * A user event fired by the UDP proxy codecs through the pipeline
 * ({@code userEventTriggered}), for metrics and bounded logging.
 *
 * <p>One small immutable object per event and nothing else: the codec never logs. DROPPED
 * events are fired only with {@link UdpProxyConfig#dropEvents()} (drops are always counted). A
 * handler that prints drops should rate-limit itself, since a flood of bad datagrams is a flood
 * of events.
 *
 * <table>
 * <caption>kinds</caption>
 * <tr><th>kind</th><th>client</th><th>edge</th><th>reason</th></tr>
 * <tr><td>FLOW_CREATED</td><td>real client (null for a LOCAL flow)</td><td>proxy address</td><td>null</td></tr>
 * <tr><td>FLOW_EVICTED, FLOW_EXPIRED</td><td>as above</td><td>as above</td><td>null</td></tr>
 * <tr><td>DROPPED inbound</td><td>null</td><td>the sender</td><td>why</td></tr>
 * <tr><td>DROPPED outbound</td><td>the reply's recipient</td><td>null</td><td>why</td></tr>
 * </table>
 */
public final class UdpProxyEvent {

    /** What happened. */
    public enum Kind {
        /** A client was seen for the first time (or through a different edge, or with a new header). */
        FLOW_CREATED,
        /** A flow was removed to stay within the configured maximum number of flows. */
        FLOW_EVICTED,
        /** A flow was removed after the configured idle timeout. */
        FLOW_EXPIRED,
        /** A datagram or reply was refused; see {@link #reason()}. */
        DROPPED
    }

    private final Kind kind;
    private final UdpDropReason reason;
    private final ProxyProtocolException.Reason headerReason;
    private final InetSocketAddress client;
    private final InetSocketAddress edge;
    private final String detail;

    UdpProxyEvent(Kind kind, UdpDropReason reason, ProxyProtocolException.Reason headerReason,
                  InetSocketAddress client, InetSocketAddress edge) {
        this(kind, reason, headerReason, client, edge, null);
    }

    UdpProxyEvent(Kind kind, UdpDropReason reason, ProxyProtocolException.Reason headerReason,
                  InetSocketAddress client, InetSocketAddress edge, String detail) {
        this.detail = detail;
        this.kind = kind;
        this.reason = reason;
        this.headerReason = headerReason;
        this.client = client;
        this.edge = edge;
    }

    /** Returns what happened. */
    public Kind kind() {
        return kind;
    }

    /** Returns why a datagram was dropped, or {@code null} for flow events. */
    public UdpDropReason reason() {
        return reason;
    }

    /** Returns the PROXY v2 parser's reason for an INVALID_HEADER drop, else {@code null}. */
    public ProxyProtocolException.Reason headerReason() {
        return headerReason;
    }

    /** Returns the real client, or {@code null} when unknown. */
    public InetSocketAddress client() {
        return client;
    }

    /** Returns the proxy (edge) address, or {@code null} when not applicable. */
    public InetSocketAddress edge() {
        return edge;
    }

    /** Returns the validator's message for a REJECTED_BY_POLICY drop, else {@code null}. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("UdpProxyEvent{").append(kind);
        if (reason != null) {
            sb.append(' ').append(reason);
            if (headerReason != null) {
                sb.append('(').append(headerReason).append(')');
            }
        }
        if (detail != null) {
            sb.append(" detail=").append(detail);
        }
        if (client != null) {
            sb.append(" client=").append(client);
        }
        if (edge != null) {
            sb.append(" edge=").append(edge);
        }
        return sb.append('}').toString();
    }
}
