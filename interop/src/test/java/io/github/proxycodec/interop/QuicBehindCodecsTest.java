package io.github.proxycodec.interop;

import io.github.proxycodec.udp.UdpDropReason;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.quic.QuicConnectionStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's QUIC server behind {@code SppCodec} and behind {@code ProxyV2DatagramCodec}
 * (FIRST_DATAGRAM), reached through a Spectrum-like edge on loopback, with the server's
 * segmented sends (GSO) off and on: the handshake (with Retry), 20 streams at once, a 1 MiB
 * echo, the real client address on the server side, and no reply the edge must refuse.
 */
class QuicBehindCodecsTest {

    private static final int STREAMS = 20;
    private static final int SMALL = 4 * 1024;
    private static final int LARGE = 1024 * 1024;
    private static final long WAIT_SECONDS = 60;

    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        QuicPath.requireNative();
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    static Stream<Arguments> paths() {
        return Stream.of(Arguments.of(QuicPath.Route.SPP, false), Arguments.of(QuicPath.Route.SPP, true),
                Arguments.of(QuicPath.Route.PPV2_FIRST, false), Arguments.of(QuicPath.Route.PPV2_FIRST, true));
    }

    @ParameterizedTest(name = "{0}, GSO {1}")
    @MethodSource("paths")
    void quicEchoesThroughEdgeAndCodec(QuicPath.Route route, boolean gso) throws Exception {
        Random random = new Random(route.ordinal() * 2 + (gso ? 1 : 0));
        try (QuicPath path = QuicPath.open(route, gso, group)) {
            List<CompletableFuture<Boolean>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                streams.add(QuicEcho.echo(path.quic, bytes(random, SMALL)));
            }
            for (CompletableFuture<Boolean> s : streams) {
                assertTrue(s.get(WAIT_SECONDS, TimeUnit.SECONDS), "each stream echoed exactly");
            }
            long start = System.nanoTime();
            assertTrue(QuicEcho.echo(path.quic, bytes(random, LARGE)).get(WAIT_SECONDS, TimeUnit.SECONDS),
                    "1 MiB echoed exactly");
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(List.of(path.clientAddress()), path.echo.remotes,
                    "the server's connection sees the real client, not the edge's upstream socket");
            assertEquals(List.of(path.edge.address()), path.echo.locals,
                    "and as its own address the one the client sent to");
            assertEquals(0, path.edge.badReplies(), "every reply carried its client's own header");
            assertEquals(0, path.codec.drops(), "no datagram or reply refused (none REPLY_TOO_LARGE)");
            if (gso && EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
                assertTrue(path.segmentedWrites.get() > 0, "the server did write segmented datagrams");
            }
            QuicConnectionStats stats = path.echo.connections.get(0).collectStats().get(WAIT_SECONDS, TimeUnit.SECONDS);
            // Loopback loses nothing by itself; replies merged behind one header would be lost by the
            // dozen (the client cannot decode the packets after the first).
            assertTrue(stats.lost() * 20 <= stats.sent(), "lost " + stats.lost() + " of " + stats.sent() + " packets");
            System.out.printf("quic %s gso=%s: 1 MiB echoed in %d ms, server sent %d packets, lost %d, %s %d%n",
                    route, gso, millis, stats.sent(), stats.lost(), UdpDropReason.REPLY_TOO_LARGE,
                    path.codec.drops(UdpDropReason.REPLY_TOO_LARGE));
        }
    }

    static byte[] bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
