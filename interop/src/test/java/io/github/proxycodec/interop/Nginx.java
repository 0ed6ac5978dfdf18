package io.github.proxycodec.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs nginx in the foreground ({@code daemon off}) with its prefix, pid file, logs and config
 * in a temporary folder. Only the stream module is used; a {@code ready} server that answers
 * directly tells the test when nginx listens, without touching the origin.
 */
final class Nginx {

    private Nginx() {
    }

    /**
     * Writes {@code nginx.conf} with the given {@code stream} block content (plus the readiness
     * server), checks it with {@code nginx -t}, starts nginx and waits until it listens.
     */
    static PeerProcess start(Path dir, String streamBlock) throws IOException, InterruptedException {
        Path nginx = Peer.NGINX.require();
        int readyPort = Loopback.freeTcpPort(Loopback.V4);
        String config = "load_module " + Peer.nginxStreamModule() + ";\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " info;\n"
                + "worker_processes 1;\n"
                + "events { worker_connections 64; }\n"
                + "stream {\n"
                + streamBlock
                + "    server { listen 127.0.0.1:" + readyPort + "; return \"ready\\n\"; }\n"
                + "}\n";
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        List<String> base = List.of(nginx.toString(), "-p", dir.toString(), "-e", dir.resolve("error.log").toString(),
                "-c", conf.toString());
        PeerProcess.run(dir, Duration.ofSeconds(10), concat(base, "-t", "-q"));
        PeerProcess p = PeerProcess.start("nginx", dir, List.of(concat(base, "-g", "daemon off;")));
        try {
            p.awaitListening(new InetSocketAddress(Loopback.V4, readyPort), Duration.ofSeconds(10));
        } catch (AssertionError | InterruptedException e) {
            p.close();
            throw e;
        }
        return p;
    }

    private static String[] concat(List<String> base, String... more) {
        String[] out = base.toArray(new String[base.size() + more.length]);
        System.arraycopy(more, 0, out, base.size(), more.length);
        return out;
    }
}
