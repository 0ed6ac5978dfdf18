package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A reply that already knows its route: built by {@link ProxiedDatagram#reply(ByteBuf)} and
 * written to the channel the datagram came from.
 *
 * <p>The codec sends it to {@link #edge()}, with {@link #sppHeader()} in front for SPP, without
 * looking up a flow. It is deliberately not an {@code AddressedEnvelope}: a datagram channel
 * without the codec refuses it instead of sending it unframed to the client.
 *
 * <pre>{@code
 * ProxiedDatagram in = ...;
 * ctx.writeAndFlush(in.reply(Unpooled.copiedBuffer("pong", US_ASCII)));
 * }</pre>
 */
public final class ProxiedReply extends DefaultByteBufHolder {

    private final InetSocketAddress client;
    private final InetSocketAddress edge;
    private final SppHeader sppHeader;

    ProxiedReply(ByteBuf content, InetSocketAddress client, InetSocketAddress edge, SppHeader sppHeader) {
        super(content);
        this.client = Objects.requireNonNull(client, "client");
        this.edge = Objects.requireNonNull(edge, "edge");
        this.sppHeader = sppHeader;
    }

    /** Returns the client the reply is meant for. */
    public InetSocketAddress client() {
        return client;
    }

    /** Returns the proxy address the reply is sent to. */
    public InetSocketAddress edge() {
        return edge;
    }

    /** Returns the SPP header echoed in front of the payload, or {@code null} for PROXY v2. */
    public SppHeader sppHeader() {
        return sppHeader;
    }

    @Override
    public ProxiedReply replace(ByteBuf content) {
        return new ProxiedReply(content, client, edge, sppHeader);
    }

    @Override
    public ProxiedReply copy() {
        return replace(content().copy());
    }

    @Override
    public ProxiedReply duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public ProxiedReply retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public ProxiedReply retain() {
        super.retain();
        return this;
    }

    @Override
    public ProxiedReply retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public ProxiedReply touch() {
        super.touch();
        return this;
    }

    @Override
    public ProxiedReply touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "ProxiedReply(" + client + " via " + edge + ", " + content().readableBytes() + "B)";
    }
}
