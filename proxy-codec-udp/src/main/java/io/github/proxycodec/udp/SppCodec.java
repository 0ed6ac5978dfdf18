package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;

/**
 * Cloudflare Spectrum's Simple Proxy Protocol (SPP) for a UDP server: strips the 38-byte header
 * from every datagram and echoes it in front of every reply.
 *
 * <p><b>Inbound</b>, each {@link DatagramPacket} from a trusted edge that starts with a valid
 * header becomes a {@link ProxiedDatagram}: {@code sender()} is the real client (an
 * {@code Inet4Address} for an IPv4 client), {@code recipient()} the Cloudflare address it sent
 * to, {@code content()} a slice of the payload (no copy), {@code edge()} and
 * {@code sppHeader()} the rest. Anything else is dropped and counted (checked in this order):
 * a sender outside {@link UdpProxyConfig#trustedEdges()} ({@code UNTRUSTED_SENDER}), fewer than
 * 38 bytes ({@code TOO_SHORT}), a magic other than {@code 0x56EC} ({@code BAD_MAGIC}),
 * unless disabled an unspecified address or port 0 ({@code UNSPECIFIED_ADDRESS}), and a header
 * the configured {@link UdpProxyConfig#headerValidator()} refuses ({@code REJECTED_BY_POLICY}).
 * The validator sees the SPP header as a PROXY v2 DGRAM header with no TLVs
 * ({@link SppHeader#toProxyHeader()}), once per new or rebuilt flow: a datagram of a known
 * flow, with the same 38 bytes through the same edge, was judged with its first one and costs
 * no call (the trusted edge list is still read for every datagram).
 *
 * <p><b>Outbound</b>, a {@code DatagramPacket} (any {@code AddressedEnvelope} of a
 * {@code ByteBuf}) addressed to a client goes to the edge that client's last datagram came
 * from, with that client's own 38 bytes in front, unchanged. So a server that answers
 * {@code packet.sender()} works behind Spectrum as is. {@link ProxiedDatagram#reply(ByteBuf)}
 * does the same without a lookup. A reply is refused (its buffer released, its promise failed
 * with a {@link UdpProxyException}) when no flow is known for its recipient
 * ({@code NO_FLOW_FOR_REPLY}) or when header plus payload exceed
 * {@link UdpProxyConfig#maxReplyLength()} ({@code REPLY_TOO_LARGE}): nothing leaves unframed.
 * A bare {@code ByteBuf} (which a connected channel would send without an address) is refused
 * in the same way. The reply's payload is copied behind the header into one direct buffer, cut
 * from a 16 KiB block the codec keeps (freed once the handler is removed and the last reply cut
 * from it is sent; a reply over 2 KiB gets a buffer of its own); the message written is
 * released at once. One exception copies nothing: a
 * reply whose payload is the content of the datagram last passed on, unread (an echo, or a
 * reply written over the request within its length), behind bytes that are still the reply's
 * own header, is sent from the received buffer as it lies, header and payload together.
 *
 * <p><b>Segmented replies.</b> A server that batches its sends (GSO: an
 * {@code io.netty.channel.unix.SegmentedDatagramPacket}, several datagrams cut every
 * {@code segmentSize} bytes, as Netty's QUIC codec writes with
 * {@code QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR}) gets the header in front of
 * every segment, never one header for the batch: on epoll with {@code UDP_SEGMENT} it leaves as
 * segmented sends of {@code segmentSize + 38}-byte segments, elsewhere as one datagram per
 * segment. {@code maxReplyLength} applies per segment ({@code segmentSize + 38}); one too
 * large refuses the whole reply, and nothing of it is sent. Without
 * {@code netty-transport-native-unix-common} on the class path (NIO only) nothing is segmented.
 *
 * <p><b>Flows</b> map a client address to its edge and header; they are bounded by
 * {@link UdpProxyConfig#maxFlows()} and expire after {@link UdpProxyConfig#sppIdleTimeout()}
 * without traffic either way. The bound resists floods of spoofed clients: a flow is on
 * probation until its client's second datagram, and a full table evicts the least recently
 * used flow on probation first, so one-datagram senders cannot push out established clients.
 *
 * <pre>{@code
 * UdpProxyConfig config = UdpProxyConfig.defaults();        // trusts Cloudflare's ranges
 * new Bootstrap().group(group).channel(EpollDatagramChannel.class)
 *     .handler(new ChannelInitializer<DatagramChannel>() {
 *         protected void initChannel(DatagramChannel ch) {
 *             ch.pipeline().addLast(new SppCodec(config),    // one per channel
 *                                   new MyEchoHandler());    // replies to packet.sender()
 *         }
 *     })
 *     .bind(53);
 * }</pre>
 */
