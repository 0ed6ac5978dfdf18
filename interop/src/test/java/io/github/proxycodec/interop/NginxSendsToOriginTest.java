package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.interop.Origin.LocalPolicy;
import io.github.proxycodec.interop.Origin.Seen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
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
import static org.junit.jupiter.api.Assertions.assertNull;

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

    /**
     * Two hops: our encoder in front of nginx ({@code listen … proxy_protocol} with
     * {@code set_real_ip_from}), nginx re-encoding toward the origin. nginx puts the real IP from
     * our header next to its own listening address, so the origin sees our client and nginx's
     * listener. With an IPv6 client and an IPv4 listener that line mixes families
     * ({@code PROXY TCP6 2001:db8::7 127.0.0.1 …}), which the strict decoder refuses.
     */
    @ParameterizedTest(name = "client {0}")
    @CsvSource({"203.0.113.7, HEADER,", "2001:db8::7, FAILURE, V1_INVALID_ADDRESS"})
    void realIpChainPassesOurClientOnAndAMixedFamilyLineIsRefused(String clientIp, ProxyProtocolEvent.Outcome outcome,
            ProxyProtocolException.Reason reason) throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        int port = Loopback.freeTcpPort(Loopback.V4);
        nginx = Nginx.start(dir, ""
                + "    server {\n"
                + "        listen 127.0.0.1:" + port + " proxy_protocol;\n"
                + "        set_real_ip_from 127.0.0.1;\n"
                + "        proxy_pass 127.0.0.1:" + origin.port() + ";\n"
                + "        proxy_protocol on;\n"
                + "    }\n");
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, port);
        InetSocketAddress client = new InetSocketAddress(clientIp, 40041);
        ProxyHeader ours = Headers.v1(client, new InetSocketAddress(client.getAddress(), 443));

        String reply;
        try (Socket s = Loopback.connectFrom(Loopback.V4, front)) {
            Loopback.write(s, Headers.concat(Headers.encode(ours), "hello\n".getBytes(StandardCharsets.US_ASCII)));
            reply = Loopback.readLine(s);
        }
        Seen seen = origin.await(x -> true, Duration.ofSeconds(10));
        assertEquals(outcome, seen.event.outcome(), seen.toString());
        if (outcome == ProxyProtocolEvent.Outcome.HEADER) {
            assertEquals(client, seen.header.sourceAddress());
            assertEquals(front, seen.header.destinationAddress(), "nginx names its own listener");
            assertEquals("client=" + Loopback.text(client) + " dest=" + Loopback.text(front), reply);
        } else {
            assertEquals(reason, seen.event.reason());
            assertNull(reply, "refused: nothing reached the application");
        }
    }

    /**
     * The same mixed line with {@code allowTcp6WithIpv4Destination}: the origin takes it, and
     * reports our IPv6 client as the source and nginx's IPv4 listener as the destination.
     */
    @Test
    void withTheOptionTheMixedFamilyLineIsAcceptedWithTheIpv4Destination() throws Exception {
        origin = Origin.start(b -> b.allowTcp6WithIpv4Destination(true));
        int port = Loopback.freeTcpPort(Loopback.V4);
        nginx = Nginx.start(dir, ""
                + "    server {\n"
                + "        listen 127.0.0.1:" + port + " proxy_protocol;\n"
                + "        set_real_ip_from 127.0.0.1;\n"
                + "        proxy_pass 127.0.0.1:" + origin.port() + ";\n"
                + "        proxy_protocol on;\n"
                + "    }\n");
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, port);
        InetSocketAddress client = new InetSocketAddress("2001:db8::7", 40042);
        ProxyHeader ours = Headers.v1(client, new InetSocketAddress(client.getAddress(), 443));

        String reply;
        try (Socket s = Loopback.connectFrom(Loopback.V4, front)) {
            Loopback.write(s, Headers.concat(Headers.encode(ours), "hello\n".getBytes(StandardCharsets.US_ASCII)));
            reply = Loopback.readLine(s);
        }
        Seen seen = origin.await(x -> true, Duration.ofSeconds(10));
        assertEquals(ProxyProtocolEvent.Outcome.HEADER, seen.event.outcome(), seen.toString());
        assertAll(
                () -> assertEquals(ProxyHeader.Family.INET6, seen.header.family(), "nginx wrote TCP6"),
                () -> assertEquals(client, seen.header.sourceAddress()),
                () -> assertEquals(front, seen.header.destinationAddress(), "nginx's IPv4 listener"),
                () -> assertEquals("client=" + Loopback.text(client) + " dest=" + Loopback.text(front), reply));
    }
}
