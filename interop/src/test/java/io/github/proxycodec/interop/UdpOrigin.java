package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A DNS origin behind dnsdist: each datagram starts with a PROXY v2 header (DGRAM families)
 * followed by a DNS query. It decodes the header with the project's {@link ProxyHeaderParser}
 * per datagram (dnsdist sends every client from one socket, so the sender says nothing about
 * the client) and answers with one TXT record naming the client it attributed the query to:
 * the header's source, or for a LOCAL health check the sender itself.
 *
 * <p>This is the equivalent test pipeline for {@code udp-origin --protocol ppv2} until the UDP
 * module's codec is on main.
 */
final class UdpOrigin implements AutoCloseable {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder()
            .acceptV1(false).allowStream(false).allowDgram(true).build();

    /** What the origin made of one datagram. */
    static final class Datagram {
        final InetSocketAddress sender;
        final ProxyHeader header;
        final ProxyProtocolException failure;
        final InetSocketAddress client;
        final String question;
        final boolean answered;

        Datagram(InetSocketAddress sender, ProxyHeader header, ProxyProtocolException failure,
                 InetSocketAddress client, String question, boolean answered) {
            this.sender = sender;
            this.header = header;
            this.failure = failure;
            this.client = client;
            this.question = question;
            this.answered = answered;
        }

        boolean isLocal() {
            return header != null && header.command() == ProxyHeader.Command.LOCAL;
        }

        @Override
        public String toString() {
            return "Datagram{from=" + sender + ", client=" + client + ", q=" + question + ", answered=" + answered
                    + ", " + (failure != null ? failure.getMessage() : header) + '}';
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final boolean answerLocal;
    private final List<Datagram> seen = new ArrayList<>();

    private UdpOrigin(boolean answerLocal) throws InterruptedException {
        this.answerLocal = answerLocal;
        Transports transport = Transports.NIO;
        group = transport.group(1);
        channel = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .handler(new Handler())
                .bind(Loopback.V4, 0).sync().channel();
    }

    /**
     * Starts the origin on 127.0.0.1 and a free port; {@code answerLocal} says whether it
     * answers the queries that come behind a LOCAL header (dnsdist's health checks).
     */
    static UdpOrigin start(boolean answerLocal) throws InterruptedException {
        return new UdpOrigin(answerLocal);
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    List<Datagram> seen() {
        synchronized (seen) {
            return new ArrayList<>(seen);
        }
    }

    List<Datagram> seen(Predicate<Datagram> filter) {
        List<Datagram> out = new ArrayList<>();
        for (Datagram d : seen()) {
            if (filter.test(d)) {
                out.add(d);
            }
        }
        return out;
    }

    /** Waits until at least {@code count} datagrams match {@code filter}. */
    List<Datagram> awaitCount(Predicate<Datagram> filter, int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seen) {
            while (true) {
                List<Datagram> hits = new ArrayList<>();
                for (Datagram d : seen) {
                    if (filter.test(d)) {
                        hits.add(d);
                    }
                }
                if (hits.size() >= count) {
                    return hits;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("origin saw " + hits.size() + " of " + count
                            + " matching datagrams within " + timeout + "; saw " + seen);
                }
                TimeUnit.NANOSECONDS.timedWait(seen, left);
            }
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ByteBuf content = packet.content();
            ProxyHeader header = null;
            ProxyProtocolException failure = null;
            try {
                header = PARSER.parse(content);
            } catch (ProxyProtocolException e) {
                failure = e;
            }
            if (header == null) {
                // A datagram is complete: an incomplete header is as bad as a malformed one.
                record(new Datagram(packet.sender(), null, failure, null, null, false));
                return;
            }
            byte[] query = ByteBufUtil.getBytes(content, content.readerIndex() + header.headerLength(),
                    content.readableBytes() - header.headerLength());
            InetSocketAddress client = header.hasInetAddresses() ? header.sourceAddress() : packet.sender();
            boolean local = header.command() == ProxyHeader.Command.LOCAL;
            boolean answer = query.length >= 12 && (!local || answerLocal);
            if (answer) {
                byte[] reply = Dns.txtAnswer(query, Loopback.text(client));
                ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply), packet.sender()));
            }
            record(new Datagram(packet.sender(), header, null, client,
                    query.length >= 12 ? Dns.questionName(query) : null, answer));
        }

        private void record(Datagram d) {
            synchronized (seen) {
                seen.add(d);
                seen.notifyAll();
            }
        }
    }
}
