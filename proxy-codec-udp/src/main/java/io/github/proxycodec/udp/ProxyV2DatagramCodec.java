package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * PROXY protocol v2 over UDP, in the one {@link Mode} the proxy in front is configured for:
 * strips headers and passes each datagram on as a {@link ProxiedDatagram} from the real client;
 * replies go back to the proxy with no header.
 *
 * <table>
 * <caption>modes</caption>
 * <tr><th>mode</th><th>who sends it</th><th>inbound</th></tr>
 * <tr><td>{@link Mode#PER_DATAGRAM}</td><td>dnsdist, HAProxy (2026 spec), PowerDNS</td>
 *     <td>every datagram starts with a DGRAM header (family 0x12 or 0x22); one without is
 *     dropped ({@code MISSING_HEADER}). A LOCAL header (health check) passes the datagram on
 *     with the proxy as sender.</td></tr>
 * <tr><td>{@link Mode#FIRST_DATAGRAM}</td><td>Cloudflare Spectrum ("Proxy Protocol v2" on a UDP app)</td>
 *     <td>the first datagram of a flow carries the header, maybe nothing else; later datagrams
 *     from the same edge address and port belong to the same client. A new header replaces the
 *     flow; a header-only datagram updates the flow and is not passed on; a headerless datagram
 *     from an edge with no flow is dropped ({@code UNKNOWN_FLOW}).</td></tr>
 * </table>
 *
 * <p>In both modes, datagrams from senders outside {@link UdpProxyConfig#trustedEdges()} are
 * dropped ({@code UNTRUSTED_SENDER}), as are malformed or non-DGRAM headers
 * ({@code INVALID_HEADER}, with the parser's reason in the event), truncated ones
 * ({@code TOO_SHORT}), unless disabled headers naming an unspecified address or port 0
 * ({@code UNSPECIFIED_ADDRESS}), and headers the configured
 * {@link UdpProxyConfig#headerValidator()} refuses ({@code REJECTED_BY_POLICY}). Every header
 * is judged: in FIRST_DATAGRAM mode the later headerless datagrams of a flow follow the verdict
 * on the header that opened it.
 *
 * <p><b>Replies.</b> The application replies to {@code packet.sender()}, the real client, and the
 * codec sends the payload to the proxy address that client's datagrams came from. The reply
 * route is keyed by the real client, not by the proxy's address: dnsdist sends every client
 * from one source port, so a table keyed by the sender would mix clients. A reply to an address
 * that is neither a known client nor a trusted proxy (e.g. the answer to a LOCAL health check)
 * is refused ({@code NO_FLOW_FOR_REPLY}); a reply to a trusted proxy address goes out as is.
 * {@link ProxiedDatagram#reply(ByteBuf)} needs no lookup. Flows and routes are bounded by
 * {@link UdpProxyConfig#maxFlows()} and resist floods of spoofed clients: each is on probation
 * until its client's second datagram, and a full table evicts from probation first (replies
 * never promote). Replies longer than
 * {@link UdpProxyConfig#maxReplyLength()} are refused ({@code REPLY_TOO_LARGE}).
 *
 * <p><b>Segmented replies</b> (GSO: an {@code io.netty.channel.unix.SegmentedDatagramPacket},
 * e.g. from Netty's QUIC codec) keep their segmentation: on epoll with {@code UDP_SEGMENT} they
 * leave as they are, elsewhere as one datagram per segment. The reply limit applies to a
 * segment, not to the batch.
 *
 * <pre>{@code
 * UdpProxyConfig config = UdpProxyConfig.builder()
 *         .trustedEdges(TrustedProxies.of("10.0.0.53/32"))   // the dnsdist host
 *         .build();
 * new Bootstrap().group(group).channel(NioDatagramChannel.class)
 *     .handler(new ChannelInitializer<DatagramChannel>() {
 *         protected void initChannel(DatagramChannel ch) {
 *             ch.pipeline().addLast(
 *                 new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM),
 *                 new MyDnsHandler());
 *         }
 *     })
 *     .bind(5300);
 * }</pre>
 */
public final class ProxyV2DatagramCodec extends AbstractUdpProxyCodec {

    /** Where the headers are: chosen by configuration to match the proxy, never guessed. */
    public enum Mode {
        /** Every datagram carries a header (dnsdist, HAProxy's 2026 spec, PowerDNS). */
        PER_DATAGRAM,
        /** Only the first datagram of a flow does, possibly alone (Cloudflare Spectrum). */
        FIRST_DATAGRAM
    }

    private final Mode mode;
    private final ProxyHeaderParser parser;
    private final V2Routing routing;

    /** Creates a codec for one channel with the defaults ({@link UdpProxyConfig#defaults()}). */
    public ProxyV2DatagramCodec(Mode mode) {
        this(UdpProxyConfig.defaults(), mode);
    }

    /** Creates a codec for one channel. */
    public ProxyV2DatagramCodec(UdpProxyConfig config, Mode mode) {
        super(config);
        this.mode = Objects.requireNonNull(mode, "mode");
        this.parser = config.parser();
        this.routing = V2Routing.of(mode, config, this::now, this::flowRemoved);
    }

    /** Returns the mode this codec was built for. */
    public Mode mode() {
        return mode;
    }

    // ------------------------------------------------------------------ inbound

    @Override
    ProxiedDatagram decode(DatagramPacket packet) {
        InetSocketAddress edge = trustedEdge(packet.sender());
        if (edge == null) {
            return drop(packet, UdpDropReason.UNTRUSTED_SENDER, null);
        }
        ByteBuf content = packet.content();
        if (!routing.startsWithHeader(content)) {
            return continueFlow(packet, edge);
        }
        ProxyHeader header;
        try {
            header = parser.parse(content);
        } catch (ProxyProtocolException e) {
            routing.forget(edge);
            return drop(packet, dropReason(e.reason()), e.reason());
        }
        UdpDropReason invalid = header == null ? UdpDropReason.TOO_SHORT : check(header);
        if (invalid != null) {
            routing.forget(edge);
            return drop(packet, invalid, null);
        }
        String refusal = policyRefusal(header, edge);
        if (refusal != null) {
            routing.forget(edge); // like an invalid header: later headerless datagrams cannot be attributed
            return dropByPolicy(packet, refusal);
        }
        boolean headerOnly = content.readableBytes() == header.headerLength();
        if (routing.opened(header, edge, headerOnly)) {
            flowCreated(header.sourceAddress(), edge);
        }
        if (headerOnly && !routing.passesHeaderOnly()) {
            packet.release();
            return null;
        }
        return passFromClient(packet, header.headerLength(), header, edge);
    }

    /** A datagram with no header: it belongs to whatever flow its edge port opened earlier. */
    private ProxiedDatagram continueFlow(DatagramPacket packet, InetSocketAddress edge) {
        ProxyHeader header = routing.continued(edge);
        if (header == null) {
            return drop(packet, UdpDropReason.UNKNOWN_FLOW, null);
        }
        return passFromClient(packet, 0, header, edge);
    }

    /** Passes the datagram on from the header's client, or for LOCAL from the proxy itself. */
    private static ProxiedDatagram passFromClient(DatagramPacket packet, int headerLength, ProxyHeader header,
                                                  InetSocketAddress edge) {
        InetSocketAddress client = header.sourceAddress();
        if (client == null) {
            // LOCAL: the proxy's own datagram, e.g. a health check; its real addresses stand.
            return pass(packet, headerLength, null, edge, null, header);
        }
        return pass(packet, headerLength, header.destinationAddress(), client, null, header);
    }

    /** Policy beyond the parser: which parsed headers a UDP origin can use. */
    private UdpDropReason check(ProxyHeader header) {
        if (header.command() == ProxyHeader.Command.LOCAL) {
            return null;
        }
        if (!header.hasInetAddresses()) {
            return UdpDropReason.INVALID_HEADER; // UNIX sockets mean nothing to a UDP origin
        }
        if (config.rejectUnspecifiedAddresses() && (unspecified(header.sourceAddress())
                || unspecified(header.destinationAddress()))) {
            return UdpDropReason.UNSPECIFIED_ADDRESS;
        }
        return null;
    }

    private static boolean unspecified(InetSocketAddress a) {
        return a.getPort() == 0 || a.getAddress().isAnyLocalAddress();
    }

    private static UdpDropReason dropReason(ProxyProtocolException.Reason reason) {
        switch (reason) {
            case NOT_A_PROXY_HEADER:
                return UdpDropReason.MISSING_HEADER;
            case UNSPEC_NOT_ALLOWED:
                return UdpDropReason.UNSPECIFIED_ADDRESS;
            default:
                return UdpDropReason.INVALID_HEADER;
        }
    }

    // ------------------------------------------------------------------ outbound

    @Override
    void writeReply(ChannelHandlerContext ctx, ProxiedReply reply, ChannelPromise promise) {
        if (reply.sppHeader() != null) {
            refuse(reply, promise, UdpDropReason.NO_FLOW_FOR_REPLY, reply.client(),
                    "reply built from an SPP datagram cannot go through a PROXY v2 codec");
            return;
        }
        send(ctx, reply, reply.client(), reply.edge(), null, promise);
    }

    @Override
    void writeAddressed(ChannelHandlerContext ctx, AddressedEnvelope<ByteBuf, InetSocketAddress> env,
                        ChannelPromise promise) {
        InetSocketAddress to = env.recipient();
        InetSocketAddress edge = routing.route(to);
        if (edge == null) {
            if (!config.trustedEdges().contains(to)) {
                refuse(env, promise, UdpDropReason.NO_FLOW_FOR_REPLY, to, "no PROXY v2 flow for " + to);
                return;
            }
            edge = to; // to the proxy itself, e.g. a health check answer
        }
        send(ctx, env, to, edge, env.sender(), promise);
    }

    /** Sends the payload to {@code edge} with no header. Owns {@code msg}; its content moves to the packet. */
    private void send(ChannelHandlerContext ctx, Object msg, InetSocketAddress client, InetSocketAddress edge,
                      InetSocketAddress sender, ChannelPromise promise) {
        ByteBuf payload = payloadOf(msg);
        int length = payload.readableBytes();
        int segment = SegmentedDatagrams.segmentSize(msg);
        int largest = segment != 0 ? Math.min(segment, length) : length; // the limit is per datagram sent
        if (largest > config.maxReplyLength()) {
            refuse(msg, promise, UdpDropReason.REPLY_TOO_LARGE, client,
                    largest + " bytes, more than the " + config.maxReplyLength() + " allowed");
            return;
        }
        if (segment != 0 && length > segment) {
            sendSegments(ctx, (DatagramPacket) msg, edge, segment, promise);
            return;
        }
        if (msg instanceof DatagramPacket && edge.equals(((DatagramPacket) msg).recipient())) {
            ctx.write(msg, promise);
            return;
        }
        ctx.write(new DatagramPacket(payload, edge, sender), promise);
    }

    /**
     * Sends a segmented reply to {@code edge} with its segmentation kept: as one segmented send
     * where the channel sends those, else one datagram per segment. Owns {@code msg}: its
     * content goes on whole, or each segment takes a reference of its own and msg's is released.
     */
    private void sendSegments(ChannelHandlerContext ctx, DatagramPacket msg, InetSocketAddress edge, int segment,
                              ChannelPromise promise) {
        if (sendsSegments) {
            ctx.write(edge.equals(msg.recipient()) ? msg
                    : SegmentedDatagrams.packet(msg.content(), segment, edge, msg.sender()), promise);
            return;
        }
        ByteBuf payload = msg.content();
        DatagramWrites writes = new DatagramWrites(ctx, promise);
        try {
            for (int at = payload.readerIndex(), end = payload.writerIndex(); at < end; at += segment) {
                ByteBuf piece = payload.retainedSlice(at, Math.min(segment, end - at));
                writes.write(new DatagramPacket(piece, edge, msg.sender()));
            }
            writes.finish();
        } finally {
            msg.release();
        }
    }

    @Override
    public long evictions() {
        return routing.flows().evictions();
    }

    @Override
    public long expirations() {
        return routing.flows().expirations();
    }

    @Override
    public int flows() {
        return routing.flows().size();
    }

    @Override
    void expireIdle() {
        routing.expireIdle(now());
    }

    @Override
    void clearFlows() {
        routing.clear();
    }
}
