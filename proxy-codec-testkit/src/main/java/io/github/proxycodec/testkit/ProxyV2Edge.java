package io.github.proxycodec.testkit;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode;
import io.github.proxycodec.udp.UdpProxyConfig;
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
 * A proxy edge speaking PROXY v2 over UDP to an origin held in an {@code EmbeddedChannel}: the
 * real {@link ProxyV2DatagramCodec} first, then the application's handlers. Each client gets
 * an edge socket of its own (address {@link #EDGE_IP}, a port per client), as Cloudflare
 * Spectrum and dnsdist use; in {@link Mode#FIRST_DATAGRAM} (Spectrum) the header comes with a
 * client's first datagram only, in {@link Mode#PER_DATAGRAM} (dnsdist) with every one.
 *
 * <pre>{@code
 * try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.FIRST_DATAGRAM, new MyEchoHandler())) {
 *     edge.send(TestAddresses.CLIENT, "ping").send(TestAddresses.CLIENT, "again");
 *     assertEquals("pong", edge.replyText(TestAddresses.CLIENT));
 * }
 * }</pre>
 *
 * <p>{@link #reply} fails with an {@link AssertionError} where the edge would not deliver the
 * reply as the client's: nothing sent (and why, if the codec refused it), sent to another
 * socket than that client's, a PROXY header in front (the client would receive it as data), or
 * a datagram larger than the edge forwards.
 */
public final class ProxyV2Edge extends EdgeSimulator {

    /** The edge's address toward the origin, inside Cloudflare's published ranges. */
    public static final String EDGE_IP = "162.158.2.2";
    /** The port of the first client's edge socket; each new client gets the next one. */
    public static final int FIRST_EDGE_PORT = 42000;
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final Mode mode;
    private final Map<InetSocketAddress, InetSocketAddress> edgeOf = new HashMap<>();
    private boolean headerAlone;

    private ProxyV2Edge(ProxyV2DatagramCodec codec, ChannelHandler... handlers) {
        super(codec, handlers);
        this.mode = codec.mode();
    }

    /** Creates an edge in {@code mode} in front of a codec with {@link UdpProxyConfig#defaults()}. */
    public static ProxyV2Edge create(Mode mode, ChannelHandler... handlers) {
        return create(UdpProxyConfig.defaults(), mode, handlers);
    }

    /** Creates an edge in {@code mode} in front of a codec with {@code config} (which must trust {@link #EDGE_IP}). */
    public static ProxyV2Edge create(UdpProxyConfig config, Mode mode, ChannelHandler... handlers) {
        return new ProxyV2Edge(new ProxyV2DatagramCodec(config, mode), handlers);
    }

    /**
     * Creates an edge, in the codec's own mode, in front of {@code codec} (its configuration
     * must trust {@link #EDGE_IP}); the edge's channel then owns it.
     */
    public static ProxyV2Edge around(ProxyV2DatagramCodec codec, ChannelHandler... handlers) {
        return new ProxyV2Edge(codec, handlers);
    }

    /**
     * In FIRST_DATAGRAM mode, sends each client's header as a datagram of its own before its
     * first payload (as Spectrum has been seen to do) instead of in front of it.
     */
    public ProxyV2Edge headerAlone(boolean alone) {
        this.headerAlone = alone;
        return this;
    }

    /** Returns the edge socket the datagrams of {@code client} come from, or {@code null} before its first. */
    public InetSocketAddress edgeOf(InetSocketAddress client) {
        return edgeOf.get(client);
    }

    /** Delivers a datagram from {@code client} to {@link #SERVICE} through that client's edge socket. */
    public ProxyV2Edge send(InetSocketAddress client, byte[] payload) {
        boolean first = !edgeOf.containsKey(client);
        InetSocketAddress edge = edgeOf.computeIfAbsent(client,
                c -> TestAddresses.address(EDGE_IP, FIRST_EDGE_PORT + edgeOf.size()));
        boolean withHeader = mode == Mode.PER_DATAGRAM || first;
        byte[] header = withHeader ? ProxyHeaderEncoder.toByteArray(ProxyHeader.builder()
                .transport(ProxyHeader.Transport.DGRAM).addresses(client, SERVICE).build()) : new byte[0];
        if (withHeader && mode == Mode.FIRST_DATAGRAM && headerAlone) {
            deliver(new DatagramPacket(Unpooled.wrappedBuffer(header), ORIGIN, edge));
            header = new byte[0];
        }
        ByteBuf datagram = Unpooled.buffer(header.length + payload.length).writeBytes(header).writeBytes(payload);
        deliver(new DatagramPacket(datagram, ORIGIN, edge));
        return this;
    }

    /** {@link #send(InetSocketAddress, byte[])} with {@code payload} in UTF-8. */
    public ProxyV2Edge send(InetSocketAddress client, String payload) {
        return send(client, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    byte[] check(InetSocketAddress client, DatagramPacket reply) {
        InetSocketAddress edge = edgeOf.get(client);
        if (edge == null) {
            throw new AssertionError("client " + client + " never sent a datagram through this edge: no flow to reply on");
        }
        if (!edge.equals(reply.recipient())) {
            throw new AssertionError("the reply to client " + client + " went to " + reply.recipient()
                    + ", not to the edge socket " + edge + " that client's datagrams came from");
        }
        ByteBuf content = reply.content();
        if (content.readableBytes() >= SIGNATURE.length && ByteBufUtil.equals(content, content.readerIndex(),
                Unpooled.wrappedBuffer(SIGNATURE), 0, SIGNATURE.length)) {
            throw new AssertionError("the reply to client " + client
                    + " starts with a PROXY v2 header; the client would receive it as data");
        }
        return ByteBufUtil.getBytes(content);
    }
}
