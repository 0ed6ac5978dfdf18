package io.github.proxycodec.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The external programs the interop tests run, and what to install when one is missing.
 *
 * <p>{@link #require()} finds the program. When it is missing, a CI build ({@code CI=true})
 * fails, since CI installs the peers (see {@code .ci/run}); elsewhere the test is skipped with
 * the install command in the message.
 */
enum Peer {
    /** HAProxy 2.6: sends v1/v2 (with TLVs and LOCAL checks), decodes with {@code accept-proxy}. */
    HAPROXY("haproxy", "haproxy", null),
    /** nginx 1.22 with the stream module: sends v1, decodes v1 and v2. */
    NGINX("nginx", "nginx libnginx-mod-stream", "/usr/lib/nginx/modules/ngx_stream_module.so"),
    /** dnsdist 1.7: sends v2 over UDP, decodes v2 over UDP. */
    DNSDIST("dnsdist", "dnsdist", null),
    /** dig, the DNS client. */
    DIG("dig", "dnsutils", null),
    /** openssl, to make throw-away certificates. */
    OPENSSL("openssl", "openssl", null);

    /**
     * System property: the only folders to look in (path-separated), instead of {@code PATH}
     * and the usual ones. Set it to a folder without the peers to see the skip or CI failure.
     */
    static final String DIRS_PROPERTY = "interop.peerDirs";

    private static final java.util.Set<Peer> WARNED = java.util.EnumSet.noneOf(Peer.class);

    private static final List<String> DIRS = List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin");

    private final String command;
    private final String packages;
    private final String module;

    Peer(String command, String packages, String module) {
        this.command = command;
        this.packages = packages;
        this.module = module;
    }

    /** Returns nginx's stream module, which is loaded with {@code load_module}. */
    static Path nginxStreamModule() {
        return Paths.get(NGINX.module);
    }

    /**
     * Returns the program's path; fails the test in CI and skips it elsewhere when the program
     * (or a module it needs) is not installed.
     */
    Path require() {
        Path found = find();
        boolean present = found != null && (module == null || Files.isReadable(Paths.get(module)));
        String message = command + " is not installed; install it with: apt-get install -y " + packages;
        if (!present && "true".equals(System.getenv("CI"))) {
            fail(message + " (CI=true: the interop peers must be present)");
        }
        if (!present && WARNED.add(this)) {
            System.err.println("interop: " + message + "; skipping the tests that need it");
        }
        assumeTrue(present, message);
        return found;
    }

    private Path find() {
        List<String> dirs = new ArrayList<>();
        String only = System.getProperty(DIRS_PROPERTY);
        if (only != null) {
            dirs.addAll(List.of(only.split(java.io.File.pathSeparator)));
        } else {
            String path = System.getenv("PATH");
            if (path != null) {
                dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
            }
            dirs.addAll(DIRS);
        }
        for (String d : dirs) {
            if (d.isEmpty()) {
                continue;
            }
            Path p = Paths.get(d, command);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
