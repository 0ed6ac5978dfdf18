package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tcp-origin} driven as a user would: flags in, JSON lines and echoed lines out. */
class TcpOriginTest {

    private static byte[] v2(String client, int clientPort, String dest, int destPort) throws IOException {
        ProxyHeader h = ProxyHeader.builder()
                .addresses(new InetSocketAddress(InetAddress.getByName(client), clientPort),
                        new InetSocketAddress(InetAddress.getByName(dest), destPort))
                .build();
        return ProxyHeaderEncoder.toByteArray(h);
    }

    @Test
    void v1HeaderGivesTheRealClientInTheConnectLineAndTheReply() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "127.0.0.1")) {
            byte[] v1 = "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII);
            assertEquals("client=203.0.113.7:40000 hello", Peers.exchange(origin.address(), v1, "hello"));
            JsonNode c = origin.next("connect");
            assertEquals("203.0.113.7:40000", c.path("client").asText());
            assertEquals("198.51.100.1:443", c.path("destination").asText());
            assertTrue(c.path("peer").asText().startsWith("127.0.0.1:"));
            assertEquals("v1", c.path("version").asText());
            assertEquals("PROXY", c.path("command").asText());
        }
    }

    @Test
    void v2HeaderWithIpv6AndIpv4MappedClients() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "127.0.0.1/32")) {
            assertEquals("client=[2001:db8::7]:1234 a",
                    Peers.exchange(origin.address(), v2("2001:db8:0:0::7", 1234, "2001:db8::1", 443), "a"));
            JsonNode c = origin.next("connect");
            assertEquals("[2001:db8::7]:1234", c.path("client").asText());
            assertEquals("[2001:db8::1]:443", c.path("destination").asText());
            assertEquals("v2", c.path("version").asText());
            assertEquals("client=192.0.2.5:99 b",
                    Peers.exchange(origin.address(), v2("::ffff:192.0.2.5", 99, "2001:db8::1", 443), "b"));
            assertEquals("192.0.2.5:99", origin.next("connect").path("client").asText());
        }
    }

    @Test
    void connectionWithoutHeaderIsRejectedAndGetsNoAnswer() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "any")) {
            assertNull(Peers.exchange(origin.address(), new byte[0], "GET / HTTP/1.1"));
            JsonNode r = origin.next("reject");
            assertEquals("NOT_A_PROXY_HEADER", r.path("reason").asText());
            assertTrue(r.path("peer").asText().startsWith("127.0.0.1:"));
        }
    }

    @Test
    void defaultTrustIsCloudflareSoLoopbackIsRefused() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0")) {
            byte[] v1 = "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII);
            assertNull(Peers.exchange(origin.address(), v1, "hello"));
            assertEquals("UNTRUSTED_SOURCE", origin.next("reject").path("reason").asText());
        }
    }

    @Test
    void optionalLetsAHeaderlessConnectionThrough() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "any", "--optional")) {
            String answer = Peers.exchange(origin.address(), new byte[0], "health");
            JsonNode c = origin.next("connect");
            assertEquals("none", c.path("version").asText());
            assertEquals("none", c.path("command").asText());
            assertEquals(c.path("peer").asText(), c.path("client").asText());
            assertEquals("client=" + c.path("client").asText() + " health", answer);
        }
    }

    @Test
    void serveUntrustedTreatsOthersAsDirectClients() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "10.0.0.0/8", "--serve-untrusted")) {
            String answer = Peers.exchange(origin.address(), new byte[0], "direct");
            assertTrue(answer.startsWith("client=127.0.0.1:"), answer);
            assertEquals("none", origin.next("connect").path("version").asText());
        }
    }

    @Test
    @SuppressWarnings("try")   // the origin is stopped early to read all it printed
    void anUntrustedPeerSendingAHeaderGetsOneRejectLineAndNoConnectLine() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "10.0.0.0/8", "--serve-untrusted")) {
            assertNull(Peers.exchange(origin.address(), "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n".getBytes(StandardCharsets.US_ASCII), "x"));
            assertEquals("UNTRUSTED_SOURCE", origin.next("reject").path("reason").asText());
            origin.close();
            assertTrue(origin.rest().stream().noneMatch(n -> n.path("event").asText().equals("connect")),
                    "one outcome per connection");
        }
    }

    @Test
    void versionsRestrictWhatIsAccepted() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "any", "--versions", "v1")) {
            assertNull(Peers.exchange(origin.address(), v2("192.0.2.1", 1, "192.0.2.2", 2), "x"));
            assertEquals("VERSION_NOT_ACCEPTED", origin.next("reject").path("reason").asText());
        }
    }

    @Test
    void headerTimeoutClosesASilentConnection() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "any", "--header-timeout", "200ms");
             Socket s = new Socket()) {
            s.connect(origin.address(), 3000);
            s.setSoTimeout(3000);
            s.getOutputStream().write("PROXY TCP4".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read());
            assertEquals("TIMEOUT", origin.next("reject").path("reason").asText());
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, Cli.run("tcp-origin", "--port", "0", "--versions", "v3").status());
        assertEquals(2, Cli.run("tcp-origin").status());
        assertEquals(2, Cli.run("tcp-origin", "--port", "0", "--trust", "not-a-cidr").status());
        assertEquals(2, Cli.run("no-such-command").status());
        Cli help = Cli.run("tcp-origin", "--help");
        assertEquals(0, help.status());
        String text = help.text();
        for (String flag : new String[] {"--port", "--bind", "--versions", "--optional", "--trust", "--header-timeout"}) {
            assertTrue(text.contains(flag), flag);
        }
    }

    @Test
    void portInUseExitsOneWithoutStackTrace() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Cli cli = Cli.run("tcp-origin", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(1, cli.status());
            assertEquals("tcp-origin: cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": Address already in use\n",
                    cli.stderr());
        }
    }
}
