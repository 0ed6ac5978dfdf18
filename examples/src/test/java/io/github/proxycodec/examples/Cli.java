package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.proxycodec.examples.support.Console;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs a subcommand in this JVM through the same entry as {@code java -jar}, with the same
 * arguments, capturing stdout as JSON lines. A server runs on its own thread until
 * {@link #close()} stops it the way SIGTERM does.
 */
final class Cli implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(5);

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Console console;
    private final Thread thread;
    private volatile int status = -1;

    private Cli(byte[] stdin, String... args) {
        PrintStream out = new PrintStream(new LineSink(lines), true, StandardCharsets.UTF_8);
        console = new Console(out, new PrintStream(err, true, StandardCharsets.UTF_8), new ByteArrayInputStream(stdin));
        thread = new Thread(() -> status = Main.execute(console, args), "cli " + String.join(" ", args));
        thread.setDaemon(true);
        thread.start();
    }

    /** Starts a server subcommand and waits for its listening line. */
    static Cli server(String... args) {
        Cli cli = new Cli(new byte[0], args);
        JsonNode first = cli.next();
        assertEquals("listening", first.path("event").asText(), "first line: " + first);
        return cli;
    }

    /** Runs a subcommand to its end with {@code stdin}. */
    static Cli run(byte[] stdin, String... args) {
        Cli cli = new Cli(stdin, args);
        cli.join();
        return cli;
    }

    /** Runs a subcommand to its end with no input. */
    static Cli run(String... args) {
        return run(new byte[0], args);
    }

    /** The address of the listening line. */
    InetSocketAddress address() {
        for (String s : seen) {
            JsonNode n = parse(s);
            if (n.path("event").asText().equals("listening")) {
                return io.github.proxycodec.examples.support.Addresses.parse(n.path("address").asText());
            }
        }
        throw new AssertionError("no listening line");
    }

    /** Returns the next line, failing after {@link #WAIT}. */
    JsonNode next() {
        try {
            String s = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (s == null) {
                fail("no output line within " + WAIT + "; seen " + seen + "; stderr " + stderr());
            }
            seen.add(s);
            return parse(s);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Returns the next line with {@code "event": event}, skipping others. */
    JsonNode next(String event) {
        return next(n -> n.path("event").asText().equals(event));
    }

    /** Returns the next line matching {@code p}, skipping others. */
    JsonNode next(Predicate<JsonNode> p) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            JsonNode n = next();
            if (p.test(n)) {
                return n;
            }
        }
        throw new AssertionError("no matching line; seen " + seen);
    }

    /** Returns lines printed within {@code millis} from now. */
    List<JsonNode> drain(long millis) throws InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (long left; (left = end - System.nanoTime()) > 0; ) {
            String s = lines.poll(left, TimeUnit.NANOSECONDS);
            if (s != null) {
                seen.add(s);
                out.add(parse(s));
            }
        }
        return out;
    }

    /** Returns every remaining line (after the command ended). */
    List<JsonNode> rest() {
        List<JsonNode> out = new ArrayList<>();
        for (String s; (s = lines.poll()) != null; ) {
            seen.add(s);
            out.add(parse(s));
        }
        return out;
    }

    /** Returns every remaining line as text (e.g. {@code --help} output). */
    String text() {
        StringBuilder sb = new StringBuilder();
        for (String s; (s = lines.poll()) != null; ) {
            seen.add(s);
            sb.append(s).append('\n');
        }
        return sb.toString();
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    int status() {
        return status;
    }

    private void join() {
        try {
            thread.join(20_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (thread.isAlive()) {
            fail("command did not end; stderr " + stderr());
        }
    }

    /** Stops a server as SIGTERM would and waits for it to close everything. */
    @Override
    public void close() {
        console.stop();
        join();
    }

    static JsonNode parse(String line) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    static JsonNode only(List<JsonNode> lines) {
        assertEquals(1, lines.size(), "lines: " + lines);
        assertNotNull(lines.get(0));
        return lines.get(0);
    }

    /** Splits written bytes into lines. */
    private static final class LineSink extends OutputStream {
        private final BlockingQueue<String> lines;
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        LineSink(BlockingQueue<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else if (b != '\r') {
                current.write(b);
            }
        }
    }
}
