package io.github.proxycodec.examples;

import io.github.proxycodec.examples.decode.Decode;
import io.github.proxycodec.examples.demo.Demo;
import io.github.proxycodec.examples.edge.Edge;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Servers;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar proxy-codec-examples.jar <subcommand> [flags]}: the entry point.
 *
 * <p>Exit statuses: 0 success (a server stopped by SIGINT/SIGTERM ends with the JVM's usual
 * 130/143), 1 malformed input or a runtime failure such as a port in use, 2 a usage error.
 */
@Command(name = "proxy-codec-examples",
        mixinStandardHelpOptions = true,
        version = "proxy-codec examples 0.1.0-SNAPSHOT",
        description = {"Origin templates, a local Cloudflare edge stand-in, a header inspector",
            "and a demo for proxy-codec. JSON lines on stdout, messages on stderr.", ""},
        subcommands = {TcpOrigin.class, UdpOrigin.class, Edge.class, Decode.class, Demo.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            " 0:success",
            " 1:malformed input (decode), a failed demo, or a runtime failure (port in use...)",
            " 2:usage error"})
public final class Main implements Runnable {

    /** The console every subcommand writes to. */
    final Console console;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    Main(Console console) {
        this.console = console;
    }

    /** Returns the console of the running command line. */
    public Console console() {
        return console;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed");
    }

    /**
     * Runs one command line against {@code console} and returns its exit status. Tests and
     * the demo call this with the same arguments a user would type.
     */
    public static int execute(Console console, String... args) {
        CommandLine cli = new CommandLine(new Main(console));
        cli.setOut(new PrintWriter(console.out(), true));
        cli.setErr(new PrintWriter(console.err(), true));
        cli.setParameterExceptionHandler((e, args1) -> {
            // A usage error is one line: the flag, the value as typed, the allowed form.
            CommandLine command = e.getCommandLine();
            command.getErr().println(command.getCommandName() + ": " + e.getMessage()
                    + " (see " + command.getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // Failures at run time are reported in one line, never as a stack trace.
            commandLine.getErr().println(commandLine.getCommandName() + ": " + Servers.describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    /** The process entry: stdout for JSON lines, stderr for messages, SIGINT/SIGTERM stop servers. */
    public static void main(String[] args) {
        Console console = new Console(System.out, System.err, System.in);
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            console.stop();
            try {
                finished.await(5, TimeUnit.SECONDS);   // let the server close its channels
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int status = execute(console, args);
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return;   // stopped by a signal: the JVM is already exiting
        }
        System.exit(status);
    }
}
