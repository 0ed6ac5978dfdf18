package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.ProxySslInfo;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.interop.Origin.LocalPolicy;
import io.github.proxycodec.interop.Origin.Seen;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HAProxy 2.6 encodes, our handler decodes: real clients connect through HAProxy from known
 * source ports, and the origin must see exactly their addresses and HAProxy's frontend.
 */
@Timeout(60)
class HaproxySendsToOriginTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private Origin origin;
    private Haproxy.Running haproxy;

    @AfterEach
    void stop() {
        try {
            if (haproxy != null) {
                haproxy.close();
            }
        } finally {
            if (origin != null) {
                origin.close();
            }
        }
    }

    @ParameterizedTest(name = "{0} from {1}")
    @CsvSource({
        "send-proxy,    127.0.0.1, V1, INET",
        "send-proxy,    ::1,       V1, INET6",
        "send-proxy-v2, 127.0.0.1, V2, INET",
        "send-proxy-v2, ::1,       V2, INET6",
    })
    void originSeesTheClientAndTheFrontendHaproxyConnectedFor(String option, String clientIp,
            ProxyHeader.Version version, ProxyHeader.Family family) throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetAddress loopback = InetAddress.getByName(clientIp);
        InetSocketAddress front = new InetSocketAddress(loopback, Loopback.freeTcpPort(loopback));
        haproxy = Haproxy.start(dir, ""
                + "listen front\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " " + option + "\n");

        try (Socket client = Loopback.connectFrom(loopback, front)) {
            InetSocketAddress clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));

            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client), "the origin's answer, from ProxyProtocol.clientAddress/destinationAddress");

            Seen seen = origin.await(s -> clientAddress.equals(s.client), WAIT);
            assertAll(
                    () -> assertEquals(version, seen.header.version()),
                    () -> assertEquals(ProxyHeader.Command.PROXY, seen.header.command()),
                    () -> assertEquals(family, seen.header.family()),
                    () -> assertEquals(clientAddress, seen.header.sourceAddress()),
                    () -> assertEquals(front, seen.header.destinationAddress()),
                    () -> assertEquals(front, seen.destination),
                    () -> assertEquals(Loopback.V4, seen.peer.getAddress(), "the TCP peer is HAProxy"),
                    () -> assertNotEquals(clientAddress.getPort(), seen.peer.getPort(),
                            "the origin's TCP peer is HAProxy's own socket, not the client"));
            assertEquals(1, origin.seen().size(), "one connection, one header: " + origin.seen());
        }
    }

    @Test
    void haproxyReachingTheOriginOverIpv6IsTrusted() throws Exception {
        origin = Origin.start(Loopback.V6, Origin.LOOPBACK);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "listen front\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    server origin " + Loopback.text(origin.address()) + " send-proxy-v2\n");
        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            InetSocketAddress clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client));
            assertEquals(Loopback.V6, origin.seen().get(0).peer.getAddress(), "HAProxy came over ::1");
        }
    }

    @Test
    void haproxyOutsideTheTrustedProxiesIsRefused() throws Exception {
        origin = Origin.start(Loopback.V4, TrustedProxies.of("10.0.0.0/8"));
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "listen front\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " send-proxy-v2\n");
        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertNull(Loopback.readLine(client), "closed without an answer");
        }
        Seen seen = origin.await(s -> true, WAIT);
        assertEquals(ProxyProtocolException.Reason.UNTRUSTED_SOURCE, seen.event.reason());
        assertNull(seen.header, "the header of an untrusted peer is not believed");
    }

    @Test
    void concurrentClientsAreEachAttributedToThemselves() throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "listen front\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " send-proxy-v2\n");
        int n = 24;
        List<Socket> clients = new ArrayList<>();
        try {
            // Every connection is open and has written before any answer is read.
            for (int i = 0; i < n; i++) {
                Socket c = Loopback.connectFrom(Loopback.V4, front);
                clients.add(c);
                Loopback.write(c, "hello\n".getBytes(StandardCharsets.US_ASCII));
            }
            for (Socket c : clients) {
                assertEquals("client=" + Loopback.text((InetSocketAddress) c.getLocalSocketAddress())
                        + " dest=" + Loopback.text(front), Loopback.readLine(c));
            }
        } finally {
            for (Socket c : clients) {
                c.close();
            }
        }
        assertEquals(n, origin.seen().size());
    }

    /**
     * A client on HAProxy's UNIX socket has no IP address: HAProxy 2.6 sends {@code PROXY UNKNOWN}
     * (v1) or a LOCAL header (v2) for a real client. The origin serves it with the connection's
     * own addresses. (So an application must not treat every LOCAL header as a health check.)
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"send-proxy, V1, PROXY", "send-proxy-v2, V2, LOCAL"})
    void clientOnAUnixSocketFallsBackToTheConnectionAddresses(String option, ProxyHeader.Version version,
            ProxyHeader.Command command) throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        Path socket = dir.resolve("front.sock");
        haproxy = Haproxy.start(dir, ""
                + "listen unixfront\n"
                + "    bind unix@" + socket + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " " + option + "\n");

        String reply;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
            reply = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.US_ASCII))
                    .readLine();
        }
        Seen seen = origin.await(s -> true, WAIT);
        assertAll(
                () -> assertNotNull(seen.header, "a header was accepted: " + seen.event),
                () -> assertEquals(version, seen.header.version()),
                () -> assertEquals(command, seen.header.command()),
                () -> assertEquals(ProxyHeader.Family.UNSPEC, seen.header.family()),
                () -> assertFalse(seen.header.hasInetAddresses(), "no IP client in " + seen.header),
                () -> assertEquals(seen.peer, seen.client, "the client is the connection's own peer"),
                () -> assertEquals("client=" + Loopback.text(seen.peer) + " dest=127.0.0.1:" + origin.port(), reply));
    }

    @Test
    void ipv4ClientOfAnIpv6SocketArrivesIpv4MappedAndIsReportedAsPlainIpv4() throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        // An IPv6 socket bound to ::ffff:127.0.0.1: HAProxy sees IPv4 clients as ::ffff:a.b.c.d
        // and sends an INET6 header with IPv4-mapped addresses.
        haproxy = Haproxy.start(dir, ""
                + "listen mapped\n"
                + "    bind [::ffff:127.0.0.1]:" + front.getPort() + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " send-proxy-v2\n");

        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            InetSocketAddress clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client));

            Seen seen = origin.await(s -> clientAddress.equals(s.client), WAIT);
            assertEquals(ProxyHeader.Family.INET6, seen.header.family(), "HAProxy sent INET6");
            assertEquals(clientAddress, seen.header.sourceAddress(), "reported as the plain IPv4 address");
            assertEquals(front, seen.header.destinationAddress());
        }
    }

    /** What a TLS client did and what HAProxy logged for it. */
    private static final class TlsVisit {
        InetSocketAddress client;
        InetSocketAddress front;
        SSLSession session;
        String applicationProtocol;
        Matcher log;
    }

    /**
     * HAProxy terminating TLS ({@code verify optional}, ALPN h2) and sending every TLV it can;
     * one client connects, says hello and reads the origin's answer.
     */
    private TlsVisit visitTlsFrontend(boolean withClientCertificate) throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        origin = Origin.start(LocalPolicy.SERVE);
        TlsVisit v = new TlsVisit();
        v.front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "listen tls\n"
                + "    bind " + bindAddress(v.front) + " ssl crt " + certs.serverPem + " ca-file " + certs.caPem
                + " verify optional alpn h2,http/1.1\n"
                + "    unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid\n"
                + "    log-format \"TLS cp=%cp id=%ID sslv=%sslv sslc=%sslc\"\n"
                + "    server origin 127.0.0.1:" + origin.port() + " send-proxy-v2"
                + " proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id\n");

        try (SSLSocket tls = certs.handshake(Loopback.connectFrom(Loopback.V4, v.front), withClientCertificate)) {
            v.client = (InetSocketAddress) tls.getLocalSocketAddress();
            v.session = tls.getSession();
            v.applicationProtocol = tls.getApplicationProtocol();
            Loopback.write(tls, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(v.client) + " dest=" + Loopback.text(v.front),
                    Loopback.readLine(tls));
        }
        // HAProxy logs when the session ends, with the unique id it generated and sent.
        v.log = haproxy.process.awaitLine(
                Pattern.compile("^TLS cp=" + v.client.getPort() + " id=(\\S+) sslv=(\\S+) sslc=(\\S+)$"), WAIT);
        return v;
    }

    @Test
    void tlsFrontendTlvsReachTheOriginAsSent() throws Exception {
        TlsVisit v = visitTlsFrontend(true);
        Seen seen = origin.await(s -> v.client.equals(s.client), WAIT);
        ProxyHeader h = seen.header;
        ProxySslInfo ssl = h.ssl().orElseThrow(() -> new AssertionError("no SSL TLV in " + h));
        assertAll(
                () -> assertEquals(v.client, h.sourceAddress()),
                () -> assertEquals(v.front, h.destinationAddress()),
                () -> assertEquals(TestCertificates.SERVER_NAME, h.authority().orElse(null), "AUTHORITY is the SNI"),
                () -> assertEquals("h2", v.applicationProtocol),
                () -> assertEquals("h2", h.alpn().orElse(null), "ALPN is the protocol negotiated"),
                () -> assertEquals(v.log.group(1), new String(h.uniqueId().orElseThrow(), StandardCharsets.US_ASCII),
                        "UNIQUE_ID is the id HAProxy logged"),
                () -> assertTrue(h.crc32c().isPresent(), "a CRC32C was sent (the parser verified it)"),
                () -> assertTrue(ssl.isSsl()),
                () -> assertTrue(ssl.hasClientCertificateInConnection()),
                () -> assertTrue(ssl.hasClientCertificateInSession()),
                () -> assertTrue(ssl.hasVerifiedClientCertificate(), "the client certificate was verified against the CA"),
                () -> assertEquals(v.session.getProtocol(), ssl.version().orElse(null)),
                () -> assertEquals(v.log.group(2), ssl.version().orElse(null)),
                () -> assertEquals(v.session.getCipherSuite(), ssl.cipher().orElse(null)),
                () -> assertEquals(v.log.group(3), ssl.cipher().orElse(null)),
                () -> assertEquals(TestCertificates.CLIENT_CN, ssl.commonName().orElse(null)),
                // As the spec says: the frontend's certificate, not the client's.
                () -> assertEquals(TestCertificates.SERVER_SIG_ALG, ssl.signatureAlgorithm().orElse(null)),
                () -> assertEquals(TestCertificates.SERVER_KEY_ALG, ssl.keyAlgorithm().orElse(null)));
    }

    /**
     * Without a client certificate HAProxy 2.6 leaves the SSL TLV's verify field at 0, which
     * the spec reserves for "a certificate was presented and verified": only the client flags
     * tell the two apart, which {@code hasVerifiedClientCertificate()} does.
     */
    @Test
    void tlsClientWithoutCertificateHasNoCertificateFlagsAlthoughVerifyIsZero() throws Exception {
        TlsVisit v = visitTlsFrontend(false);
        Seen seen = origin.await(s -> v.client.equals(s.client), WAIT);
        ProxySslInfo ssl = seen.header.ssl().orElseThrow(() -> new AssertionError("no SSL TLV in " + seen.header));
        assertAll(
                () -> assertTrue(ssl.isSsl()),
                () -> assertFalse(ssl.hasClientCertificateInConnection()),
                () -> assertFalse(ssl.hasClientCertificateInSession()),
                () -> assertEquals(0, ssl.verifyResult(), "HAProxy sends verify=0 without a certificate"),
                () -> assertFalse(ssl.hasVerifiedClientCertificate()),
                () -> assertEquals(Optional.empty(), ssl.commonName(), "no client certificate, no CN"),
                () -> assertEquals(TestCertificates.SERVER_SIG_ALG, ssl.signatureAlgorithm().orElse(null)),
                () -> assertEquals(TestCertificates.SERVER_KEY_ALG, ssl.keyAlgorithm().orElse(null)),
                () -> assertEquals(v.session.getProtocol(), ssl.version().orElse(null)),
                () -> assertEquals(v.session.getCipherSuite(), ssl.cipher().orElse(null)),
                () -> assertEquals(TestCertificates.SERVER_NAME, seen.header.authority().orElse(null)));
    }

    /**
     * Every TLV option on a plain-TCP frontend without {@code unique-id-format}: HAProxy sends a
     * zero-length UNIQUE_ID, a 5-byte SSL TLV saying "not SSL", no AUTHORITY, and a CRC32C.
     */
    @Test
    void plainFrontendWithEveryTlvOptionSendsEmptyAndMinimalTlvsThatAreAccepted() throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "listen plain\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    server origin 127.0.0.1:" + origin.port() + " send-proxy-v2"
                + " proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id\n");
        InetSocketAddress clientAddress;
        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client));
        }
        ProxyHeader h = origin.await(s -> clientAddress.equals(s.client), WAIT).header;
        ProxySslInfo ssl = h.ssl().orElseThrow(() -> new AssertionError("no SSL TLV in " + h));
        assertAll(
                () -> assertEquals(0, h.uniqueId().orElseThrow(() -> new AssertionError("no UNIQUE_ID")).length),
                () -> assertEquals(Optional.empty(), h.authority()),
                () -> assertTrue(h.crc32c().isPresent()),
                () -> assertFalse(ssl.isSsl()),
                () -> assertEquals(List.of(), ssl.subTlvs()));
    }

    /**
     * HAProxy's check: LOCAL header (with a CRC32C), then PING, expecting PONG, every 100 ms.
     * The answer may take 2 s (without {@code timeout check} it would have the 100 ms interval,
     * and one late answer on a loaded machine would take the server down).
     */
    private String checkedBackend(InetSocketAddress front) {
        return "listen checked\n"
                + "    bind " + bindAddress(front) + "\n"
                + "    timeout check 2s\n"
                + "    option tcp-check\n"
                + "    tcp-check send-binary 50494e470a\n"
                + "    tcp-check expect string PONG\n"
                + "    server origin 127.0.0.1:" + origin.port()
                + " send-proxy-v2 proxy-v2-options crc32c check inter 100ms fall 1 rise 1\n";
    }

    @Test
    void localHealthChecksAreServedAndNeverTakenForAClient() throws Exception {
        origin = Origin.start(LocalPolicy.SERVE);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, checkedBackend(front));

        List<Seen> checks = origin.awaitCount(Seen::isLocal, 3, WAIT);
        awaitStat("checked", "origin", "L7OK");
        awaitStatus("checked", "origin", "UP");
        for (Seen check : checks) {
            assertAll(
                    () -> assertFalse(check.header.hasInetAddresses(), "a LOCAL header carries no client"),
                    () -> assertNull(check.header.sourceAddress()),
                    () -> assertEquals(check.peer, check.client, "a check's client is HAProxy's own connection"),
                    () -> assertEquals(origin.port(), check.destination.getPort()),
                    () -> assertTrue(check.header.crc32c().isPresent(), "LOCAL with a CRC32C TLV"));
        }

        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            InetSocketAddress clientAddress = (InetSocketAddress) client.getLocalSocketAddress();
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertEquals("client=" + Loopback.text(clientAddress) + " dest=" + Loopback.text(front),
                    Loopback.readLine(client));
            List<Seen> clients = origin.seen(s -> !s.isLocal());
            assertEquals(1, clients.size(), "only the real client is a client: " + clients);
            assertEquals(clientAddress, clients.get(0).client);
            assertTrue(origin.seen(Seen::isLocal).stream().noneMatch(s -> clientAddress.equals(s.client)));
        }
    }

    @Test
    void localHealthChecksAreClosedWhenTheOriginSaysSoAndHaproxyMarksItDown() throws Exception {
        origin = Origin.start(LocalPolicy.CLOSE);
        InetSocketAddress front = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, checkedBackend(front));

        origin.awaitCount(Seen::isLocal, 2, WAIT);
        Map<String, String> stat = awaitStatus("checked", "origin", "DOWN");
        assertNotEquals("L7OK", stat.get("check_status"), "the check failed: " + stat);
        haproxy.process.awaitLine(Pattern.compile("Server checked/origin is DOWN"), WAIT);

        try (Socket client = Loopback.connectFrom(Loopback.V4, front)) {
            Loopback.write(client, "hello\n".getBytes(StandardCharsets.US_ASCII));
            assertNull(Loopback.readLine(client), "no server is up, so HAProxy closes the client");
        }
        assertTrue(origin.seen(s -> !s.isLocal()).isEmpty(), "no check was mistaken for a client: " + origin.seen());
    }

    private Map<String, String> awaitStat(String backend, String server, String checkStatus)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, String> row;
        do {
            row = haproxy.serverStat(backend, server);
            if (checkStatus.equals(row.get("check_status"))) {
                return row;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("check_status never became " + checkStatus + ": " + row + "; " + haproxy.process.output());
    }

    private Map<String, String> awaitStatus(String backend, String server, String status)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Map<String, String> row;
        do {
            row = haproxy.serverStat(backend, server);
            if (row.get("status").startsWith(status)) {
                return row;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("status never became " + status + ": " + row + "; " + haproxy.process.output());
    }

    static String bindAddress(InetSocketAddress a) {
        return Loopback.text(a);
    }
}
