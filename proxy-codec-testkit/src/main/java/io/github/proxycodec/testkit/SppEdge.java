package io.github.proxycodec.testkit;

import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A Cloudflare Spectrum edge speaking the Simple Proxy Protocol to an origin held in an
 * {@code EmbeddedChannel}: the real {@link SppCodec} first, then the application's handlers.
 * Every client's datagrams come through one edge address with the client's 38-byte header in
 * front, and every reply must come back to that edge address with exactly that header again.
 *
 * <pre>{@code
 * try (SppEdge edge = SppEdge.create(new MyEchoHandler())) {
 *     edge.send(TestAddresses.CLIENT, "ping");
 *     assertEquals("pong", edge.replyText(TestAddresses.CLIENT));   // header checked and stripped
 * }
 * }</pre>
 *
 * <p>{@link #reply} fails with an {@link AssertionError} where Spectrum would not deliver the
 * reply: nothing sent (and why, if the codec refused it: no flow for that client, too large),
 * sent elsewhere than the edge, a missing or wrong header (another client's, or fields moved),
 * or a datagram larger than the edge forwards.
 */
public final class SppEdge extends EdgeSimulator {

    /** The edge's address toward the origin, inside Cloudflare's published ranges. */
    public static final InetSocketAddress EDGE = TestAddresses.address("162.158.1.1", 41000);

    /** The header each client's datagrams carried, as the edge remembers it. */
    private final Map<InetSocketAddress, SppHeader> sent = new HashMap<>();

    private SppEdge(SppCodec codec, ChannelHandler... handlers) {
        super(codec, handlers);
    }

    /** Creates an edge in front of an {@link SppCodec} with {@link UdpProxyConfig#defaults()} and {@code handlers}. */
    public static SppEdge create(ChannelHandler... handlers) {
        return create(UdpProxyConfig.defaults(), handlers);
    }

    /** Creates an edge in front of an {@link SppCodec} with {@code config} (which must trust {@link #EDGE}). */
    public static SppEdge create(UdpProxyConfig config, ChannelHandler... handlers) {
        return new SppEdge(new SppCodec(config), handlers);
    }

    /**
     * Creates an edge in front of {@code codec}, e.g. one from the application's own factory
     * (its configuration must trust {@link #EDGE}); the edge's channel then owns it.
     */
    public static SppEdge around(SppCodec codec, ChannelHandler... handlers) {
        return new SppEdge(codec, handlers);
    }

    /** Delivers a datagram from {@code client} to {@link #SERVICE}, with its SPP header, through {@link #EDGE}. */
    public SppEdge send(InetSocketAddress client, byte[] payload) {
        SppHeader header = SppHeader.of(client, SERVICE);
        sent.put(client, header);
        ByteBuf datagram = Unpooled.buffer(SppHeader.LENGTH + payload.length);
        header.writeTo(datagram).writeBytes(payload);
        deliver(new DatagramPacket(datagram, ORIGIN, EDGE));
        return this;
    }

    /** {@link #send(InetSocketAddress, byte[])} with {@code payload} in UTF-8. */
    public SppEdge send(InetSocketAddress client, String payload) {
        return send(client, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    byte[] check(InetSocketAddress client, DatagramPacket reply) {
        SppHeader expected = sent.get(client);
        if (expected == null) {
            throw new AssertionError("client " + client + " never sent a datagram through this edge: no flow to reply on");
        }
        if (!EDGE.equals(reply.recipient())) {
            throw new AssertionError("the reply to client " + client + " went to " + reply.recipient()
                    + ", not to the edge " + EDGE + " its datagrams came from");
        }
        ByteBuf content = reply.content();
        SppHeader got;
        try {
            got = SppHeader.decode(content);
        } catch (UdpProxyException e) {
            throw new AssertionError("the reply to client " + client + " does not start with its SPP header ("
                    + e.getMessage() + "): " + ByteBufUtil.hexDump(content, content.readerIndex(),
                    Math.min(content.readableBytes(), SppHeader.LENGTH)));
        }
        if (!got.client().equals(client)) {
            throw new AssertionError("the reply sent as the answer to client " + client + " carries the header of client "
                    + got.client() + "; Spectrum would deliver it there");
        }
        if (!got.equals(expected)) {
            throw new AssertionError("the reply to client " + client + " carries " + got
                    + ", not the header its datagrams came with, " + expected + " (same fields, same places)");
        }
        return ByteBufUtil.getBytes(content, content.readerIndex() + SppHeader.LENGTH,
                content.readableBytes() - SppHeader.LENGTH);
    }
}
