package io.github.proxycodec.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One peer daemon started in the foreground from a temporary folder. Its stdout and stderr are
 * read through the process pipe (not a file: HAProxy's {@code log stdout} overwrites a redirected
 * file) into a list of lines that tests wait on. {@link #close()} stops the process and any
 * children it started (nginx workers), by process id.
 */
final class PeerProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private PeerProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.reader = new Thread(this::readOutput, name + "-output");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code command} in {@code dir}, stdout and stderr merged. */
    static PeerProcess start(String name, Path dir, List<String> command) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        pb.redirectInput(ProcessBuilder.Redirect.PIPE);
        return new PeerProcess(name, pb.start());
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    /** Returns the process id. */
    long pid() {
        return process.pid();
    }

    /** Returns every output line so far. */
    List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Returns the output so far, for failure messages. */
    String output() {
        return name + " output:\n  " + String.join("\n  ", lines());
    }

    /**
     * Waits until an output line matches {@code pattern} (searched with {@link Matcher#find()})
     * and returns its match; fails with the output after {@code timeout} or if the process exits.
     */
    Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        return awaitLine(pattern, timeout, 0);
    }

    /** Like {@link #awaitLine(Pattern, Duration)}, looking only at lines from index {@code from} on. */
    Matcher awaitLine(Pattern pattern, Duration timeout, int from) throws InterruptedException {
        Optional<Matcher> m = awaitLineOrEmpty(pattern, timeout, from);
        if (m.isEmpty()) {
            throw new AssertionError("no line matching /" + pattern + "/ within " + timeout
                    + (process.isAlive() ? "" : " (process exited with " + process.exitValue() + ")")
                    + "; " + output());
        }
        return m.get();
    }

    /** Like {@link #awaitLine} but returns empty after {@code timeout}. */
    Optional<Matcher> awaitLineOrEmpty(Pattern pattern, Duration timeout, int from) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = from;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find()) {
                        return Optional.of(m);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    return Optional.empty();
                }
                TimeUnit.NANOSECONDS.timedWait(lines, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        }
    }

    /** Returns the lines that match {@code filter}. */
    List<String> linesMatching(Predicate<String> filter) {
        List<String> out = new ArrayList<>();
        for (String l : lines()) {
            if (filter.test(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /**
     * Waits until {@code address} accepts TCP connections, failing with the peer's output if it
     * does not within {@code timeout} or if the process exits first.
     */
    void awaitListening(InetSocketAddress address, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                reader.join(1000);
                throw new AssertionError(name + " exited with " + process.exitValue() + " before listening on "
                        + address + "; " + output());
            }
            try (Socket s = new Socket()) {
                s.connect(address, 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " is not listening on " + address + " after " + timeout
                            + "; " + output());
                }
                Thread.sleep(20);
            }
        }
    }

    /** Returns whether the process is still running. */
    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Stops the process by its id (SIGTERM, then SIGKILL after two seconds), then any of its
     * children that are still running.
     */
    @Override
    public void close() {
        // Also after a timeout interrupted the test: clear the flag so the waits below work.
        boolean interrupted = Thread.interrupted();
        try {
            List<ProcessHandle> children = new ArrayList<>();
            process.descendants().forEach(children::add);
            stop(process.toHandle());
            for (ProcessHandle child : children) {
                stop(child);
            }
            reader.join(2000);
        } catch (InterruptedException e) {
            interrupted = true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void stop(ProcessHandle h) throws InterruptedException {
        if (!h.isAlive()) {
            return;
        }
        h.destroy();
        if (!awaitExit(h, Duration.ofSeconds(2))) {
            h.destroyForcibly();
            if (!awaitExit(h, Duration.ofSeconds(2))) {
                throw new IllegalStateException("could not stop process " + h.pid());
            }
        }
    }

    private static boolean awaitExit(ProcessHandle h, Duration timeout) throws InterruptedException {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException stillRunning) {
            return false;
        } catch (java.util.concurrent.ExecutionException cannotHappen) {
            return !h.isAlive();
        }
    }

    /** Runs a short command to completion (e.g. {@code haproxy -v}) and returns its output. */
    static String run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + out);
            }
            return out;
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            p.destroyForcibly();
        }
    }
}
