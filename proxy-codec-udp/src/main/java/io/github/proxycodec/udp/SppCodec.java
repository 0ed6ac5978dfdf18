package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

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
 * 38 bytes ({@code TOO_SHORT}), a magic other than {@code 0x56EC} ({@code BAD_MAGIC}), and
 * unless disabled an unspecified address or port 0 ({@code UNSPECIFIED_ADDRESS}).
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
 * <p><b>Flows</b> map a client address to its edge and header; they are bounded by
 * {@link UdpProxyConfig#maxFlows()} (least recently used first out) and expire after
 * {@link UdpProxyConfig#sppIdleTimeout()} without traffic either way.
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

    /**
     * A client's flow: where its replies go, and the header they carry. The header's 38 bytes
     * are kept here too, as big-endian words: a known flow is recognised, and its replies
     * framed, from this one object (also its table node), without touching the header's array
     * or addresses (with many live flows, each object touched per datagram is a likely cache
     * miss). The client address is the node's key.
     */
    private static final class Flow extends FlowTable.Node<Flow> {
        final InetSocketAddress edge;
        final SppHeader header;
        final InetSocketAddress proxy;
        private final long bytes0;
        private final long bytes8;
        private final long bytes16;
        private final long bytes24;
        /** Bytes 30 to 37: overlaps {@code bytes24} by two, so five reads cover all 38. */
        private final long bytes30;

        Flow(InetSocketAddress edge, SppHeader header) {
            super(header.client());
            this.edge = edge;
            this.header = header;
            this.proxy = header.proxy();
            this.bytes0 = header.bytesAt(0, 8);
            this.bytes8 = header.bytesAt(8, 8);
            this.bytes16 = header.bytesAt(16, 8);
            this.bytes24 = header.bytesAt(24, 8);
            this.bytes30 = header.bytesAt(30, 8);
        }

        /** Whether the header read as five words (see {@link #bytes30}) is this flow's. */
        boolean matches(long b0, long b8, long b16, long b24, long b30) {
            return b0 == bytes0 && b8 == bytes8 && b16 == bytes16 && b24 == bytes24 && b30 == bytes30;
        }

        /** Whether the client is IPv4 (its address IPv4-mapped: ten zero bytes, then two 0xFF). */
        private boolean v4() {
            return (bytes0 & 0xFFFF_FFFF_FFFFL) == 0 && bytes8 >>> 16 == 0xFFFFL;
        }

        /** The client's IPv4 address, when {@link #v4()}. */
        private int v4Address() {
            return (int) (bytes8 << 16 | bytes16 >>> 48);
        }

        private int clientPort() {
            return (int) (bytes30 >>> 16) & 0xFFFF;
        }

        /** Whether {@code a} is this flow's client, compared with the words kept here. */
        boolean isClient(InetSocketAddress a) {
            if (a.getPort() != clientPort()) {
                return false;
            }
            InetAddress ip = a.getAddress();
            if (ip instanceof Inet4Address) {
                // An IPv4 address's hashCode is the address itself.
                return v4() && ip.hashCode() == v4Address();
            }
            return key.equals(a);
        }

        /**
         * Returns a new address equal to the client's: what the application gets as
         * {@code sender()}. For an IPv4 client (the usual case) it is built from the words kept
         * here rather than shared with the flow, so that an application reading it finds it in
         * cache, as it finds an address the transport has just built, and not among the objects
         * of thousands of flows. An IPv6 client's new address shares the flow's
         * {@code InetAddress}.
         */
        InetSocketAddress newClientAddress() {
            if (!v4()) {
                return new InetSocketAddress(key.getAddress(), key.getPort());
            }
            int ip = v4Address();
            try {
                return new InetSocketAddress(InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip}), clientPort());
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // only for a wrong array length
            }
        }

        /** Writes the header's 38 bytes, unchanged. */
        void writeHeader(ByteBuf out) {
            out.writeLong(bytes0).writeLong(bytes8).writeLong(bytes16).writeLong(bytes24)
                    .writeInt((int) (bytes30 >>> 16)).writeShort((int) bytes30);
        }
    }

    /** Size of the blocks replies are cut from (see {@link #frameBuffer}). */
    private static final int FRAME_BLOCK = 16 * 1024;

    private final FlowTable<Flow> flows;
    /** The block replies are being cut from, or null. */
    private ByteBuf frames;
    /** The payload last passed on, the buffer it is a slice of, and where its header starts there. */
    private ByteBuf passed;
    private ByteBuf passedFrom;
    private int passedAt;

    /** Creates a codec for one channel with the defaults ({@link UdpProxyConfig#defaults()}). */
    public SppCodec() {
        this(UdpProxyConfig.defaults());
    }

    /** Creates a codec for one channel. */
    public SppCodec(UdpProxyConfig config) {
        super(config);
        this.flows = new FlowTable<>(config.maxFlows(), config.sppIdleTimeout().toNanos(), this::now,
                (flow, expired) -> flowRemoved(flow.key, flow.edge, expired));
    }

    @Override
    ProxiedDatagram decode(DatagramPacket packet) {
        InetSocketAddress edge = trustedEdge(packet.sender());
        if (edge == null) {
            return drop(packet, UdpDropReason.UNTRUSTED_SENDER, null);
        }
        ByteBuf content = packet.content();
        int at = content.readerIndex();
        if (content.readableBytes() >= SppHeader.LENGTH) {
            // The usual case: a known client through the same edge with the same 38 bytes. Found
            // from the bytes themselves, so nothing is decoded or allocated for the header.
            long now = flows.now();
            long b0 = content.getLong(at);
            long b8 = content.getLong(at + 8);
            long b16 = content.getLong(at + 16);
            long b24 = content.getLong(at + 24);
            long b30 = content.getLong(at + 30);
            // Client address: bytes 2 to 17; client port: bytes 34 and 35.
            int hash = flows.hash((int) (b0 >>> 16), (int) (b0 << 16 | b8 >>> 48), (int) (b8 >>> 16),
                    (int) (b8 << 16 | b16 >>> 48), (int) (b30 >>> 16) & 0xFFFF);
            for (Flow flow = flows.bucket(hash); flow != null; flow = flow.next) {
                if (flow.hash == hash && flow.matches(b0, b8, b16, b24, b30)
                        && (flow.edge == edge || flow.edge.equals(edge))) {
                    flows.use(flow, now);
                    return passed(pass(packet, SppHeader.LENGTH, flow.proxy, flow.newClientAddress(), flow.header, null), content, at);
                }
            }
        }
        SppHeader header;
        try {
            header = SppHeader.decode(content);
        } catch (UdpProxyException e) {
            return drop(packet, e.reason(), null);
        }
        if (config.rejectUnspecifiedAddresses() && header.hasUnspecifiedAddress()) {
            return drop(packet, UdpDropReason.UNSPECIFIED_ADDRESS, null);
        }
        // A new client, or a known one through another edge or with other header bytes: the
        // flow is (re)built, so replies carry the header of the client's latest datagram.
        Flow flow = new Flow(edge, header);
        flows.put(flow);
        flowCreated(flow.key, edge);
        return passed(pass(packet, SppHeader.LENGTH, flow.proxy, flow.key, header, null), content, at);
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
        frame(ctx, reply, reply.content(), reply.client(), reply.edge(), header, null, null, promise);
    }

    @Override
    void writeAddressed(ChannelHandlerContext ctx, AddressedEnvelope<ByteBuf, InetSocketAddress> env,
                        ChannelPromise promise) {
        InetSocketAddress client = env.recipient();
        // Usually the reply to the datagram just handled: its flow is checked first, from the
        // words it keeps (in cache), before a lookup in the table.
        long now = flows.now();
        Flow flow = flows.recent();
        if (flow != null && flow.isClient(client)) {
            flows.use(flow, now);
        } else {
            flow = flows.get(client);
        }
        if (flow == null) {
            refuse(env, promise, UdpDropReason.NO_FLOW_FOR_REPLY, client, "no SPP flow for " + client);
            return;
        }
        frame(ctx, env, env.content(), client, flow.edge, null, flow, env.sender(), promise);
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
     * The header comes from {@code flow} if given, else from {@code header}.
     */
    private void frame(ChannelHandlerContext ctx, Object msg, ByteBuf payload, InetSocketAddress client,
                       InetSocketAddress edge, SppHeader header, Flow flow, InetSocketAddress sender,
                       ChannelPromise promise) {
        int length = SppHeader.LENGTH + payload.readableBytes();
        if (length > config.maxReplyLength()) {
            refuse(msg, promise, UdpDropReason.REPLY_TOO_LARGE, client,
                    length + " bytes with the SPP header, more than the " + config.maxReplyLength() + " allowed");
            return;
        }
        ByteBuf framed = inPlace(payload, header, flow, length);
        if (framed != null) {
            // msg's reference, which the payload shares with its whole datagram, goes with framed.
            ctx.write(new DatagramPacket(framed, edge, sender), promise);
            return;
        }
        framed = frameBuffer(ctx, length);
        try {
            if (flow != null) {
                flow.writeHeader(framed);
            } else {
                header.writeTo(framed);
            }
            framed.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        } catch (RuntimeException e) {
            framed.release();
            throw e;
        } finally {
            ReferenceCountUtil.release(msg);
        }
        ctx.write(new DatagramPacket(framed, edge, sender), promise);
    }

    /**
     * Returns the reply, header and payload, as they sit in the datagram the payload came in,
     * when that is what must be sent: the payload is the very buffer last passed on (an echo,
     * or a reply written over the request), read from its start, and the 38 bytes in front of
     * it are the reply's header. Returns {@code null} otherwise. The slice returned shares the
     * payload's reference; nothing is copied.
     */
    private ByteBuf inPlace(ByteBuf payload, SppHeader header, Flow flow, int length) {
        ByteBuf from = passedFrom;
        if (payload != passed || payload.readerIndex() != 0 || payload.refCnt() == 0) {
            return null;
        }
        int at = passedAt;
        long b0 = from.getLong(at);
        long b8 = from.getLong(at + 8);
        long b16 = from.getLong(at + 16);
        long b24 = from.getLong(at + 24);
        long b30 = from.getLong(at + 30);
        if (!(flow != null ? flow.matches(b0, b8, b16, b24, b30) : header.matches(b0, b8, b16, b24, b30))) {
            return null;
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
