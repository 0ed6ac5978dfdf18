package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.udp.SppHeader;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code udp-origin} driven as an edge would: headers in, replies through the codec out. */
class UdpOriginTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress(ip("203.0.113.9"), 5000);
    private static final InetSocketAddress SPECTRUM = new InetSocketAddress(ip("198.51.100.1"), 443);

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A socket playing the edge, on loopback. */
    private static DatagramSocket edge() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        s.setSoTimeout(3000);
        return s;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] v2Dgram(InetSocketAddress client, InetSocketAddress dest) {
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client, dest).build();
        return ProxyHeaderEncoder.toByteArray(h);
    }

    private static void send(DatagramSocket s, InetSocketAddress to, byte[] data) throws IOException {
        s.send(new DatagramPacket(data, data.length, to));
    }

    @Test
    void sppRepliesGoToTheRealClientWithTheHeaderEchoed() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp", "--trust", "127.0.0.1");
             DatagramSocket edge = edge()) {
            byte[] header = SppHeader.of(CLIENT, SPECTRUM).toByteArray();
            send(edge, origin.address(), concat(header, text("ping")));
            byte[] reply = Peers.receive(edge);
            assertArrayEquals(header, Arrays.copyOf(reply, 38), "the 38 bytes come back unchanged");
            assertEquals("client=203.0.113.9:5000 ping", new String(reply, 38, reply.length - 38, StandardCharsets.UTF_8));
            JsonNode flow = origin.next("flow");
            assertEquals("203.0.113.9:5000", flow.path("client").asText());
            assertEquals("127.0.0.1:" + edge.getLocalPort(), flow.path("edge").asText());
        }
    }

    @Test
    void sppDropsAreReportedWithTheUdpModulesReasons() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp", "--trust", "127.0.0.1");
             DatagramSocket edge = edge()) {
            send(edge, origin.address(), text("short"));
            assertEquals("TOO_SHORT", origin.next("drop").path("reason").asText());
            send(edge, origin.address(), new byte[60]);
            JsonNode drop = origin.next("drop");
            assertEquals("BAD_MAGIC", drop.path("reason").asText());
            assertEquals("127.0.0.1:" + edge.getLocalPort(), drop.path("edge").asText());
            edge.setSoTimeout(300);
            assertNull(Peers.receive(edge), "nothing answers a dropped datagram");
        }
    }

    @Test
    void defaultTrustIsCloudflareSoALoopbackEdgeIsDropped() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp");
             DatagramSocket edge = edge()) {
            send(edge, origin.address(), concat(SppHeader.of(CLIENT, SPECTRUM).toByteArray(), text("x")));
            assertEquals("UNTRUSTED_SENDER", origin.next("drop").path("reason").asText());
        }
    }

    @Test
    void ppv2OnEveryDatagram() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "ppv2", "--trust", "any");
             DatagramSocket edge = edge()) {
            send(edge, origin.address(), concat(v2Dgram(CLIENT, SPECTRUM), text("q")));
            assertEquals("client=203.0.113.9:5000 q", new String(Peers.receive(edge), StandardCharsets.UTF_8));
            assertEquals("203.0.113.9:5000", origin.next("flow").path("client").asText());
            send(edge, origin.address(), text("no header"));
            assertEquals("MISSING_HEADER", origin.next("drop").path("reason").asText());
        }
    }

    @Test
    void ppv2FirstDatagramOpensAFlowForLaterOnes() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "ppv2-first", "--trust", "127.0.0.1");
             DatagramSocket edge = edge();
             DatagramSocket stranger = edge()) {
            send(edge, origin.address(), concat(v2Dgram(CLIENT, SPECTRUM), text("one")));
            assertEquals("client=203.0.113.9:5000 one", new String(Peers.receive(edge), StandardCharsets.UTF_8));
            send(edge, origin.address(), text("two"));
            assertEquals("client=203.0.113.9:5000 two", new String(Peers.receive(edge), StandardCharsets.UTF_8));
            send(stranger, origin.address(), text("who?"));
            JsonNode drop = origin.next("drop");
            assertEquals("UNKNOWN_FLOW", drop.path("reason").asText());
            assertEquals("127.0.0.1:" + stranger.getLocalPort(), drop.path("edge").asText());
        }
    }

    @Test
    void invalidHeaderDropNamesTheParsersReason() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "ppv2", "--trust", "any");
             DatagramSocket edge = edge()) {
            byte[] bad = v2Dgram(CLIENT, SPECTRUM);
            bad[12] = 0x23;   // command 3
            send(edge, origin.address(), bad);
            JsonNode drop = origin.next("drop");
            assertEquals("INVALID_HEADER", drop.path("reason").asText());
            assertEquals("V2_UNSUPPORTED_COMMAND", drop.path("headerReason").asText());
        }
    }

    @Test
    void dropLinesAreRateBounded() throws IOException, InterruptedException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp", "--trust", "127.0.0.1");
             DatagramSocket edge = edge()) {
            for (int i = 0; i < 300; i++) {
                send(edge, origin.address(), text("bad"));
            }
            List<JsonNode> lines = origin.drain(1200);
            assertTrue(lines.size() >= 10 && lines.size() <= 40, "drop lines: " + lines.size());
            send(edge, origin.address(), text("bad"));
            JsonNode after = origin.next("drop");
            long shown = lines.size() + 1 + after.path("suppressed").asLong();
            assertTrue(after.path("suppressed").asLong() > 0, after.toString());
            assertTrue(shown <= 301, "suppressed counts only what was not shown: " + shown);
        }
    }

    @Test
    void usage() {
        assertEquals(2, Cli.run("udp-origin", "--port", "0").status());
        assertEquals(2, Cli.run("udp-origin", "--port", "0", "--protocol", "quic").status());
        Cli help = Cli.run("udp-origin", "--help");
        assertEquals(0, help.status());
        String text = help.text();
        for (String flag : new String[] {"--port", "--bind", "--protocol", "--trust"}) {
            assertTrue(text.contains(flag), flag);
        }
    }
}
