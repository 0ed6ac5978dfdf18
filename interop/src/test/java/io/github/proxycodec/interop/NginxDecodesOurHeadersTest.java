package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Our encoder writes, nginx 1.22 decodes with {@code listen … proxy_protocol}: it answers with
 * the addresses it read and logs them. nginx 1.22 neither exposes TLVs nor checks CRC32C, so for
 * the v2 header with TLVs this proves that nginx skips our TLVs and reads the right addresses.
 */
@Timeout(60)
class NginxDecodesOurHeadersTest {

    @TempDir
    Path dir;

    private PeerProcess nginx;

    @AfterEach
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @ParameterizedTest(name = "{0} {1} -> {2}, over {4}")
    @CsvSource({
        "V1, 203.0.113.7, 198.51.100.1, 40021, 127.0.0.1",
        "V1, 2001:db8::7, 2001:db8::1,  40022, ::1",
        "V2, 203.0.113.7, 198.51.100.1, 40023, 127.0.0.1",
        "V2, 2001:db8::7, 2001:db8::1,  40024, ::1",
    })
    void nginxReadsTheAddressesWeEncoded(ProxyHeader.Version version, String src, String dst, int srcPort,
            String loopbackIp) throws Exception {
        int port = Loopback.freeTcpPortOnBoth();
        Path accessLog = dir.resolve("access.log");
        String vars = "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port";
        nginx = Nginx.start(dir, ""
                + "    log_format decoded 'DECODED " + vars + "';\n"
                + "    server {\n"
                + "        listen 127.0.0.1:" + port + " proxy_protocol;\n"
                + "        listen [::1]:" + port + " proxy_protocol;\n"
                + "        access_log " + accessLog + " decoded;\n"
                + "        return \"" + vars + "\\n\";\n"
                + "    }\n");
        InetSocketAddress source = new InetSocketAddress(src, srcPort);
        InetSocketAddress destination = new InetSocketAddress(dst, 443);
        ProxyHeader header = version == ProxyHeader.Version.V1
                ? Headers.v1(source, destination)
                : Headers.v2WithTlvs(source, destination);
        String expected = src + " " + srcPort + " " + dst + " 443";

        InetAddress loopback = InetAddress.getByName(loopbackIp);
        try (Socket s = Loopback.connectFrom(loopback, new InetSocketAddress(loopback, port))) {
            Loopback.write(s, Headers.encode(header)); // header only: nginx answers and closes
            assertEquals(expected, Loopback.readLine(s), "nginx's answer");
        }
        assertEquals("DECODED " + expected, awaitLogLine(accessLog, Duration.ofSeconds(10)), "nginx's access log");
    }

    private String awaitLogLine(Path log, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (Files.exists(log)) {
                List<String> lines = Files.readAllLines(log);
                if (!lines.isEmpty()) {
                    return lines.get(0);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("nothing in " + log + " after " + timeout + "; error log:\n"
                        + (Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log")) : ""));
            }
            Thread.sleep(20);
        }
    }
}
