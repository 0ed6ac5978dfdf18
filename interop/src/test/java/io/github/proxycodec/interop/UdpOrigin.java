package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Transports;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyEvent;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A DNS origin behind dnsdist, built as an application would be: {@link ProxyV2DatagramCodec}
 * in {@code PER_DATAGRAM} mode (trusting only loopback) in front of a handler that answers every
 * query with one TXT record naming {@code packet.sender()}, the client the codec attributed the
 * datagram to (for a LOCAL health check, dnsdist itself). Answers are written to that sender and
 * routed back through dnsdist by the codec.
 */
final class UdpOrigin implements AutoCloseable {

    /** What the application saw of one datagram. */
    static final class Datagram {
        final InetSocketAddress edge;
        final InetSocketAddress client;
        final InetSocketAddress recipient;
        final ProxyHeader header;
        final String question;
        final boolean answered;

        Datagram(InetSocketAddress edge, InetSocketAddress client, InetSocketAddress recipient, ProxyHeader header,
                 String question, boolean answered) {
            this.edge = edge;
            this.client = client;
            this.recipient = recipient;
            this.header = header;
            this.question = question;
            this.answered = answered;
        }

        boolean isLocal() {
            return header.command() == ProxyHeader.Command.LOCAL;
        }

        @Override
        public String toString() {
            return "Datagram{edge=" + edge + ", client=" + client + ", to=" + recipient + ", q=" + question
                    + ", answered=" + answered + ", " + header + '}';
        }
    }

    private final EventLoopGroup group;
    private final Channel channel;
    private final boolean answerLocal;
    private final List<Datagram> seen = new ArrayList<>();
    private final List<Object> problems = new ArrayList<>();

    private UdpOrigin(boolean answerLocal) throws InterruptedException {
        this.answerLocal = answerLocal;
        UdpProxyConfig config = UdpProxyConfig.builder()
                .trustedEdges(TrustedProxies.of("127.0.0.1/32", "::1/128"))
                .dropEvents(true) // drops are recorded as problems
                .build();
        Transports transport = Transports.preferred();
        group = transport.group(1);
        channel = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannel())
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM),
                                new DnsApp());
                    }
                })
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

    /** Returns the codec's drop events and failed replies so far (none is expected). */
    List<Object> problems() {
        synchronized (seen) {
            return new ArrayList<>(problems);
        }
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
                            + " matching datagrams within " + timeout + "; saw " + seen + ", problems " + problems);
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

    private void record(Object problem, Datagram d) {
        synchronized (seen) {
            if (problem != null) {
                problems.add(problem);
            }
            if (d != null) {
                seen.add(d);
            }
            seen.notifyAll();
        }
    }

    private final class DnsApp extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            ProxiedDatagram p = (ProxiedDatagram) packet;
            byte[] query = ByteBufUtil.getBytes(p.content());
            boolean local = p.proxyHeader().command() == ProxyHeader.Command.LOCAL;
            boolean answer = query.length >= 12 && (!local || answerLocal);
            // Recorded before answering, so a client holding its answer finds the record.
            record(null, new Datagram(p.edge(), p.sender(), p.recipient(), p.proxyHeader(),
                    query.length >= 12 ? Dns.questionName(query) : null, answer));
            if (answer) {
                byte[] reply = Dns.txtAnswer(query, Loopback.text(p.sender()));
                ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply), p.sender()))
                        .addListener((ChannelFutureListener) f -> {
                            if (!f.isSuccess()) {
                                record("reply to " + p.sender() + " failed: " + f.cause(), null);
                            }
                        });
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof UdpProxyEvent && ((UdpProxyEvent) evt).kind() == UdpProxyEvent.Kind.DROPPED) {
                record(evt, null);
            }
            ReferenceCountUtil.release(evt);
        }
    }
}
