package io.github.proxycodec.examples.support;

import io.github.proxycodec.trust.TrustFile;
import io.github.proxycodec.trust.TrustUpdate;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/**
 * {@code --trust-file PATH}, the alternative to {@code --trust}: a {@link TrustFile} checked
 * every half second, whose outcomes are printed as {@code trust-reloaded} and
 * {@code trust-reload-failed} lines.
 */
public final class TrustFileOption {

    /** Half a second between checks: a change is taken within a second (two equal reads). */
    static final Duration INTERVAL = Duration.ofMillis(500);

    private TrustFileOption() {
    }

    /**
     * Starts watching {@code file}, or returns {@code null} if it is {@code null}. Giving
     * {@code --trust} as well, or a file that cannot be used now, is a usage error.
     */
    public static TrustFile start(CommandSpec spec, Path file, ScheduledExecutorService executor, Console console) {
        if (file == null) {
            return null;
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--trust")) {
            throw new ParameterException(spec.commandLine(), "--trust and --trust-file are alternatives: give one");
        }
        try {
            return TrustFile.watch(file, executor, INTERVAL, update -> console.print(line(update)));
        } catch (IOException e) {
            throw new ParameterException(spec.commandLine(), "--trust-file: cannot read " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--trust-file " + file + ": " + e.getMessage());
        }
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode line(TrustUpdate update) {
        if (update.outcome() == TrustUpdate.Outcome.RELOADED) {
            return Console.event("trust-reloaded").put("ranges", update.ranges());
        }
        return Console.event("trust-reload-failed").put("error", update.error());
    }
}
