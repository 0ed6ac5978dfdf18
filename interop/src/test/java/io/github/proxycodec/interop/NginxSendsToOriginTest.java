package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.interop.Origin.LocalPolicy;
import io.github.proxycodec.interop.Origin.Seen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * nginx 1.22 stream {@code proxy_protocol on} (v1) encodes, our handler decodes: clients over
 * IPv4 and IPv6 from known source ports.
 */
@Timeout(60)
class NginxSendsToOriginTest {

    @TempDir
    Path dir;

    private Origin origin;
    private PeerProcess nginx;

    @AfterEach
    void stop() {
        try {
            if (nginx != null) {
                nginx.close();
            }
        } finally {
            if (origin != null) {
                origin.close();
            }
        }
    }

    @ParameterizedTest(name = "client on {0}")
    @CsvSource({"127.0.0.1, INET", "::1, INET6"})
    void originSeesTheClientAndTheAddressItConnectedTo(String clientIp, ProxyHeader.Family family) throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetAddress loopback = InetAddress.getByName(clientIp);
        int port = Loopback.freeTcpPortOnBoth();
        nginx = Nginx.start(dir, ""
                + "    server {\n"
                + "        listen 127.0.0.1:" + port + ";\n"
                + "        listen [::1]:" + port + ";\n"
                + "        proxy_pass 127.0.0.1:" + origin.port() + ";\n"
                + "        proxy_protocol on;\n"
                + "    }\n");
        InetSocketAddress front = new InetSocketAddress(loopback, port);

        try (Socket client = Loopback.connectFrom(loopback, front)) {
            InetSocketAddress clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client));

            Seen seen = origin.await(s -> clientAddress.equals(s.client), Duration.ofSeconds(10));
            assertAll(
                    () -> assertEquals(ProxyHeader.Version.V1, seen.header.version()),
                    () -> assertEquals(family, seen.header.family()),
                    () -> assertEquals(clientAddress, seen.header.sourceAddress()),
                    () -> assertEquals(front, seen.header.destinationAddress()),
                    () -> assertEquals(Loopback.V4, seen.peer.getAddress(), "the TCP peer is nginx"),
                    () -> assertNotEquals(clientAddress.getPort(), seen.peer.getPort()));
            assertEquals(1, origin.seen().size(), "one connection, one header: " + origin.seen());
        }
    }
}
