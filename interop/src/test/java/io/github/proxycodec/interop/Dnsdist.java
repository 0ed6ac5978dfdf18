package io.github.proxycodec.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs dnsdist in the foreground ({@code --supervised --disable-syslog}) with a Lua config in a
 * temporary folder. Lua's stdout is made line-buffered so that {@code print} lines reach the
 * test through the pipe as they happen.
 */
final class Dnsdist {

    private Dnsdist() {
    }

    /**
     * Writes {@code dnsdist.conf} (the given Lua after a generated preamble), checks it, starts
     * dnsdist and waits until it accepts TCP on {@code listen} (it listens on UDP and TCP alike).
     */
    static PeerProcess start(Path dir, InetSocketAddress listen, String lua) throws IOException, InterruptedException {
        Path dnsdist = Peer.DNSDIST.require();
        String config = "setSecurityPollSuffix(\"\")\n"
                + "io.stdout:setvbuf(\"line\")\n"
                + lua;
        Path conf = dir.resolve("dnsdist.conf");
        Files.writeString(conf, config);
        PeerProcess.run(dir, Duration.ofSeconds(10), dnsdist.toString(), "--check-config", "-C", conf.toString());
        PeerProcess p = PeerProcess.start("dnsdist", dir,
                List.of(dnsdist.toString(), "--supervised", "--disable-syslog", "-C", conf.toString()));
        try {
            p.awaitListening(listen, Duration.ofSeconds(10));
        } catch (AssertionError | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Returns the Lua address literal for {@code a}, e.g. {@code "[::1]:5300"}. */
    static String lua(InetSocketAddress a) {
        return "\"" + Loopback.text(a) + "\"";
    }
}
