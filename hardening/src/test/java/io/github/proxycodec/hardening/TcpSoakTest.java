package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Transports;
import io.github.proxycodec.testing.V2Bytes;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Soak: many TCP connections, each with a PROXY header (v1 and v2 in turn, IPv4 and IPv6
 * clients, TLVs and CRC32C on some), at a fixed concurrency, against an in-process server built
 * exactly like the examples' {@code tcp-origin}: {@code ProxyProtocolHandler},
 * {@code LineBasedFrameDecoder}, string codecs, and an application that answers each line with
 * {@code client=<ip>:<port> <line>}. Zero errors: every connection gets its own client address
 * back, the server sees one accepted header per connection and no failure, no connection is left
 * waiting for its header, and (paranoid leak detection) nothing leaks.
 *
 * <p>{@code -Dsoak.connections} (default 2 000) and {@code -Dsoak.concurrency} (default 200);
 * the long run in README-reliability.md is 50 000 at 200.
 */
class TcpSoakTest {

    private static final int CONNECTIONS = Integer.getInteger("soak.connections", 2_000);
    private static final int CONCURRENCY = Integer.getInteger("soak.concurrency", 200);

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void everyConnectionGetsItsOwnClientAddressBackWithZeroErrors() throws Exception {
        Transports transport = Transports.preferred();
        ProxyProtocolConfig config = ProxyProtocolConfig.builder()
                .trustedProxies(TrustedProxies.of("127.0.0.1/32"))
                .headerTimeout(Duration.ofSeconds(5))
                .build();
        Origin.Stats stats = new Origin.Stats();
        EventLoopGroup serverGroup = transport.group(1);
        EventLoopGroup clientGroup = transport.group(1);
        Map<Integer, String> failures = new ConcurrentHashMap<>();
        AtomicLong served = new AtomicLong();
        try {
            Channel server = new ServerBootstrap()
                    .group(serverGroup)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(
                                    new ProxyProtocolHandler(config),
                                    new LineBasedFrameDecoder(8192),
                                    new StringDecoder(StandardCharsets.UTF_8),
                                    new StringEncoder(StandardCharsets.UTF_8),
                                    new Origin(stats));
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            InetSocketAddress address = (InetSocketAddress) server.localAddress();

            Semaphore slots = new Semaphore(CONCURRENCY);
            Bootstrap client = new Bootstrap()
                    .group(clientGroup)
                    .channel(transport.socketChannel())
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000);
            long start = System.nanoTime();
            for (int i = 0; i < CONNECTIONS; i++) {
                slots.acquire();
                int id = i;
                InetSocketAddress claimed = claimedClient(id);
                ByteBuf header = ProxyHeaderEncoder.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, header(id, claimed));
                String expected = "client=" + NetUtil.toSocketAddressString(claimed) + " hello " + id;
                client.clone().handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(10), new LineBasedFrameDecoder(8192),
                                new StringDecoder(StandardCharsets.UTF_8), new Checker(id, expected, failures, served));
                    }
                }).connect(address).addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        header.release();
                        failures.put(id, "connect: " + f.cause());
                        slots.release();
                        return;
                    }
                    f.channel().closeFuture().addListener(c -> slots.release());
                    f.channel().write(header);
                    f.channel().writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("hello " + id + "\n",
                            StandardCharsets.US_ASCII));
                });
            }
            assertTrue(slots.tryAcquire(CONCURRENCY, 60, TimeUnit.SECONDS), "every connection finished");
            double seconds = (System.nanoTime() - start) / 1e9;
            // The server sees a connection close a little after the client does.
            for (int i = 0; i < 200 && stats.closed.get() < CONNECTIONS; i++) {
                Thread.sleep(10);
            }
            System.out.printf("TCP soak (%s): %,d connections with headers at concurrency %d in %.1f s "
                            + "(%,.0f connections/s); %,d answered correctly, %d client errors; server: %,d headers, "
                            + "%d refusals, %d exceptions, %d still waiting%n",
                    transport, CONNECTIONS, CONCURRENCY, seconds, CONNECTIONS / seconds, served.get(), failures.size(),
                    stats.headers.get(), stats.refusals.get(), stats.exceptions.get(), config.pendingConnections());

            assertTrue(failures.isEmpty(), () -> failures.size() + " failed, e.g. " + failures.entrySet().iterator().next());
            assertEquals(CONNECTIONS, served.get(), "every connection answered with its own client address");
            assertEquals(CONNECTIONS, stats.headers.get(), "one accepted header per connection");
            assertEquals(0, stats.refusals.get(), "no refusal");
            assertEquals(0, stats.exceptions.get(), "no exception on the server");
            assertEquals(CONNECTIONS, stats.closed.get(), "every server-side connection closed");
            assertEquals(0, config.pendingConnections(), "nobody left waiting for a header");
            server.close().sync();
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The client the header claims for connection {@code id}: IPv4 and IPv6 in turn. */
    static InetSocketAddress claimedClient(int id) {
        byte[] ip;
        if (id % 2 == 0) {
            ip = new byte[] {(byte) 203, 0, (byte) 113, (byte) (id % 250 + 1)};
        } else {
            ip = V2Bytes.ip("2001:db8::", 16);
            ip[12] = (byte) (id >>> 24);
            ip[13] = (byte) (id >>> 16);
            ip[14] = (byte) (id >>> 8);
            ip[15] = (byte) id;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), 1024 + id % 60000);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** v1 and v2 in turn; every third v2 header carries an AUTHORITY and a CRC32C. */
    static ProxyHeader header(int id, InetSocketAddress client) {
        InetSocketAddress dst = client.getAddress().getAddress().length == 4
                ? new InetSocketAddress(Bytes.addr("198.51.100.1", 443).getAddress(), 443)
                : new InetSocketAddress(Bytes.addr("2001:db8::1", 443).getAddress(), 443);
        ProxyHeader.Builder b = ProxyHeader.builder().addresses(client, dst);
        if (id % 4 < 2) {
            return b.version(ProxyHeader.Version.V1).build();
        }
        if (id % 3 == 0) {
            b.tlv(ProxyTlv.AUTHORITY, "soak.example").crc32c();
        }
        return b.build();
    }

    /** The examples' tcp-origin application: answers each line with the client address it saw. */
    static final class Origin extends SimpleChannelInboundHandler<String> {
        static final class Stats {
            final AtomicLong headers = new AtomicLong();
            final AtomicLong refusals = new AtomicLong();
            final AtomicLong exceptions = new AtomicLong();
            final AtomicLong closed = new AtomicLong();
        }

        private final Stats stats;

        Origin(Stats stats) {
            this.stats = stats;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyProtocolEvent) {
                ProxyProtocolEvent e = (ProxyProtocolEvent) evt;
                (e.outcome() == ProxyProtocolEvent.Outcome.HEADER ? stats.headers : stats.refusals).incrementAndGet();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            InetSocketAddress client = ProxyProtocol.clientAddress(ctx.channel());
            ctx.writeAndFlush("client=" + NetUtil.toSocketAddressString(client) + " " + line + "\n");
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            stats.closed.incrementAndGet();
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            stats.exceptions.incrementAndGet();
            ctx.close();
        }
    }

    /** Checks the one answer of a connection, then closes it. */
    private static final class Checker extends SimpleChannelInboundHandler<String> {
        private final int id;
        private final String expected;
        private final Map<Integer, String> failures;
        private final AtomicLong served;
        private boolean answered;

        Checker(int id, String expected, Map<Integer, String> failures, AtomicLong served) {
            this.id = id;
            this.expected = expected;
            this.failures = failures;
            this.served = served;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            answered = true;
            if (line.equals(expected)) {
                served.incrementAndGet();
            } else {
                failures.put(id, "answer \"" + line + "\", expected \"" + expected + "\"");
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered) {
                failures.putIfAbsent(id, "closed without an answer");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.putIfAbsent(id, cause.toString());
            ctx.close();
        }
    }
}
