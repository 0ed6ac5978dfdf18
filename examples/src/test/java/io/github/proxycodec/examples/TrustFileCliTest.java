package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.udp.SppHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --trust-file} on both origins: rewrite the file, wait (bounded) for the event and the new behaviour. */
class TrustFileCliTest {

    private static final byte[] V1 = "PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    /** Replaces the file whole, as an operator should (write, then rename). */
    private Path write(String text) throws IOException {
        Path file = dir.resolve("trusted");
        Path tmp = dir.resolve("trusted.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    @Test
    void tcpOriginTakesARewrittenFileAndKeepsTheLastGoodListOnABadOne() throws IOException {
        Path file = write("192.0.2.0/24\n");
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust-file", file.toString())) {
            Peers.exchange(origin.address(), V1, "hi");
            assertEquals("UNTRUSTED_SOURCE", origin.next("reject").path("reason").asText());

            write("# loopback for the test\n127.0.0.1/32\n192.0.2.0/24\n");
            assertEquals(2, origin.next("trust-reloaded").path("ranges").asInt());
            assertEquals("client=203.0.113.7:40000 hi", Peers.exchange(origin.address(), V1, "hi"));

            write("127.0.0.1/32\nnot-a-range\n");
            JsonNode failed = origin.next("trust-reload-failed");
            assertTrue(failed.path("error").asText().startsWith("line 2: "), failed.toString());
            assertEquals("client=203.0.113.7:40000 hi", Peers.exchange(origin.address(), V1, "hi"), "the last good list stays");

            write("");
            assertEquals("no ranges listed", origin.next("trust-reload-failed").path("error").asText());
            assertEquals("client=203.0.113.7:40000 hi", Peers.exchange(origin.address(), V1, "hi"));
        }
    }

    @Test
    void udpOriginFollowsTheFileToo() throws IOException {
        Path file = write("127.0.0.1/32\n");
        InetSocketAddress client = new InetSocketAddress(InetAddress.getByName("203.0.113.9"), 5000);
        InetSocketAddress spectrum = new InetSocketAddress(InetAddress.getByName("198.51.100.1"), 443);
        byte[] datagram = SppHeader.of(client, spectrum).toByteArray();
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp", "--trust-file", file.toString());
             DatagramSocket edge = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            edge.setSoTimeout(3000);
            edge.send(new DatagramPacket(datagram, datagram.length, origin.address()));
            assertNotNull(Peers.receive(edge), "a trusted edge is answered");

            write("192.0.2.0/24\n");
            assertEquals(1, origin.next("trust-reloaded").path("ranges").asInt());
            edge.send(new DatagramPacket(datagram, datagram.length, origin.address()));
            assertEquals("UNTRUSTED_SENDER", origin.next("drop").path("reason").asText());
        }
    }

    @Test
    void trustAndTrustFileTogetherOrABadFileAreUsageErrors() throws IOException {
        Path file = write("127.0.0.1/32\n");
        for (String command : new String[] {"tcp-origin", "udp-origin"}) {
            String[] both = command.equals("tcp-origin")
                    ? new String[] {command, "--port", "0", "--trust", "any", "--trust-file", file.toString()}
                    : new String[] {command, "--port", "0", "--protocol", "spp", "--trust", "any", "--trust-file", file.toString()};
            Cli cli = Cli.run(both);
            assertEquals(2, cli.status(), cli.stderr());
            assertTrue(cli.stderr().contains("--trust and --trust-file"), cli.stderr());
        }
        Cli missing = Cli.run("tcp-origin", "--port", "0", "--trust-file", dir.resolve("missing").toString());
        assertEquals(2, missing.status(), missing.stderr());
        Cli bad = Cli.run("tcp-origin", "--port", "0", "--trust-file", write("10.0.0.0/33\n").toString());
        assertEquals(2, bad.status());
        assertTrue(bad.stderr().contains("line 1"), bad.stderr());
    }

}
