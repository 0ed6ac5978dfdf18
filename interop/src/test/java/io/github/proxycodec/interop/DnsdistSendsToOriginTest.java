package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.interop.UdpOrigin.Datagram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * dnsdist 1.7 ({@code useProxyProtocol=true}) encodes PROXY v2 over UDP, our
 * {@code ProxyV2DatagramCodec} (PER_DATAGRAM) decodes each datagram at the origin and routes the
 * answers back; the clients are real {@code dig} processes on known ports.
 */
@Timeout(60)
class DnsdistSendsToOriginTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private UdpOrigin origin;
    private PeerProcess dnsdist;
    private int port;

    @AfterEach
    void stop() {
        try {
            if (dnsdist != null) {
                dnsdist.close();
            }
        } finally {
            if (origin != null) {
                origin.close();
            }
        }
    }

    /**
     * dnsdist on 127.0.0.1 and ::1, one backend (the origin) health-checked every second. When
     * the origin answers the checks, this returns once dnsdist has seen one answered and reports
     * the backend up, so that no query meets a backend not yet (or no longer) up; a loaded
     * machine may answer a check late, so it then takes three failures of 2 s to mark it down.
     */
    private void start(boolean originAnswersChecks) throws Exception {
        start(originAnswersChecks, "");
    }

    private void start(boolean originAnswersChecks, String moreLua) throws Exception {
        origin = UdpOrigin.start(originAnswersChecks);
        port = Loopback.freeTcpPortOnBoth();
        String tolerance = originAnswersChecks ? "maxCheckFailures=3, checkTimeout=2000" : "maxCheckFailures=1";
        dnsdist = Dnsdist.start(dir, new InetSocketAddress(Loopback.V4, port), ""
                + "setLocal(" + Dnsdist.lua(new InetSocketAddress(Loopback.V4, port)) + ")\n"
                + "addLocal(" + Dnsdist.lua(new InetSocketAddress(Loopback.V6, port)) + ")\n"
                + "newServer({address=\"127.0.0.1:" + origin.port() + "\", useProxyProtocol=true,"
                + " checkInterval=1, " + tolerance + ", rise=1})\n"
                + "function maintenance() print(\"STATE up=\" .. tostring(getServer(0):isUp())) end\n"
                + moreLua);
        if (originAnswersChecks) {
            awaitBackendUp();
        }
    }

    /** Waits for an answered check, then for dnsdist's next report of the backend's state to say up. */
    private void awaitBackendUp() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        origin.awaitCount(d -> d.isLocal() && d.answered, 1, WAIT);
        while (true) {
            int after = dnsdist.lines().size();
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            String up = dnsdist.awaitLine(Pattern.compile("^STATE up=(\\w+)$"), left, after).group(1);
            if ("true".equals(up)) {
                return;
            }
        }
    }

    /** Runs dig from {@code from}#{@code sourcePort} through dnsdist and returns its short answer. */
    private String dig(InetAddress from, int sourcePort) throws Exception {
        String dig = Peer.DIG.require().toString();
        // Up to three tries: a UDP datagram may be lost on a loaded machine, and dig then asks again.
        return PeerProcess.run(dir, Duration.ofSeconds(15), dig, "+tries=3", "+time=2", "+short",
                "@" + from.getHostAddress(), "-p", Integer.toString(port),
                "-b", from.getHostAddress() + "#" + sourcePort, "who.example.test", "TXT").trim();
    }

    @Test
    void digQueriesFromKnownPortsAreAttributedToTheirOwnClients() throws Exception {
        start(true);
        InetSocketAddress[] clients = {
            new InetSocketAddress(Loopback.V4, Loopback.freeUdpPort(Loopback.V4)),
            new InetSocketAddress(Loopback.V4, Loopback.freeUdpPort(Loopback.V4)),
            new InetSocketAddress(Loopback.V6, Loopback.freeUdpPort(Loopback.V6)),
        };
        for (InetSocketAddress c : clients) {
            assertEquals("\"" + Loopback.text(c) + "\"", dig(c.getAddress(), c.getPort()),
                    "the origin's TXT answer names the client it attributed the query to");
        }

        List<Datagram> queries = origin.seen(d -> "who.example.test".equals(d.question));
        for (InetSocketAddress c : clients) {
            // A retry of a lost datagram gives a client a second query: each must be its own.
            List<Datagram> ofClient = queries.stream().filter(d -> c.equals(d.header.sourceAddress())).toList();
            assertFalse(ofClient.isEmpty(), "a query attributed to " + c + ": " + queries);
            Datagram d = ofClient.get(0);
            InetSocketAddress listener = new InetSocketAddress(c.getAddress(), port);
            ProxyHeader.Family family = c.getAddress() == Loopback.V4 ? ProxyHeader.Family.INET : ProxyHeader.Family.INET6;
            assertAll(
                    () -> assertEquals(ProxyHeader.Version.V2, d.header.version()),
                    () -> assertEquals(ProxyHeader.Command.PROXY, d.header.command()),
                    () -> assertEquals(ProxyHeader.Transport.DGRAM, d.header.transport()),
                    () -> assertEquals(family, d.header.family()),
                    () -> assertEquals(c, d.header.sourceAddress()),
                    () -> assertEquals(listener, d.header.destinationAddress()),
                    () -> assertEquals(c, d.client, "packet.sender() is the client"),
                    () -> assertEquals(listener, d.recipient, "packet.recipient() is dnsdist's listener"));
        }
        assertEquals(Set.of(clients), queries.stream().map(d -> d.client).collect(Collectors.toSet()),
                "every query came from one of the clients: " + queries);
        Set<InetSocketAddress> edges = queries.stream().map(d -> d.edge).collect(Collectors.toSet());
        assertEquals(1, edges.size(), "dnsdist sends every client from one socket: " + edges);
        assertEquals(List.of(), origin.problems());
    }

    /**
     * Over TCP dnsdist sends the PROXY v2 header (STREAM) at the start of its connection to the
     * backend, so the TCP handler decodes it. The backend is pinned up: dnsdist's health checks
     * are UDP, and this origin only speaks TCP.
     */
    @ParameterizedTest(name = "dig +tcp from {0}")
    @CsvSource({"127.0.0.1, INET", "::1, INET6"})
    void digOverTcpIsAttributedByTheTcpHandler(String clientIp, ProxyHeader.Family family) throws Exception {
        InetAddress from = InetAddress.getByName(clientIp);
        try (Origin tcpOrigin = Origin.startDns()) {
            port = Loopback.freeTcpPortOnBoth();
            dnsdist = Dnsdist.start(dir, new InetSocketAddress(Loopback.V4, port), ""
                    + "setLocal(" + Dnsdist.lua(new InetSocketAddress(Loopback.V4, port)) + ")\n"
                    + "addLocal(" + Dnsdist.lua(new InetSocketAddress(Loopback.V6, port)) + ")\n"
                    + "newServer({address=\"127.0.0.1:" + tcpOrigin.port() + "\", useProxyProtocol=true})\n"
                    + "getServer(0):setUp()\n");
            InetSocketAddress c = new InetSocketAddress(from, Loopback.freeTcpPort(from));
            String dig = Peer.DIG.require().toString();
            String answer = PeerProcess.run(dir, Duration.ofSeconds(10), dig, "+tcp", "+tries=1", "+time=2",
                    "+short", "@" + from.getHostAddress(), "-p", Integer.toString(port),
                    "-b", from.getHostAddress() + "#" + c.getPort(), "who.example.test", "TXT").trim();
            assertEquals("\"" + Loopback.text(c) + "\"", answer);

            Origin.Seen seen = tcpOrigin.await(s -> c.equals(s.client), WAIT);
            assertAll(
                    () -> assertEquals(ProxyHeader.Version.V2, seen.header.version()),
                    () -> assertEquals(ProxyHeader.Transport.STREAM, seen.header.transport()),
                    () -> assertEquals(family, seen.header.family()),
                    () -> assertEquals(c, seen.header.sourceAddress()),
                    () -> assertEquals(new InetSocketAddress(from, port), seen.header.destinationAddress()));
        }
    }

    @Test
    void manyConcurrentClientsEachGetTheirOwnAnswerBackThroughOneDnsdistSocket() throws Exception {
        start(true);
        int n = 16;
        List<DatagramSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                DatagramSocket s = new DatagramSocket(new InetSocketAddress(i % 2 == 0 ? Loopback.V4 : Loopback.V6, 0));
                s.setSoTimeout(3000);
                sockets.add(s);
            }
            // All queries are in flight before any answer is read.
            for (int i = 0; i < n; i++) {
                DatagramSocket s = sockets.get(i);
                byte[] q = Dns.query(0x1000 + i, "who.example.test", Dns.TXT);
                s.send(new DatagramPacket(q, q.length, new InetSocketAddress(s.getLocalAddress(), port)));
            }
            for (int i = 0; i < n; i++) {
                DatagramSocket s = sockets.get(i);
                byte[] answer = receiveResending(s, Dns.query(0x1000 + i, "who.example.test", Dns.TXT));
                String expected = Loopback.text((InetSocketAddress) s.getLocalSocketAddress());
                assertEquals(0x1000 + i, Dns.id(answer));
                assertEquals(expected, Dns.lastTxt(answer), "client " + i + " got its own answer");
            }
        } finally {
            sockets.forEach(DatagramSocket::close);
        }
        assertEquals(List.of(), origin.problems());
    }

    /**
     * Waits for the answer to the query already sent from {@code s}; if none comes in 3 s (a
     * datagram lost on a loaded machine) sends the same query again, at most twice.
     */
    private byte[] receiveResending(DatagramSocket s, byte[] query) throws Exception {
        DatagramPacket reply = new DatagramPacket(new byte[512], 512);
        for (int attempt = 1; ; attempt++) {
            try {
                s.receive(reply);
                return Arrays.copyOf(reply.getData(), reply.getLength());
            } catch (SocketTimeoutException e) {
                if (attempt == 3) {
                    throw new AssertionError("no answer after 3 tries; " + dnsdist.output(), e);
                }
                s.send(new DatagramPacket(query, query.length, new InetSocketAddress(s.getLocalAddress(), port)));
            }
        }
    }

    @Test
    void tlvsAddedByDnsdistReachTheApplication() throws Exception {
        start(true, "addAction(AllRule(), SetProxyProtocolValuesAction({[" + ProxyTlv.AUTHORITY
                + "]=\"dns.example.test\", [0xE1]=\"tenant-42\"}))\n");
        InetSocketAddress c = new InetSocketAddress(Loopback.V4, Loopback.freeUdpPort(Loopback.V4));
        assertEquals("\"" + Loopback.text(c) + "\"", dig(c.getAddress(), c.getPort()));

        Datagram d = origin.seen(q -> c.equals(q.client)).get(0);
        assertEquals("dns.example.test", d.header.authority().orElse(null));
        assertEquals("tenant-42", d.header.tlv(0xE1).map(ProxyTlv::valueAsString).orElse(null));
    }

    @Test
    void localHealthChecksAreAnsweredAndKeepTheBackendUp() throws Exception {
        start(true);
        List<Datagram> checks = origin.awaitCount(Datagram::isLocal, 2, WAIT);
        for (Datagram check : checks) {
            assertAll(
                    () -> assertFalse(check.header.hasInetAddresses(), "LOCAL carries no client"),
                    () -> assertEquals(check.edge, check.client, "a check's sender is dnsdist itself"),
                    () -> assertNotNull(check.question, "a DNS query follows the LOCAL header"),
                    () -> assertTrue(check.answered));
        }
        // dnsdist reports the backend's state every second; read a report made after the checks.
        int after = dnsdist.lines().size();
        assertEquals("true", dnsdist.awaitLine(Pattern.compile("^STATE up=(\\w+)$"), WAIT, after).group(1),
                "backend up after answered checks");
        assertTrue(dnsdist.lines().stream().noneMatch(l -> l.contains("as 'down'")), dnsdist.output());

        InetSocketAddress c = new InetSocketAddress(Loopback.V4, Loopback.freeUdpPort(Loopback.V4));
        assertEquals("\"" + Loopback.text(c) + "\"", dig(c.getAddress(), c.getPort()));
        assertTrue(origin.seen(Datagram::isLocal).stream().noneMatch(d -> c.equals(d.client)));
        assertEquals(List.of(), origin.problems(), "no datagram dropped, no answer refused");
    }

    @Test
    void unansweredLocalHealthChecksTakeTheBackendDown() throws Exception {
        start(false);
        origin.awaitCount(Datagram::isLocal, 1, WAIT);
        dnsdist.awaitLine(Pattern.compile("Marking downstream .*" + origin.port() + ".* as 'down'"), WAIT);
        dnsdist.awaitLine(Pattern.compile("^STATE up=false$"), WAIT);
        assertTrue(origin.seen(d -> !d.isLocal()).isEmpty(), "only checks reached the origin: " + origin.seen());
    }
}