public final class SppCodec extends AbstractUdpProxyCodec {

    /** Size of the blocks replies are cut from (see {@link #frameBuffer}). */
    private static final int FRAME_BLOCK = 16 * 1024;

    private final SppFlowTable flows;
    // The header of the datagram being read, the header of the reply being written, and the
    // bytes in front of a payload that might be sent in place.
    private final SppWords inbound = new SppWords();
    private final SppWords replyHeader = new SppWords();
    private final SppWords inPlaceCheck = new SppWords();
    /** The block replies are being cut from, or null. */
    private ByteBuf frames;
    // The content of the datagram last passed on, the buffer it is a slice of and where its
    // header starts there: what an in-place reply is cut from.
    private ByteBuf passed;
    private ByteBuf passedFrom;
    private int passedAt;
    // The key of the edge last seen (usually the one and only), so it is computed once.
    private InetSocketAddress keyedEdge;
    private long edgeKey;

    /** A codec with {@link UdpProxyConfig#defaults()} (trusting Cloudflare's published ranges). */
    public SppCodec() {
        this(UdpProxyConfig.defaults());
    }

    /** A codec with {@code config}; one instance per channel (it keeps that channel's flows). */
    public SppCodec(UdpProxyConfig config) {
        super(config);
        this.flows = new SppFlowTable(config.maxFlows(), config.sppIdleTimeout().toNanos(), this::now,
                this::flowRemoved);
    }

    @Override
    ProxiedDatagram decode(DatagramPacket packet) {
        InetSocketAddress edge = trustedEdge(packet.sender());
        if (edge == null) {
            return drop(packet, UdpDropReason.UNTRUSTED_SENDER, null);
        }
        ByteBuf content = packet.content();
        int at = content.readerIndex();
        if (content.readableBytes() < SppHeader.LENGTH) {
            return drop(packet, UdpDropReason.TOO_SHORT, null);
        }
        if (content.getUnsignedShort(at) != SppHeader.MAGIC) {
            return drop(packet, UdpDropReason.BAD_MAGIC, null);
        }
        long now = flows.now();
        SppWords words = inbound.read(content, at);
        // The usual case: a known client through the same edge with the same 38 bytes, found
        // from the words themselves in one slot of the table.
        int slot = flows.find(words, edge, edgeKey(edge));
        if (slot != SppFlowTable.NONE) {
            flows.use(slot, now, edge);
            ByteBuf payload = content.slice(at + SppHeader.LENGTH, content.readableBytes() - SppHeader.LENGTH);
            // A fresh client address, rather than one kept with the flow: what the application
            // reads is then in cache.
            return passed(new ProxiedDatagram(payload, null, words.client(), edge, words.toHeader(), null),
                    content, at);
        }
        SppHeader header = words.toHeader();
        if (config.rejectUnspecifiedAddresses() && header.hasUnspecifiedAddress()) {
            return drop(packet, UdpDropReason.UNSPECIFIED_ADDRESS, null);
        }
        String refusal = policyRefusal(header.toProxyHeader(), edge);
        if (refusal != null) {
            return dropByPolicy(packet, refusal); // no flow is made, so the next datagram is judged again
        }
        // A new client, or a known one through another edge or with other header bytes: the
        // flow is (re)built, so replies carry the header of the client's latest datagram.
        flows.put(words, edge, now);
        flowCreated(header.client(), edge);
        return passed(pass(packet, SppHeader.LENGTH, header.proxy(), header.client(), header, null), content, at);
    }

    private long edgeKey(InetSocketAddress edge) {
        if (edge != keyedEdge) {
            edgeKey = flows.edgeKey(edge);
            keyedEdge = edge;
        }
        return edgeKey;
    }

    /** Remembers where the payload just passed on sits, for {@link #inPlace}. */
    private ProxiedDatagram passed(ProxiedDatagram out, ByteBuf from, int at) {
        passed = out.content();
        passedFrom = from;
        passedAt = at;
        return out;
    }

    @Override
    void writeReply(ChannelHandlerContext ctx, ProxiedReply reply, ChannelPromise promise) {
        SppHeader header = reply.sppHeader();
        if (header == null) {
            refuse(reply, promise, UdpDropReason.NO_FLOW_FOR_REPLY, reply.client(),
                    "reply built from a PROXY v2 datagram has no SPP header for " + reply.client());
            return;
        }
        frame(ctx, reply, reply.content(), replyHeader.set(header), reply.edge(), promise);
    }

