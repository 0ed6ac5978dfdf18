package io.github.proxycodec.udp;

/**
 * Why a datagram was refused by a UDP proxy codec, in either direction.
 *
 * <p>Inbound reasons describe a datagram from the network that never reached the application;
 * outbound ones describe a reply the application wrote that never left the host. Each is
 * counted ({@link AbstractUdpProxyCodec#drops(UdpDropReason)}) and, with
 * {@link UdpProxyConfig#dropEvents()}, reported as a {@link UdpProxyEvent}; none is ever logged.
 */
public enum UdpDropReason {
    /** Inbound: the datagram is shorter than the header it must start with (SPP: 38 bytes). */
    TOO_SHORT,
    /** Inbound: the datagram does not start with the SPP magic {@code 0x56EC}. */
    BAD_MAGIC,
    /** Inbound: the sender is not in the trusted edge list, so its header cannot be believed. */
    UNTRUSTED_SENDER,
    /** Inbound: the header names an unspecified address ({@code 0.0.0.0}, {@code ::}) or port 0. */
    UNSPECIFIED_ADDRESS,
    /** Inbound: a PROXY v2 header is malformed or not accepted here; see the parser's reason. */
    INVALID_HEADER,
    /** Inbound: PER_DATAGRAM mode, and the datagram carries no PROXY v2 header. */
    MISSING_HEADER,
    /** Inbound: FIRST_DATAGRAM mode, a datagram without a header from an edge with no known flow. */
    UNKNOWN_FLOW,
    /** Outbound: a reply to an address with no known flow (and, for PROXY v2, not a trusted edge). */
    NO_FLOW_FOR_REPLY,
    /** Outbound: the reply, header included, exceeds the configured maximum UDP payload. */
    REPLY_TOO_LARGE,
    /**
     * Inbound: the configured {@code HeaderValidator} refused the header (or threw); the event's
     * {@link UdpProxyEvent#detail()} says why. Last, so the earlier ordinals stay as they were.
     */
    REJECTED_BY_POLICY;

    /** Returns whether this reason refuses a reply the application wrote (else a datagram received). */
    public boolean isOutbound() {
        return this == NO_FLOW_FOR_REPLY || this == REPLY_TOO_LARGE;
    }
}
