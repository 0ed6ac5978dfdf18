package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.examples.support.Transport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code udp-origin --threads N}: one port served by N channels, each flow kept by one of them. */
class UdpOriginThreadsTest {

    private static final int EDGE_PORTS = 16;
    private static final InetSocketAddress SERVICE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 443);

    private static InetSocketAddress client(int i) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 20000 + i);
    }

    private static byte[] withHeader(InetSocketAddress client, String payload) {
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client, SERVICE).build();
        byte[] header = ProxyHeaderEncoder.toByteArray(h);
        byte[] text = payload.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(header, header.length + text.length);
        System.arraycopy(text, 0, out, header.length, text.length);
        return out;
    }

    /** Sends {@code data} from {@code edge} and returns the reply as text. */
    private static String exchange(DatagramSocket edge, InetSocketAddress to, byte[] data) throws IOException {
        edge.send(new DatagramPacket(data, data.length, to));
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        edge.receive(reply);   // bounded by the socket's timeout
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
    }

    /**
     * Spectrum's PROXY v2 on UDP sends the header on a flow's first datagram only, so a later
     * datagram is answered only if it reaches the channel whose codec saw that header: every
     * answer below shows the kernel kept each edge port's datagrams on one socket.
     */
    @Test
    void everyEdgePortStaysWithTheChannelThatSawItsHeader() throws IOException, InterruptedException {
        List<DatagramSocket> edges = new ArrayList<>();
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "ppv2-first",
                "--trust", "127.0.0.1", "--threads", "2")) {
            for (int i = 0; i < EDGE_PORTS; i++) {
                DatagramSocket edge = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                edge.setSoTimeout(3000);
                edges.add(edge);
            }
            for (int i = 0; i < EDGE_PORTS; i++) {
                assertEquals("client=127.0.0.1:" + (20000 + i) + " first",
                        exchange(edges.get(i), origin.address(), withHeader(client(i), "first")));
            }
            for (int round = 2; round <= 4; round++) {
                for (int i = 0; i < EDGE_PORTS; i++) {
                    byte[] bare = ("later " + round).getBytes(StandardCharsets.UTF_8);
                    assertEquals("client=127.0.0.1:" + (20000 + i) + " later " + round,
                            exchange(edges.get(i), origin.address(), bare), "edge port " + i + ", round " + round);
                }
            }
            Set<String> flows = new HashSet<>();
            for (JsonNode line : origin.drain(300)) {
                assertEquals("flow", line.path("event").asText(), "no drop: " + line);
                flows.add(line.path("client").asText());
            }
            assertEquals(EDGE_PORTS, flows.size(), "one flow per client");
            String expected = Transport.reusePort() ? "2 channels" : "nio serves the port from one channel";
            assertTrue(origin.stderr().contains(expected), origin.stderr());
        } finally {
            edges.forEach(DatagramSocket::close);
        }
    }

    @Test
    void threadsOutsideItsRangeIsAUsageErrorNamingTheFlag() {
        for (String bad : new String[] {"0", "-1", String.valueOf(UdpOrigin.MAX_THREADS + 1), "two"}) {
            Cli cli = Cli.run("udp-origin", "--port", "0", "--protocol", "spp", "--threads", bad);
            assertEquals(2, cli.status(), bad);
            String firstLine = cli.stderr().lines().findFirst().orElse("");
            assertTrue(firstLine.contains("--threads"), bad + ": " + cli.stderr());
        }
    }
}
