package io.github.proxycodec.interop;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.codec.quic.QuicConnectionStats;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Prints how long a QUIC echo of one large stream takes on loopback: straight to the server,
 * through the edge relaying as is (what the extra hop costs), through the edge and
 * {@code SppCodec}, and through the edge and {@code ProxyV2DatagramCodec} (FIRST_DATAGRAM), each with the server's segmented sends (GSO) off and on. All eight paths are
 * open at once and measured in turn, round after round, so a change in the machine's load
 * touches them alike. Not a test: run by hand (see {@code docs/quic.md}).
 *
 * <p>Arguments: rounds (default 15), the size in KiB (default 1024), warm-up rounds (default 5).
 */
public final class QuicTransferTimes {

    private QuicTransferTimes() {
    }

    /** Runs the measurement and prints one line per path. */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int kib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        byte[] data = new byte[kib * 1024];
        new Random(1).nextBytes(data);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        List<QuicPath> paths = new ArrayList<>();
        try {
            for (QuicPath.Route route : QuicPath.Route.values()) {
                paths.add(QuicPath.open(route, false, group));
                paths.add(QuicPath.open(route, true, group));
            }
            long[][] millis = new long[paths.size()][rounds];
            for (int round = -warmUp; round < rounds; round++) {
                for (int p = 0; p < paths.size(); p++) {
                    long t = timeEcho(paths.get(p), data);
                    if (round >= 0) {
                        millis[p][round] = t;
                    }
                }
            }
            System.out.printf("%d KiB echo, %d rounds after %d warm-up rounds, epoll, loopback%n", kib, rounds, warmUp);
            for (int p = 0; p < paths.size(); p++) {
                print(paths.get(p), p % 2 == 1, millis[p]);
            }
        } finally {
            for (QuicPath path : paths) {
                path.close();
            }
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static long timeEcho(QuicPath path, byte[] data) throws Exception {
        long start = System.nanoTime();
        if (!QuicEcho.echo(path.quic, data).get(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(path.route + ": the echo differs from what was sent");
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static void print(QuicPath path, boolean gso, long[] millis) throws Exception {
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        QuicConnectionStats stats = path.echo.connections.get(0).collectStats().get(10, TimeUnit.SECONDS);
        System.out.printf("%-10s GSO %-3s median %5d ms  min %5d ms  max %5d ms  server packets %d lost %d"
                        + "  segmented sends %d  bad replies %d  codec drops %d%n",
                path.route, gso ? "on" : "off", sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1],
                stats.sent(), stats.lost(), path.segmentedWrites.get(),
                path.edge == null ? 0 : path.edge.badReplies(), path.codec == null ? 0 : path.codec.drops());
    }
}