    @Override
    void writeAddressed(ChannelHandlerContext ctx, AddressedEnvelope<ByteBuf, InetSocketAddress> env,
                        ChannelPromise promise) {
        InetSocketAddress client = env.recipient();
        // Usually the reply to the datagram just handled: its flow is checked first, from its
        // slot (in cache), before a lookup in the table.
        long now = flows.now();
        int slot = flows.find(client);
        if (slot == SppFlowTable.NONE) {
            refuse(env, promise, UdpDropReason.NO_FLOW_FOR_REPLY, client, "no SPP flow for " + client);
            return;
        }
        InetSocketAddress edge = flows.edge(slot);
        flows.touch(slot, now, edge); // a reply keeps the flow where it is: only the client's datagrams promote it
        int segment = SegmentedDatagrams.segmentSize(env);
        if (segment != 0 && env.content().readableBytes() > segment) {
            frameSegments(ctx, env, edge, flows.header(slot, replyHeader), segment, promise);
            return;
        }
        frame(ctx, env, env.content(), flows.header(slot, replyHeader), edge, promise);
    }

    @Override
    void writeOther(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf || msg instanceof ByteBufHolder) {
            refuse(msg, promise, UdpDropReason.NO_FLOW_FOR_REPLY, null,
                    "an SPP reply needs a client address: write a DatagramPacket or ProxiedReply, not "
                            + msg.getClass().getSimpleName());
            return;
        }
        ctx.write(msg, promise);
    }

    /**
     * Writes header + payload to the edge as one buffer. Owns {@code msg}: either its reference
     * goes on with the payload sent in place ({@link #inPlace}), or it is released once its
     * payload is copied behind the header (a datagram is small, and one contiguous buffer is
     * cheaper to build and to send than a composite); the buffer sent goes to the transport.
     */
    private void frame(ChannelHandlerContext ctx, Object msg, ByteBuf payload, SppWords header,
                       InetSocketAddress edge, ChannelPromise promise) {
        int length = SppHeader.LENGTH + payload.readableBytes();
        if (length > config.maxReplyLength()) {
            refuse(msg, promise, UdpDropReason.REPLY_TOO_LARGE, clientOf(msg),
                    length + " bytes with the SPP header, more than the " + config.maxReplyLength() + " allowed");
            return;
        }
        InetSocketAddress sender = senderOf(msg);
        ByteBuf framed = inPlace(payload, header, length);
        if (framed != null) {
            // msg's reference, which the payload shares with its whole datagram, goes with framed.
            ctx.write(new DatagramPacket(framed, edge, sender), promise);
            return;
        }
        framed = frameBuffer(ctx, length);
        try {
            header.writeTo(framed);
            framed.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        } catch (RuntimeException e) {
            framed.release();
            throw e;
        } finally {
            ReferenceCountUtil.release(msg);
        }
        ctx.write(new DatagramPacket(framed, edge, sender), promise);
    }

    /** The client a reply is for: a {@link ProxiedReply}'s, or an envelope's recipient. */
    private static InetSocketAddress clientOf(Object msg) {
        if (msg instanceof ProxiedReply) {
            return ((ProxiedReply) msg).client();
        }
        @SuppressWarnings("unchecked")
        AddressedEnvelope<ByteBuf, InetSocketAddress> env = (AddressedEnvelope<ByteBuf, InetSocketAddress>) msg;
        return env.recipient();
    }

    /** The local address a reply is sent from: an envelope's sender, or none for a {@link ProxiedReply}. */
    private static InetSocketAddress senderOf(Object msg) {
        if (msg instanceof ProxiedReply) {
            return null;
        }
        @SuppressWarnings("unchecked")
        AddressedEnvelope<ByteBuf, InetSocketAddress> env = (AddressedEnvelope<ByteBuf, InetSocketAddress>) msg;
        return env.sender();
    }

    /**
     * Writes a segmented reply (several datagrams cut every {@code segment} bytes) with the
     * flow's header in front of every segment, so each stays a datagram of its own: as
     * segmented sends of {@code segment + 38}-byte segments where the channel sends those, else
     * one datagram per segment. {@link UdpProxyConfig#maxReplyLength()} applies to a segment;
     * one too large refuses the whole reply, and nothing is sent. Owns {@code env}: released
     * once its segments are copied; each buffer built goes to the transport with its packet.
     */
    private void frameSegments(ChannelHandlerContext ctx, AddressedEnvelope<ByteBuf, InetSocketAddress> env,
                               InetSocketAddress edge, SppWords header, int segment, ChannelPromise promise) {
        int framedSegment = SppHeader.LENGTH + segment;
        if (framedSegment > config.maxReplyLength()) {
            refuse(env, promise, UdpDropReason.REPLY_TOO_LARGE, env.recipient(), "segments of " + framedSegment
                    + " bytes with the SPP header, more than the " + config.maxReplyLength() + " allowed");
            return;
        }
        ByteBuf payload = env.content();
        int perSend = sendsSegments ? SegmentedDatagrams.perSend(framedSegment) : 1;
        DatagramWrites writes = new DatagramWrites(ctx, promise);
        try {
            for (int at = payload.readerIndex(), end = payload.writerIndex(); at < end; ) {
                int bytes = Math.min(end - at, perSend * segment);
                ByteBuf framed = framedSegments(ctx, payload, at, bytes, segment, header);
                writes.write(bytes > segment
                        ? SegmentedDatagrams.packet(framed, framedSegment, edge, env.sender())
                        : new DatagramPacket(framed, edge, env.sender()));
                at += bytes;
            }
            writes.finish();
        } finally {
            ReferenceCountUtil.release(env);
        }
    }

    /**
     * Returns a new buffer with {@code bytes} bytes of {@code payload} from {@code at}, cut
     * every {@code segment} bytes, each piece behind {@code header}.
     */
    private ByteBuf framedSegments(ChannelHandlerContext ctx, ByteBuf payload, int at, int bytes, int segment,
                                   SppWords header) {
        int length = bytes + SegmentedDatagrams.count(bytes, segment) * SppHeader.LENGTH;
        ByteBuf framed = frameBuffer(ctx, length);
        try {
            for (int from = at, end = at + bytes; from < end; from += segment) {
                header.writeTo(framed);
                framed.writeBytes(payload, from, Math.min(segment, end - from));
            }
        } catch (RuntimeException e) {
            framed.release();
            throw e;
        }
        return framed;
    }

    /**
     * Returns the reply, header and payload, as they sit in the datagram the payload came in,
     * when that is what must be sent: the payload is the very buffer last passed on (an echo,
     * or a reply written over the request), read from its start, and the 38 bytes in front of
     * it are the reply's header. Returns {@code null} otherwise. The slice returned shares the
     * payload's reference; nothing is copied.
     */
    private ByteBuf inPlace(ByteBuf payload, SppWords header, int length) {
        ByteBuf from = passedFrom;
        if (payload != passed || payload.readerIndex() != 0 || payload.refCnt() == 0) {
            return null;
        }
        int at = passedAt;
        if (!inPlaceCheck.read(from, at).sameAs(header)) {
            return null; // the bytes in front are another client's header
        }
        passed = null; // sent once
        passedFrom = null;
        return from.slice(at, length);
    }

    /**
     * Returns an empty direct buffer of exactly {@code length} bytes for one reply: a slice of
     * a shared block, so that a reply does not cost an allocation of its own (an allocator
     * call, and now and then a leak-detector record). Each slice holds a reference to its
     * block, so a block is freed once this codec has moved on from it and every reply cut
     * from it has been sent. Replies larger than an eighth of a block get their own buffer.
     */
    private ByteBuf frameBuffer(ChannelHandlerContext ctx, int length) {
        if (length > FRAME_BLOCK / 8) {
            return ctx.alloc().directBuffer(length, length);
        }
        ByteBuf block = frames;
        if (block == null || block.writableBytes() < length) {
            if (block != null) {
                block.release();
            }
            frames = block = ctx.alloc().directBuffer(FRAME_BLOCK, FRAME_BLOCK);
        }
        int at = block.writerIndex();
        block.writerIndex(at + length);
        return block.retainedSlice(at, length).clear();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ByteBuf block = frames;
        frames = null;
        passed = null;
        passedFrom = null;
        keyedEdge = null;
        if (block != null) {
            block.release(); // replies still queued keep it alive until they are sent
        }
        super.handlerRemoved(ctx);
    }

    @Override
    public long evictions() {
        return flows.evictions();
    }

    @Override
    public long expirations() {
        return flows.expirations();
    }

    @Override
    public int flows() {
        return flows.size();
    }

    @Override
    void expireIdle() {
        flows.expireIdle(now());
    }

    @Override
    void clearFlows() {
        flows.clear();
    }
}
