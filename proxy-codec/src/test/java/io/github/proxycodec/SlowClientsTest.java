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
    private static final Duration TIMEOUT = Duration.ofMillis(3000);

    @Test
    void dribblingClientsAreClosedAtTheTimeoutWhileOthersAreServed() throws Exception {
        Transports transport = Transports.preferred();
        EventLoopGroup serverGroup = transport.group(1);
        EventLoopGroup clientGroup = transport.group(1);
        Map<Reason, AtomicInteger> failures = new ConcurrentHashMap<>();
        AtomicInteger served = new AtomicInteger();
        AtomicLong shortestWait = new AtomicLong(Long.MAX_VALUE);
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
                                private long activeAt;

                                @Override
                                public void channelActive(ChannelHandlerContext ctx) {
                                    activeAt = System.nanoTime();
                                }

                                @Override
                                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                    if (evt instanceof ProxyProtocolEvent && !((ProxyProtocolEvent) evt).isSuccess()) {
                                        ProxyProtocolEvent e = (ProxyProtocolEvent) evt;
                                        failures.computeIfAbsent(e.reason(), r -> new AtomicInteger()).incrementAndGet();
                                        if (e.reason() == Reason.TIMEOUT) {
                                            shortestWait.accumulateAndGet(System.nanoTime() - activeAt, Math::min);
                                        }
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
            AtomicInteger slowOpen = new AtomicInteger();
            List<io.netty.channel.ChannelFuture> connects = new ArrayList<>();
            for (int i = 0; i < SLOW; i++) {
                io.netty.channel.ChannelFuture f = client(clientGroup, transport, addr, null);
                f.addListener((io.netty.channel.ChannelFutureListener) done -> {
                    if (!done.isSuccess()) {
                        return;
                    }
                    Channel ch = done.channel();
                    slowOpen.incrementAndGet();
                    // One header byte every 100 ms, and never the final LF: however the drip is
                    // scheduled, the header cannot complete.
                    int[] next = {0};
                    ScheduledFuture<?> drip = ch.eventLoop().scheduleAtFixedRate(() -> {
                        if (next[0] < header.length - 1 && ch.isActive()) {
                            ch.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {header[next[0]++]}));
                        }
                    }, 0, 100, TimeUnit.MILLISECONDS);
                    ch.closeFuture().addListener(c -> {
                        drip.cancel(false);
                        slowOpen.decrementAndGet();
                        slowClosed.countDown();
                    });
                });
                connects.add(f);
            }

            // Meanwhile, well-behaved clients are answered.
            CountDownLatch goodAnswered = new CountDownLatch(GOOD);
            byte[] request = new byte[header.length + 3];
            System.arraycopy(header, 0, request, 0, header.length);
            System.arraycopy("hi\n".getBytes(StandardCharsets.US_ASCII), 0, request, header.length, 3);
            for (int i = 0; i < GOOD; i++) {
                client(clientGroup, transport, addr, goodAnswered).addListener(
                        (io.netty.channel.ChannelFutureListener) f -> f.channel().writeAndFlush(Unpooled.wrappedBuffer(request)));
            }
            assertTrue(goodAnswered.await(10, TimeUnit.SECONDS), "well-behaved clients are served");
            int stillWaiting = slowOpen.get();
            for (io.netty.channel.ChannelFuture f : connects) {
                assertTrue(f.await(10, TimeUnit.SECONDS) && f.isSuccess(), "slow client connected");
            }

            assertTrue(slowClosed.await(20, TimeUnit.SECONDS), () -> "every slow client closed: " + slowClosed.getCount()
                    + " still open; server failures " + failures + ", pending " + config.pendingConnections()
                    + ", served " + served.get());
            assertTrue(stillWaiting > 0, "the good clients were served while slow ones still waited");
            long shortestMs = TimeUnit.NANOSECONDS.toMillis(shortestWait.get());
            // The timer is armed just before the application sees channelActive: allow that moment.
            assertTrue(shortestMs >= TIMEOUT.toMillis() - 100, "no slow client closed before the timeout: " + shortestMs);
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
                .option(io.netty.channel.ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
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
