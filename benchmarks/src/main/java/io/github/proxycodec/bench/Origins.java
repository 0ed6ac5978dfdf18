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

    /** Runs one round against the plain origin or the other one; returns what it did. */
    interface Round {
        Measured run(boolean plain) throws InterruptedException;
    }

    /** What a round did: {@code count} connections or datagrams answered in {@code seconds}. */
    record Measured(double count, double seconds) {
        double rate() {
            return count / seconds;
        }
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
     * rates and the rates with the codec; then, when the origins run in their own JVM, the same
     * three for the origins' CPU time per connection or datagram (the ratio is the plain
     * origin's CPU time over the codec's: like the rates, higher is better for the codec).
     */
    double[][] alternate(int warmups, int rounds, Round round, String unit) throws InterruptedException {
        for (int i = 0; i < warmups; i++) {
            round.run(true);
            round.run(false);
        }
        double[] plainRates = new double[rounds + 1];
        double[] rates = new double[rounds];
        double[] plainCpu = new double[rounds + 1];
        double[] cpu = new double[rounds];
        double[] m = measure(round, true);
        plainRates[0] = m[0];
        plainCpu[0] = m[1];
        for (int r = 0; r < rounds; r++) {
            m = measure(round, false);
            rates[r] = m[0];
            cpu[r] = m[1];
            m = measure(round, true);
            plainRates[r + 1] = m[0];
            plainCpu[r + 1] = m[1];
        }
        double[] ratios = new double[rounds];
        double[] cpuRatios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            ratios[r] = rates[r] / ((plainRates[r] + plainRates[r + 1]) / 2);
            cpuRatios[r] = ((plainCpu[r] + plainCpu[r + 1]) / 2) / cpu[r];
            System.out.printf("round %d: plain %.0f %s, with the codec %.0f %s, ratio %.3f%s%n",
                    r + 1, plainRates[r], unit, rates[r], unit, ratios[r], cpu[r] > 0
                            ? String.format("; origin CPU per %s %.2f and %.2f us, ratio %.3f",
                                    unit.substring(0, unit.indexOf('/')), plainCpu[r] / 1e3, cpu[r] / 1e3, cpuRatios[r])
                            : "");
        }
        return new double[][] {ratios, plainRates, rates, cpuRatios, plainCpu, cpu};
    }

    /** Runs one round; returns its rate and the origins' CPU nanoseconds per unit (0 if unknown). */
    private double[] measure(Round round, boolean plain) throws InterruptedException {
        long before = cpuNanos();
        Measured m = round.run(plain);
        long after = cpuNanos();
        return new double[] {m.rate(), before < 0 || after < 0 ? 0 : (after - before) / m.count()};
    }

    /**
     * The CPU time of every thread of the origins' JVM so far, in nanoseconds, from Linux's
     * {@code /proc/<pid>/task/<tid>/schedstat}; -1 when the origins run in this JVM or it cannot
     * be read.
     */
    private long cpuNanos() {
        if (child == null) {
            return -1;
        }
        File[] tasks = new File("/proc/" + child.pid() + "/task").listFiles();
        if (tasks == null) {
            return -1;
        }
        long sum = 0;
        for (File t : tasks) {
            try {
                String line = java.nio.file.Files.readString(new File(t, "schedstat").toPath()).trim();
                sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
            } catch (IOException | RuntimeException e) {
                // a thread that ended between the listing and the read: its time is lost, a few ms at most
            }
        }
        return sum;
    }

    /** Prints the summary line of {@link #alternate}'s result. */
    void report(String what, double[][] result) {
        System.out.printf("%s: plain median %.0f/s, with the codec median %.0f/s, ratio median %.3f (quartiles %.3f-%.3f)%n",
                what, quantile(result[1], 0.5), quantile(result[2], 0.5), quantile(result[0], 0.5),
                quantile(result[0], 0.25), quantile(result[0], 0.75));
        if (quantile(result[5], 0.5) > 0) {
            System.out.printf("origins' CPU time per unit: plain median %.2f us, with the codec median %.2f us,"
                            + " ratio (plain / with the codec) median %.3f (quartiles %.3f-%.3f)%n",
                    quantile(result[4], 0.5) / 1e3, quantile(result[5], 0.5) / 1e3, quantile(result[3], 0.5),
                    quantile(result[3], 0.25), quantile(result[3], 0.75));
        }
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
