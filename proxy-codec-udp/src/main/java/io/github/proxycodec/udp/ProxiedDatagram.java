package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A datagram as the proxied client sent it: what {@link SppCodec} and
 * {@link ProxyV2DatagramCodec} pass on in place of each accepted {@link DatagramPacket}.
 *
 * <p>{@link #sender()} is the real client (for a PROXY v2 LOCAL header, the proxy itself),
 * {@link #recipient()} is the address the client sent to, and {@link #content()} is the payload
 * only, a slice of the received buffer. The proxy's own address and the header stay reachable
 * through {@link #edge()}, {@link #sppHeader()} and {@link #proxyHeader()}. Since it is a
 * {@code DatagramPacket}, existing handlers keep working; release it as usual.
 *
 * <p>To answer, either write a {@code DatagramPacket} to {@link #sender()} (the codec finds the
 * flow) or write {@link #reply(ByteBuf)}, which carries the route and needs no lookup.
 */
public final class ProxiedDatagram extends DatagramPacket {

    private final InetSocketAddress edge;
    private final SppHeader sppHeader;
    private final ProxyHeader proxyHeader;

    /**
     * Creates a datagram; codecs do this, applications rarely need to (tests may).
     *
     * @param content     the payload; ownership passes to this message
     * @param recipient   the address the client sent to; with an SPP header, {@code null} takes
     *                    it from the header when first asked for
     * @param sender      the real client
     * @param edge        the proxy address the datagram actually came from
     * @param sppHeader   the SPP header, or {@code null} for PROXY v2
     * @param proxyHeader the PROXY v2 header, or {@code null} for SPP
     */
    public ProxiedDatagram(ByteBuf content, InetSocketAddress recipient, InetSocketAddress sender,
                           InetSocketAddress edge, SppHeader sppHeader, ProxyHeader proxyHeader) {
        super(content, recipient, Objects.requireNonNull(sender, "sender"));
        this.edge = Objects.requireNonNull(edge, "edge");
        if ((sppHeader == null) == (proxyHeader == null)) {
            throw new IllegalArgumentException("exactly one of sppHeader and proxyHeader is needed");
        }
        this.sppHeader = sppHeader;
        this.proxyHeader = proxyHeader;
    }

    /**
     * Returns the address the client sent to: for SPP, the header's proxy address (built from
     * the header when first asked for, unless given).
     */
    @Override
    public InetSocketAddress recipient() {
        InetSocketAddress r = super.recipient();
        return r != null || sppHeader == null ? r : sppHeader.proxy();
    }

    /** Returns the address of the proxy (Cloudflare edge, dnsdist, ...) the datagram came from. */
    public InetSocketAddress edge() {
        return edge;
    }

    /** Returns the SPP header the datagram carried, or {@code null} if it came through PROXY v2. */
    public SppHeader sppHeader() {
        return sppHeader;
    }

    /**
     * Returns the PROXY v2 header of this datagram's flow (in FIRST_DATAGRAM mode, the one from
     * the flow's first datagram), or {@code null} if it came through SPP.
     */
    public ProxyHeader proxyHeader() {
        return proxyHeader;
    }

    /**
     * Returns a reply to this datagram's client carrying {@code content}; write it to the same
     * channel. It goes to {@link #edge()} (with the SPP header echoed, for SPP) without a flow
     * lookup, so it works even after the flow was evicted.
     *
     * @param content the reply payload; ownership passes to the returned message
     */
    public ProxiedReply reply(ByteBuf content) {
        return new ProxiedReply(content, sender(), edge, sppHeader);
    }

    @Override
    public ProxiedDatagram copy() {
        return replace(content().copy());
    }

    @Override
    public ProxiedDatagram duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public ProxiedDatagram retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public ProxiedDatagram replace(ByteBuf content) {
        return new ProxiedDatagram(content, recipient(), sender(), edge, sppHeader, proxyHeader);
    }

    @Override
    public ProxiedDatagram retain() {
        super.retain();
        return this;
    }

    @Override
    public ProxiedDatagram retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public ProxiedDatagram touch() {
        super.touch();
        return this;
    }

    @Override
    public ProxiedDatagram touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "ProxiedDatagram(" + sender() + " => " + recipient() + " via " + edge + ", "
                + content().readableBytes() + "B)";
    }
}
