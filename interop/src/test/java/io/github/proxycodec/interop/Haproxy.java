package io.github.proxycodec.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs HAProxy in the foreground ({@code -db}) with a config written to a temporary folder.
 *
 * <p>Every config gets a {@code global} section logging to stdout (read through the pipe), a
 * stats socket on a free loopback port, and a {@code ready} frontend that refuses connections:
 * HAProxy binds all listeners before it accepts on any, so once {@code ready} accepts, the
 * test's listeners do too, and the readiness probe never reaches the origin.
 */
final class Haproxy {

    private Haproxy() {
    }

    /** A running HAProxy and its stats socket. */
    static final class Running implements AutoCloseable {
        final PeerProcess process;
        final InetSocketAddress stats;

        Running(PeerProcess process, InetSocketAddress stats) {
            this.process = process;
            this.stats = stats;
        }

        /**
         * Returns one server's row of {@code show stat} as a map from column name to value
         * (e.g. {@code status} → {@code UP}, {@code check_status} → {@code L7OK}).
         */
        Map<String, String> serverStat(String backend, String server) throws IOException {
            try (Socket s = new Socket()) {
                s.connect(stats, 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write("show stat\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                String[] columns = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("# ")) {
                        columns = line.substring(2).split(",", -1);
                    } else if (columns != null && line.startsWith(backend + "," + server + ",")) {
                        String[] values = line.split(",", -1);
                        Map<String, String> row = new HashMap<>();
                        for (int i = 0; i < columns.length && i < values.length; i++) {
                            row.put(columns[i], values[i]);
                        }
                        return row;
                    }
                }
            }
            throw new AssertionError("no stats row for " + backend + "/" + server);
        }

        @Override
        public void close() {
            process.close();
        }
    }

    /**
     * Writes {@code haproxy.cfg} (the given {@code defaults} and proxy sections after a generated
     * {@code global}) into {@code dir}, checks it with {@code haproxy -c}, starts HAProxy and
     * waits until it listens.
     */
    static Running start(Path dir, String sections) throws IOException, InterruptedException {
        Path haproxy = Peer.HAPROXY.require();
        int readyPort = Loopback.freeTcpPort(Loopback.V4);
        int statsPort = Loopback.freeTcpPort(Loopback.V4);
        String config = "global\n"
                + "    log stdout format raw local0 info\n"
                + "    stats socket ipv4@127.0.0.1:" + statsPort + " level user\n"
                + "defaults\n"
                + "    mode tcp\n"
                + "    log global\n"
                + "    timeout connect 2s\n"
                + "    timeout client 5s\n"
                + "    timeout server 5s\n"
                + sections
                + "frontend ready\n"
                + "    bind 127.0.0.1:" + readyPort + "\n"
                + "    tcp-request connection reject\n";
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        PeerProcess.run(dir, Duration.ofSeconds(10), haproxy.toString(), "-c", "-q", "-f", cfg.toString());
        PeerProcess p = PeerProcess.start("haproxy", dir, List.of(haproxy.toString(), "-db", "-f", cfg.toString()));
        try {
            p.awaitListening(new InetSocketAddress(Loopback.V4, readyPort), Duration.ofSeconds(10));
        } catch (AssertionError | InterruptedException e) {
            p.close();
            throw e;
        }
        return new Running(p, new InetSocketAddress(Loopback.V4, statsPort));
    }
}
