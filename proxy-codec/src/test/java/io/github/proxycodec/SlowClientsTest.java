package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hundreds of clients dribbling a header one byte at a time are all closed at the header
 * timeout, while well-behaved clients are served meanwhile; and the pending cap refuses what
 * exceeds it.
 */
@Timeout(60)
class SlowClientsTest {

    private static final int SLOW = 300;
    private static final int GOOD = 50;
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    @Test
    void dribblingClientsAreClosedAtTheTimeoutWhileOthersAreServed() throws Exception {
        Transports transport = Transports.available().get(Transports.available().size() - 1);
        EventLoopGroup serverGroup = transport.group(1);
        EventLoopGroup clientGroup = transport.group(1);
        Map<Reason, AtomicInteger> failures = new ConcurrentHashMap<>();
        AtomicInteger served = new AtomicInteger();
        ProxyProtocolConfig config = ProxyProtocolConfig.builder()
                .trustedProxies(TrustedProxies.of("127.0.0.1/32"))
                .headerTimeout(TIMEOUT)
                .maxPendingConnections(SLOW + GOOD)
                .build();
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ProxyProtocolHandler(config), new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof ProxyProtocolEvent && !((ProxyProtocolEvent) evt).isSuccess()) {
                                        failures.computeIfAbsent(((ProxyProtocolEvent) evt).reason(),
                                                r -> new AtomicInteger()).incrementAndGet();
                                    }
                                }

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ReferenceCountUtil.release(msg);
                                    served.incrementAndGet();
                                    ctx.writeAndFlush(Unpooled.copiedBuffer("ok\n", StandardCharsets.US_ASCII));
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            InetSocketAddress addr = (InetSocketAddress) server.localAddress();
            byte[] header = "PROXY TCP4 198.51.100.7 198.51.100.1 4000 443\r\n".getBytes(StandardCharsets.US_ASCII);

            CountDownLatch slowClosed = new CountDownLatch(SLOW);
            AtomicLong lastSlowClose = new AtomicLong();
            List<Channel> slow = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < SLOW; i++) {
                Channel ch = client(clientGroup, transport, addr, null).sync().channel();
                // One header byte every 100 ms: the header would need 4.6 s, longer than the timeout.
                int[] next = {0};
                ScheduledFuture<?> drip = ch.eventLoop().scheduleAtFixedRate(() -> {
                    if (next[0] < header.length && ch.isActive()) {
                        ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {header[next[0]++]}));
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                ch.closeFuture().addListener(f -> {
                    drip.cancel(false);
                    lastSlowClose.set(System.nanoTime());
                    slowClosed.countDown();
                });
                slow.add(ch);
            }

            // Meanwhile, well-behaved clients are answered at once.
            CountDownLatch goodAnswered = new CountDownLatch(GOOD);
            byte[] request = new byte[header.length + 3];
            System.arraycopy(header, 0, request, 0, header.length);
            System.arraycopy("hi\n".getBytes(StandardCharsets.US_ASCII), 0, request, header.length, 3);
            for (int i = 0; i < GOOD; i++) {
                client(clientGroup, transport, addr, goodAnswered).sync().channel()
                        .writeAndFlush(Unpooled.wrappedBuffer(request));
            }
            assertTrue(goodAnswered.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                    "well-behaved clients are served before the slow ones time out");
            assertEquals(SLOW, slow.stream().filter(Channel::isActive).count(), "slow clients still waiting");

            assertTrue(slowClosed.await(TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS), "every slow client closed");
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(lastSlowClose.get() - t0);
            assertTrue(elapsedMs >= TIMEOUT.toMillis(), "not before the timeout: " + elapsedMs);
            waitFor(() -> failures.getOrDefault(Reason.TIMEOUT, new AtomicInteger()).get() == SLOW);
            assertEquals(SLOW, failures.get(Reason.TIMEOUT).get());
            assertEquals(GOOD, served.get());
            waitFor(() -> config.pendingConnections() == 0);
            assertEquals(0, config.pendingConnections());
            server.close().sync();
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    private static io.netty.channel.ChannelFuture client(EventLoopGroup group, Transports transport,
                                                         InetSocketAddress addr, CountDownLatch answered) {
        return new Bootstrap().group(group).channel(transport.socketChannel())
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        if (answered != null) {
                            answered.countDown();
                            ctx.close();
                        }
                    }
                }).connect(addr);
    }
}
