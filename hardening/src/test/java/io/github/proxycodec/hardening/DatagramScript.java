package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Plays fuzz input as a script of datagrams and replies against one UDP codec, checking every
 * step against what the codec promises. Shared by the SPP and PROXY v2 datagram fuzz targets.
 *
 * <p>Input: records of a control byte, a two-byte length (modulo 1600) and that many bytes
 * (fewer at the end). Control bits 0-1 pick the sender (two ports of one Cloudflare edge, an
 * IPv6 edge, a stranger); bit 2 makes the record a reply from the application instead, to a
 * client chosen by bits 3-6 among those passed on so far; bit 7 first moves the clock past every
 * idle timeout. For a datagram, bit 3 makes the application answer with the very payload buffer
 * it was given (which {@code SppCodec} may send in place, behind the header it came with): to
 * its sender, or with bit 4 to a client chosen by bit 6; bit 5 first reads one byte of it.
 */
final class DatagramScript {

    static final int MAX_FLOWS = 3;
    /** The parser the PROXY v2 datagram codec is documented to use: DGRAM only, no v1, UNSPEC refused. */
    private static final ProxyHeaderParser UDP_PARSER = ProxyHeaderParser.builder().acceptV1(false)
            .allowStreamTransport(false).allowDatagramTransport(true).rejectUnspecProxy(true).build();
    private static final InetSocketAddress[] SENDERS = {
        Bytes.addr("162.158.1.1", 41000), Bytes.addr("162.158.1.1", 41001),
        Bytes.addr("2606:4700::1", 41000), Bytes.addr("192.0.2.99", 5555)
    };

    private final UdpCorpus.Codec kind;
    private final MockTicker clock = Ticker.newMockTicker();
    private final TrackingAllocator alloc = new TrackingAllocator(false);
    private final UdpChannels udp;
    /** Clients passed on so far, in order (replies pick among them). */
    private final List<InetSocketAddress> clients = new ArrayList<>();
    /** SPP: each client's latest edge and 38 header bytes. PROXY v2: each client's latest edge. */
    private final Map<InetSocketAddress, InetSocketAddress> latestEdge = new HashMap<>();
    private final Map<InetSocketAddress, byte[]> latestSpp = new HashMap<>();
    /** FIRST_DATAGRAM: each edge port's latest client (null for LOCAL or after a bad header). */
    private final Map<InetSocketAddress, InetSocketAddress> edgeClient = new HashMap<>();

    DatagramScript(UdpCorpus.Codec kind) {
        this.kind = kind;
        UdpProxyConfig config = UdpProxyConfig.builder().maxFlows(MAX_FLOWS).ticker(clock).build();
        this.udp = new UdpChannels(kind, config, alloc);
    }

    void play(byte[] data) {
        int i = 0;
        while (i + 3 <= data.length) {
            int ctl = data[i] & 0xFF;
            int len = (((data[i + 1] & 0xFF) << 8) | (data[i + 2] & 0xFF)) % 1600;
            int from = i + 3;
            int to = Math.min(data.length, from + len);
            byte[] bytes = Arrays.copyOfRange(data, from, to);
            i = to;
            if ((ctl & 0x80) != 0) {
                clock.advance(Duration.ofMinutes(10).toNanos(), TimeUnit.NANOSECONDS);
                latestEdge.clear();
                latestSpp.clear();
                edgeClient.clear();
            }
            if ((ctl & 0x04) != 0) {
                reply(ctl, bytes);
            } else {
                receive(ctl, SENDERS[ctl & 3], bytes);
            }
            AbstractUdpProxyCodec codec = udp.codec;
            if (codec.flows() > MAX_FLOWS) {
                throw new AssertionError(codec.flows() + " flows, more than " + MAX_FLOWS);
            }
        }
        udp.channel.close();
        if (udp.channel.finish()) {
            throw new AssertionError("messages left in the channel");
        }
        alloc.assertAllReleased(kind.name());
    }

