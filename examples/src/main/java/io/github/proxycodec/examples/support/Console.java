package io.github.proxycodec.examples.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Where a subcommand writes its JSON lines and learns that it must stop.
 *
 * <p>{@link io.github.proxycodec.examples.Main} makes one for the process (stdout, stdin, a
 * stop signalled by SIGINT/SIGTERM); tests and the demo make their own. Lines from several
 * event-loop threads never interleave: each is written and flushed whole.
 */
public final class Console {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final PrintStream err;
    private final InputStream in;
    private final CountDownLatch stop;
    private final ObjectNode tags;
    private final Predicate<ObjectNode> filter;

    /** Creates a console writing JSON lines to {@code out} and messages to {@code err}. */
    public Console(PrintStream out, PrintStream err, InputStream in) {
        this(out, err, in, new CountDownLatch(1), null, line -> true);
    }

    private Console(PrintStream out, PrintStream err, InputStream in, CountDownLatch stop,
                    ObjectNode tags, Predicate<ObjectNode> filter) {
        this.out = out;
        this.err = err;
        this.in = in;
        this.stop = stop;
        this.tags = tags;
        this.filter = filter;
    }

    /**
     * Returns a console on the same streams that puts {@code tags} first in every line and
     * prints only the lines {@code filter} accepts; the demo uses it to say who saw what.
     */
    public Console tagged(ObjectNode tags, Predicate<ObjectNode> filter) {
        return new Console(out, err, in, stop, tags, filter);
    }

    /** Returns a new JSON object whose first field is {@code "event": event}. */
    public static ObjectNode event(String event) {
        return JSON.createObjectNode().put("event", event);
    }

    /** Returns a new empty JSON object. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Writes {@code node} as one line and flushes it. */
    public void print(ObjectNode node) {
        if (!filter.test(node)) {
            return;
        }
        if (tags != null) {
            node = tags.deepCopy().setAll(node);
        }
        String line;
        try {
            line = JSON.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    /** Writes {@code node} indented, for reading. */
    public void printPretty(ObjectNode node) {
        String text;
        try {
            text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        synchronized (out) {
            out.println(text);
            out.flush();
        }
    }

    /** Writes a human-readable message (not part of the JSON output) to stderr. */
    public void info(String message) {
        synchronized (err) {
            err.println(message);
            err.flush();
        }
    }

    /** Returns the standard output stream (where {@code --help} goes too). */
    public PrintStream out() {
        return out;
    }

    /** Returns the standard error stream. */
    public PrintStream err() {
        return err;
    }

    /** Returns the standard input stream. */
    public InputStream in() {
        return in;
    }

    /** Asks a running server to stop; {@link #awaitStop()} returns. */
    public void stop() {
        stop.countDown();
    }

    /** Blocks until {@link #stop()} is called. */
    public void awaitStop() throws InterruptedException {
        stop.await();
    }

    /** Blocks until {@link #stop()} is called or the time is up; returns whether it was stopped. */
    public boolean awaitStop(long timeout, TimeUnit unit) throws InterruptedException {
        return stop.await(timeout, unit);
    }
}
