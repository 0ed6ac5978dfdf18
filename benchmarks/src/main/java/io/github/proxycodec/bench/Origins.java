package io.github.proxycodec.bench;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The two origins of a {@link LoadTool} run, the plain one first: in a child JVM pinned to CPU 0
 * while this JVM (the clients) is pinned to CPU 1, so that neither steals the other's core and
 * the scheduler cannot change the setup from one run to the next; or, with
 * {@code -Dloadtool.noPin=true}, fewer than 2 CPUs or no {@code taskset} on the PATH, here.
 * Also the rounds both load types share.
 */
final class Origins implements AutoCloseable {

    /** Binds the plain origin and the one with the codec, in that order. */
    interface Binder {
        Channel[] bind(EventLoopGroup group) throws InterruptedException;
    }

    /** Runs one round against the plain origin or the other one; returns its rate. */
    interface Round {
        double run(boolean plain) throws InterruptedException;
    }

    final InetSocketAddress plain;
    final InetSocketAddress other;
    private final Process child;
    private final EventLoopGroup group;
    private final Channel[] channels;

    private Origins(InetSocketAddress plain, InetSocketAddress other, Process child, EventLoopGroup group,
                    Channel[] channels) {
        this.plain = plain;
        this.other = other;
        this.child = child;
        this.group = group;
        this.channels = channels;
    }

    /**
     * Starts the origins: {@code LoadTool <childArgs>} in a pinned child JVM (which calls
     * {@link #serve}), or {@code binder} here.
     */
    static Origins start(IoHandlerFactory io, Binder binder, String... childArgs) throws IOException, InterruptedException {
        String taskset = Boolean.getBoolean("loadtool.noPin") || Runtime.getRuntime().availableProcessors() < 2
                ? null : onPath("taskset");
        if (taskset == null) {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
            Channel[] c = binder.bind(group);
            return new Origins((InetSocketAddress) c[0].localAddress(), (InetSocketAddress) c[1].localAddress(),
                    null, group, c);
        }
        List<String> command = new ArrayList<>(List.of(taskset, "-c", "0",
                ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), LoadTool.class.getName()));
        command.addAll(Arrays.asList(childArgs));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
        int rc = new ProcessBuilder(taskset, "-a", "-p", "-c", "1", String.valueOf(ProcessHandle.current().pid()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start().waitFor();
        if (line == null || !line.startsWith("ports ") || rc != 0) {
            child.destroyForcibly();
            throw new IllegalStateException("could not start the origins' JVM on CPU 0 (" + line + ") or pin this one"
                    + " to CPU 1 (taskset exit status " + rc + "); run with -Dloadtool.noPin=true to use one JVM");
        }
        String[] words = line.split(" ");
        return new Origins(new InetSocketAddress("127.0.0.1", Integer.parseInt(words[1])),
                new InetSocketAddress("127.0.0.1", Integer.parseInt(words[2])), child, null, null);
    }

    /** The child JVM's side: binds the origins, prints their ports, runs until stdin closes. */
    static void serve(IoHandlerFactory io, Binder binder) throws IOException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, io);
        try {
            Channel[] c = binder.bind(group);
            System.out.println("ports " + ((InetSocketAddress) c[0].localAddress()).getPort()
                    + " " + ((InetSocketAddress) c[1].localAddress()).getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // runs until the parent closes our stdin (or exits)
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Whether the origins run in their own pinned JVM. */
    boolean pinned() {
        return child != null;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (child != null) {
            child.getOutputStream().close(); // the child's signal to stop
            if (!child.waitFor(10, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        } else {
            for (Channel c : channels) {
                c.close().sync();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * Runs {@code warmups} unreported rounds against each origin, then {@code rounds} rounds
     * with the codec, each between two plain rounds; prints every round and returns the ratios
     * (each round's rate over the mean of the plain rounds on either side of it), the plain
     * rates and the rates with the codec.
     */
    static double[][] alternate(int warmups, int rounds, Round round, String unit) throws InterruptedException {
        for (int i = 0; i < warmups; i++) {
            round.run(true);
            round.run(false);
        }
        double[] plainRates = new double[rounds + 1];
        double[] rates = new double[rounds];
        plainRates[0] = round.run(true);
        for (int r = 0; r < rounds; r++) {
            rates[r] = round.run(false);
            plainRates[r + 1] = round.run(true);
        }
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = rates[r] / ((plainRates[r] + plainRates[r + 1]) / 2);
            System.out.printf("round %d: plain %.0f %s, with the codec %.0f %s, ratio %.3f%n",
                    r + 1, plainRates[r], unit, rates[r], unit, ratios[r]);
        }
        return new double[][] {ratios, plainRates, rates};
    }

    /** Prints the summary line of {@link #alternate}'s result. */
    void report(String what, double[][] result) {
        System.out.printf("%s: plain median %.0f/s, with the codec median %.0f/s, ratio median %.3f (quartiles %.3f-%.3f)%n",
                what, quantile(result[1], 0.5), quantile(result[2], 0.5), quantile(result[0], 0.5),
                quantile(result[0], 0.25), quantile(result[0], 0.75));
        System.out.println(pinned() ? "origins pinned to CPU 0 (own JVM), clients to CPU 1"
                : "origins and clients in one JVM, not pinned");
    }

    /** The {@code q} quantile, interpolated between the two nearest ranks. */
    static double quantile(double[] values, double q) {
        double[] v = values.clone();
        Arrays.sort(v);
        double pos = q * (v.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, v.length - 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    /** Returns the path of {@code command} if it is an executable on PATH, else null. */
    private static String onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            File f = new File(dir, command);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