    private void receive(int ctl, InetSocketAddress sender, byte[] bytes) {
        AbstractUdpProxyCodec codec = udp.codec;
        long dropsBefore = codec.drops();
        ByteBuf content = alloc.copyOf(bytes);
        udp.channel.writeInbound(new DatagramPacket(content, UdpChannels.ORIGIN, sender));
        ProxiedDatagram out = udp.channel.readInbound();
        long dropped = codec.drops() - dropsBefore;
        if (udp.channel.readInbound() != null) {
            throw new AssertionError("one datagram in, more than one out");
        }
        try {
            if (dropped > 1 || (dropped == 1 && out != null)) {
                throw new AssertionError("dropped " + dropped + " times, passed on: " + out);
            }
            if (out == null) {
                if (dropped == 1) {
                    edgeClient.remove(sender); // no flow survives a drop (bad header, unknown or untrusted edge)
                } else if (kind == UdpCorpus.Codec.FIRST_DATAGRAM) {
                    // Absorbed: only a header-only first datagram may be, and it opens the edge port's flow.
                    ProxyHeader h = UDP_PARSER.parse(Unpooled.wrappedBuffer(bytes));
                    if (h == null || h.headerLength() != bytes.length) {
                        throw new AssertionError("absorbed but not a header-only datagram: " + ByteBufUtil.hexDump(bytes));
                    }
                    edgeClient.put(sender, h.hasInetAddresses() ? h.sourceAddress() : null);
                    if (h.hasInetAddresses()) {
                        seen(h.sourceAddress(), sender); // it also opens the reply route
                    }
                } else {
                    throw new AssertionError("neither passed on nor dropped: " + ByteBufUtil.hexDump(bytes));
                }
                if (content.refCnt() != 0) {
                    throw new AssertionError("a datagram not passed on must be released");
                }
                return;
            }
            passed(sender, bytes, out);
            if ((ctl & 0x08) != 0) {
                // The application answers with the buffer it was given, which the reply now owns.
                ByteBuf payload = out.content();
                if ((ctl & 0x20) != 0 && payload.isReadable()) {
                    payload.skipBytes(1);
                }
                InetSocketAddress to = (ctl & 0x10) != 0 && !clients.isEmpty()
                        ? clients.get((ctl >>> 6) % clients.size()) : out.sender();
                byte[] expected = ByteBufUtil.getBytes(payload);
                out = null;
                send(to, payload, expected);
            }
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    private void passed(InetSocketAddress sender, byte[] bytes, ProxiedDatagram out) {
        if (!sender.equals(out.edge())) {
            throw new AssertionError("edge " + out.edge() + " is not the sender " + sender);
        }
        byte[] payload = ByteBufUtil.getBytes(out.content());
        InetSocketAddress client = out.sender();
        switch (kind) {
            case SPP: {
                SppHeader h = out.sppHeader();
                if (!Arrays.equals(h.toByteArray(), Arrays.copyOf(bytes, SppHeader.LENGTH))
                        || !Arrays.equals(payload, Arrays.copyOfRange(bytes, SppHeader.LENGTH, bytes.length))
                        || !client.equals(h.client())) {
                    throw new AssertionError("SPP datagram passed on wrongly: " + out);
                }
                latestSpp.put(client, h.toByteArray());
                break;
            }
            default: {
                ProxyHeader h = out.proxyHeader();
                boolean carriedHeader = ProxyHeaderParser.detect(Unpooled.wrappedBuffer(bytes))
                        == ProxyHeaderParser.Detection.V2;
                int skip = carriedHeader ? h.headerLength() : 0;
                if (!Arrays.equals(payload, Arrays.copyOfRange(bytes, skip, bytes.length))) {
                    throw new AssertionError("payload passed on wrongly: " + out);
                }
                InetSocketAddress expected = h.hasInetAddresses() ? h.sourceAddress() : sender;
                if (!client.equals(expected)) {
                    throw new AssertionError("sender " + client + ", header says " + h);
                }
                if (kind == UdpCorpus.Codec.FIRST_DATAGRAM) {
                    if (carriedHeader) {
                        edgeClient.put(sender, h.hasInetAddresses() ? client : null);
                    } else if (!edgeClient.containsKey(sender)) {
                        // A headerless datagram can only continue a flow this edge port opened.
                        throw new AssertionError("headerless datagram from " + sender + " attributed to " + client);
                    } else if (!client.equals(edgeClient.get(sender) != null ? edgeClient.get(sender) : sender)) {
                        throw new AssertionError("headerless datagram from " + sender + " attributed to " + client
                                + ", not to " + edgeClient.get(sender));
                    }
                }
                if (!h.hasInetAddresses()) {
                    return;
                }
                break;
            }
        }
        seen(client, sender);
    }

    /** Records that replies to {@code client} now go through {@code edge}. */
    private void seen(InetSocketAddress client, InetSocketAddress edge) {
        latestEdge.put(client, edge);
        if (!clients.contains(client)) {
            clients.add(client);
        }
    }

    private void reply(int ctl, byte[] bytes) {
        InetSocketAddress to = clients.isEmpty() ? Bytes.addr("203.0.113.5", 7) : clients.get((ctl >>> 3) % clients.size());
        send(to, alloc.copyOf(bytes), bytes);
    }

    /** Writes {@code content} (which the write owns) to {@code to}; checks what leaves, if anything, against {@code bytes}. */
    private void send(InetSocketAddress to, ByteBuf content, byte[] bytes) {
        ChannelFuture f = udp.channel.writeAndFlush(new DatagramPacket(content, to));
        DatagramPacket sent = udp.channel.readOutbound();
        try {
            if (!f.isDone()) {
                throw new AssertionError("a reply write must complete at once on an embedded channel");
            }
            if (!f.isSuccess()) {
                if (sent != null || !(f.cause() instanceof UdpProxyException)) {
                    throw new AssertionError("a refused reply must not leave: " + f.cause());
                }
                UdpDropReason r = ((UdpProxyException) f.cause()).reason();
                if (r != UdpDropReason.NO_FLOW_FOR_REPLY && r != UdpDropReason.REPLY_TOO_LARGE) {
                    throw new AssertionError("reply refused for " + r);
                }
                if (content.refCnt() != 0) {
                    throw new AssertionError("a refused reply must be released");
                }
                return;
            }
            if (sent == null) {
                throw new AssertionError("a successful reply must leave");
            }
            byte[] wire = ByteBufUtil.getBytes(sent.content());
            if (wire.length > udp.codec.config().maxReplyLength()) {
                throw new AssertionError("a reply of " + wire.length + " bytes left");
            }
            InetSocketAddress edge = latestEdge.get(to);
            if (kind == UdpCorpus.Codec.SPP) {
                byte[] header = latestSpp.get(to);
                if (header == null || !sent.recipient().equals(edge)
                        || !Arrays.equals(wire, ByteArrays.concat(header, bytes))) {
                    throw new AssertionError("an SPP reply must carry its client's latest header to its edge");
                }
            } else {
                // To the client's latest edge; or, for an address that is itself a trusted proxy
                // (a health check answer), to that address.
                boolean toAProxy = udp.codec.config().trustedEdges().contains(to);
                boolean routed = (edge != null && sent.recipient().equals(edge)) || (toAProxy && sent.recipient().equals(to));
                if (!Arrays.equals(wire, bytes) || !routed) {
                    throw new AssertionError("a PROXY v2 reply goes unchanged to its client's edge: " + sent
                            + ", latest edge " + edge);
                }
            }
        } finally {
            if (sent != null) {
                sent.release();
            }
        }
    }
}
