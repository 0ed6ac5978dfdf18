package io.github.proxycodec.examples;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.udp.SppHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code edge} between a plain client and a raw origin socket that inspects exactly what arrives. */
class EdgeTest {

    private static final ProxyHeaderParser ANY = ProxyHeaderParser.builder()
            .allowStreamTransport(true).allowDatagramTransport(true).build();

    private static String origin(ServerSocket s) {
        return "127.0.0.1:" + s.getLocalPort();
    }

    private static String origin(DatagramSocket s) {
        return "127.0.0.1:" + s.getLocalPort();
    }

    /** Reads from {@code in} until a whole header has arrived; returns it and leaves the rest unread. */
    private static ProxyHeader readHeader(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("closed before a header: " + got.size() + " bytes");
            }
            got.write(b);
            ByteBuf buf = Unpooled.wrappedBuffer(got.toByteArray());
            try {
                ProxyHeader h = ANY.parse(buf);
                if (h != null) {
                    return h;
                }
            } finally {
                buf.release();
            }
        }
    }

    private static ProxyHeader parse(byte[] datagram) {
        ByteBuf buf = Unpooled.wrappedBuffer(datagram);
        try {
            return ANY.parse(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void tcpV2CarriesTheClientTheEdgeAndTheChosenTlvs() throws IOException {
        try (ServerSocket raw = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Cli edge = Cli.server("edge", "--listen", "tcp://127.0.0.1:0", "--origin", origin(raw), "--proxy", "v2",
                     "--tlv", "authority=example.com", "--tlv", "alpn=h2", "--tlv", "0xEA=hex:017670636531",
                     "--ssl", "TLSv1.3", "--ssl-cipher", "TLS_AES_128_GCM_SHA256", "--unique-id", "--crc32c");
             Socket client = new Socket()) {
            raw.setSoTimeout(3000);
            client.connect(edge.address(), 3000);
            client.setSoTimeout(3000);
            client.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            try (Socket up = raw.accept()) {
                up.setSoTimeout(3000);
                ProxyHeader h = readHeader(up.getInputStream());
                assertEquals(client.getLocalSocketAddress(), h.sourceAddress());
                assertEquals(edge.address(), h.destinationAddress());
                assertEquals(ProxyHeader.Version.V2, h.version());
                assertEquals("example.com", h.authority().orElseThrow());
                assertEquals("h2", h.alpn().orElseThrow());
                assertEquals("vpce1", h.awsVpcEndpointId().orElseThrow());
                assertEquals("TLSv1.3", h.ssl().orElseThrow().version().orElseThrow());
                assertEquals("TLS_AES_128_GCM_SHA256", h.ssl().orElseThrow().cipher().orElseThrow());
                assertEquals(16, h.uniqueId().orElseThrow().length);
                assertTrue(h.crc32c().isPresent(), "CRC32C present (and verified by the parser)");
                assertEquals("hello", new BufferedReader(new InputStreamReader(up.getInputStream())).readLine());
                up.getOutputStream().write("back\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("back", new BufferedReader(new InputStreamReader(client.getInputStream())).readLine());
            }
            JsonNode fwd = edge.next("forward");
            assertEquals("127.0.0.1:" + client.getLocalPort(), fwd.path("client").asText());
            assertEquals("v2", fwd.path("proxy").asText());
        }
    }

    @Test
    void tcpV1SendsTheTextLine() throws IOException {
        try (ServerSocket raw = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             Cli edge = Cli.server("edge", "--listen", "tcp://127.0.0.1:0", "--origin", origin(raw), "--proxy", "v1");
             Socket client = new Socket()) {
            raw.setSoTimeout(3000);
            client.connect(edge.address(), 3000);
            try (Socket up = raw.accept()) {
                up.setSoTimeout(3000);
                String line = new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                assertEquals("PROXY TCP4 127.0.0.1 127.0.0.1 " + client.getLocalPort() + " " + edge.address().getPort(), line);
            }
        }
    }

    @Test
    @SuppressWarnings("try")   // the edge is stopped early to read its counters
    void tcpOriginDownIsReportedAndTheClientClosed() throws IOException {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        try (Cli edge = Cli.server("edge", "--listen", "tcp://127.0.0.1:0", "--origin", "127.0.0.1:" + dead, "--proxy", "v2");
             Socket client = new Socket()) {
            client.connect(edge.address(), 3000);
            client.setSoTimeout(3000);
            assertEquals(-1, client.getInputStream().read());
            JsonNode error = edge.next("origin-error");
            assertEquals("127.0.0.1:" + dead, error.path("origin").asText());
            assertEquals("Connection refused", error.path("error").asText(), "the reason, not the native call");
            edge.close();
            JsonNode stopped = edge.next("stopped");
            assertEquals(1, stopped.path("connections").asInt());
            assertEquals(0, stopped.path("forwarded").asInt());
            assertEquals(1, stopped.path("originErrors").asInt());
        }
    }

    /** The UDP pieces: a client, a raw origin, and the edge between them. */
    private static final class Udp implements AutoCloseable {
        final DatagramSocket client = socket();
        final DatagramSocket origin = socket();
        final Cli edge;

        Udp(String... extra) {
            String[] args = {"edge", "--listen", "udp://127.0.0.1:0", "--origin", origin(origin)};
            String[] all = Arrays.copyOf(args, args.length + extra.length);
            System.arraycopy(extra, 0, all, args.length, extra.length);
            edge = Cli.server(all);
        }

        static DatagramSocket socket() {
            try {
                DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                s.setSoTimeout(3000);
                return s;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        void clientSends(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            client.send(new DatagramPacket(b, b.length, edge.address()));
        }

        DatagramPacket originReceives() throws IOException {
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            origin.receive(p);
            return p;
        }

        void originReplies(DatagramPacket to, byte[] data) throws IOException {
            origin.send(new DatagramPacket(data, data.length, to.getSocketAddress()));
        }

        String clientReceives() throws IOException {
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                client.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            edge.close();
            client.close();
            origin.close();
        }
    }

    private static byte[] body(DatagramPacket p) {
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void sppHeaderOnEveryDatagramAndTheEchoCheckedOnEveryReply() throws IOException {
        try (Udp udp = new Udp("--proxy", "spp")) {
            udp.clientSends("ping");
            DatagramPacket in = udp.originReceives();
            byte[] got = body(in);
            ByteBuf buf = Unpooled.wrappedBuffer(got);
            SppHeader h;
            try {
                h = SppHeader.decode(buf);
            } finally {
                buf.release();
            }
            assertEquals(udp.client.getLocalSocketAddress(), h.client());
            assertEquals(udp.edge.address(), h.proxy());
            assertEquals("ping", new String(got, 38, got.length - 38, StandardCharsets.UTF_8));
            JsonNode flow = udp.edge.next("flow");
            assertEquals("127.0.0.1:" + udp.client.getLocalPort(), flow.path("client").asText());

            byte[] header = Arrays.copyOf(got, 38);
            udp.originReplies(in, concat(header, "pong".getBytes(StandardCharsets.UTF_8)));
            assertEquals("pong", udp.clientReceives(), "a correct echo is stripped and delivered");

            udp.originReplies(in, "forgot the header".getBytes(StandardCharsets.UTF_8));
            JsonNode missing = udp.edge.next("bad-reply");
            assertEquals("MISSING_HEADER", missing.path("reason").asText());
            assertEquals(1, missing.path("count").asInt());

            byte[] swapped = SppHeader.of(h.proxy(), h.client()).toByteArray();
            udp.originReplies(in, concat(swapped, "x".getBytes(StandardCharsets.UTF_8)));
            JsonNode wrong = udp.edge.next("bad-reply");
            assertEquals("WRONG_HEADER", wrong.path("reason").asText());
            assertTrue(wrong.path("detail").asText().contains("swapped"), wrong.toString());

            byte[] otherPort = SppHeader.of(new InetSocketAddress(h.client().getAddress(), h.client().getPort() ^ 1),
                    h.proxy()).toByteArray();
            udp.originReplies(in, concat(otherPort, "y".getBytes(StandardCharsets.UTF_8)));
            JsonNode port = udp.edge.next("bad-reply");
            assertEquals("WRONG_HEADER", port.path("reason").asText());
            assertTrue(port.path("detail").asText().contains("client-port"), port.toString());
            udp.client.setSoTimeout(300);
            assertNull(udp.clientReceives(), "no bad reply reaches the client");

            udp.edge.close();
            JsonNode stopped = udp.edge.next("stopped");
            assertEquals(3, stopped.path("badReplies").asInt());
            assertEquals(1, stopped.path("replies").asInt());
        }
    }

    @Test
    void ppv2FirstPutsTheHeaderOnTheFirstDatagramOnly() throws IOException {
        try (Udp udp = new Udp("--proxy", "ppv2-first", "--tlv", "authority=game.example")) {
            udp.clientSends("one");
            DatagramPacket first = udp.originReceives();
            ProxyHeader h = parse(body(first));
            assertNotNull(h);
            assertEquals(ProxyHeader.Transport.DGRAM, h.transport());
            assertEquals(udp.client.getLocalSocketAddress(), h.sourceAddress());
            assertEquals("game.example", h.authority().orElseThrow());
            assertEquals("one", new String(body(first), h.headerLength(), first.getLength() - h.headerLength(),
                    StandardCharsets.UTF_8));
            udp.clientSends("two");
            assertEquals("two", new String(body(udp.originReceives()), StandardCharsets.UTF_8));
            udp.originReplies(first, "answer".getBytes(StandardCharsets.UTF_8));
            assertEquals("answer", udp.clientReceives(), "replies carry no header in PROXY v2 modes");
        }
    }

    @Test
    void ppv2FirstWithTheHeaderInADatagramOfItsOwn() throws IOException {
        try (Udp udp = new Udp("--proxy", "ppv2-first", "--separate-header")) {
            udp.clientSends("payload");
            byte[] first = body(udp.originReceives());
            ProxyHeader h = parse(first);
            assertEquals(first.length, h.headerLength(), "the first datagram is the header alone");
            assertEquals("payload", new String(body(udp.originReceives()), StandardCharsets.UTF_8));
        }
    }

    @Test
    void ppv2PutsTheHeaderOnEveryDatagram() throws IOException {
        try (Udp udp = new Udp("--proxy", "ppv2", "--crc32c")) {
            for (String s : new String[] {"a", "b"}) {
                udp.clientSends(s);
                byte[] got = body(udp.originReceives());
                ProxyHeader h = parse(got);
                assertTrue(h.tlv(ProxyTlv.CRC32C).isPresent());
                assertEquals(s, new String(got, h.headerLength(), got.length - h.headerLength(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void modesMustMatchTheTransport() {
        assertEquals(2, Cli.run("edge", "--listen", "tcp://127.0.0.1:0", "--origin", "127.0.0.1:1", "--proxy", "spp").status());
        assertEquals(2, Cli.run("edge", "--listen", "udp://127.0.0.1:0", "--origin", "127.0.0.1:1", "--proxy", "v2").status());
        assertEquals(2, Cli.run("edge", "--listen", "127.0.0.1:0", "--origin", "127.0.0.1:1", "--proxy", "v2").status());
        assertEquals(2, Cli.run("edge", "--listen", "tcp://127.0.0.1:0", "--origin", "127.0.0.1:1", "--proxy", "v1",
                "--tlv", "authority=x").status());
        assertEquals(2, Cli.run("edge", "--listen", "udp://127.0.0.1:0", "--origin", "127.0.0.1:1", "--proxy", "spp",
                "--crc32c").status());
        Cli help = Cli.run("edge", "--help");
        assertEquals(0, help.status());
        String text = help.text();
        for (String flag : new String[] {"--listen", "--origin", "--proxy", "--tlv", "--unique-id", "--crc32c"}) {
            assertTrue(text.contains(flag), flag);
        }
    }

    @Test
    void edgeInFrontOfTheTcpOriginTemplate() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "127.0.0.1");
             Cli edge = Cli.server("edge", "--listen", "tcp://127.0.0.1:0",
                     "--origin", "127.0.0.1:" + origin.address().getPort(), "--proxy", "v2");
             Socket client = new Socket()) {
            client.connect(edge.address(), 3000);
            client.setSoTimeout(3000);
            client.getOutputStream().write("hi\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new BufferedReader(new InputStreamReader(client.getInputStream())).readLine();
            assertEquals("client=127.0.0.1:" + client.getLocalPort() + " hi", answer);
            JsonNode connect = origin.next("connect");
            assertEquals("127.0.0.1:" + client.getLocalPort(), connect.path("client").asText());
            assertEquals("v2", connect.path("version").asText());
        }
    }

    @Test
    void manyTcpClientsThroughOneEdgeEachKeepTheirAddress() throws IOException {
        try (Cli origin = Cli.server("tcp-origin", "--port", "0", "--trust", "127.0.0.1");
             Cli edge = Cli.server("edge", "--listen", "tcp://127.0.0.1:0",
                     "--origin", "127.0.0.1:" + origin.address().getPort(), "--proxy", "v1")) {
            Socket[] clients = new Socket[5];
            try {
                for (int i = 0; i < clients.length; i++) {
                    clients[i] = new Socket();
                    clients[i].connect(edge.address(), 3000);
                    clients[i].setSoTimeout(3000);
                }
                for (int i = 0; i < clients.length; i++) {
                    clients[i].getOutputStream().write(("n" + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    String answer = new BufferedReader(new InputStreamReader(clients[i].getInputStream())).readLine();
                    assertEquals("client=127.0.0.1:" + clients[i].getLocalPort() + " n" + i, answer);
                }
            } finally {
                for (Socket c : clients) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
        }
    }

    @Test
    @SuppressWarnings("try")   // the edge is stopped early to read its counters
    void manyUdpClientsThroughOneSppEdgeToTheUdpOriginTemplate() throws IOException {
        try (Cli origin = Cli.server("udp-origin", "--port", "0", "--protocol", "spp", "--trust", "127.0.0.1");
             Cli edge = Cli.server("edge", "--listen", "udp://127.0.0.1:0",
                     "--origin", "127.0.0.1:" + origin.address().getPort(), "--proxy", "spp")) {
            DatagramSocket[] clients = new DatagramSocket[4];
            try {
                for (int i = 0; i < clients.length; i++) {
                    clients[i] = Udp.socket();
                    byte[] b = ("d" + i).getBytes(StandardCharsets.US_ASCII);
                    clients[i].send(new DatagramPacket(b, b.length, edge.address()));
                }
                for (int i = 0; i < clients.length; i++) {
                    DatagramPacket p = new DatagramPacket(new byte[512], 512);
                    clients[i].receive(p);
                    assertEquals("client=127.0.0.1:" + clients[i].getLocalPort() + " d" + i,
                            new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
                }
            } finally {
                for (DatagramSocket c : clients) {
                    if (c != null) {
                        c.close();
                    }
                }
            }
            edge.close();
            JsonNode stopped = edge.next("stopped");
            assertEquals(4, stopped.path("flows").asInt());
            assertEquals(4, stopped.path("replies").asInt());
            assertEquals(0, stopped.path("badReplies").asInt());
        }
    }

    @Test
    void anIdleUdpFlowExpiresAndTheNextDatagramSendsTheHeaderAgain() throws IOException {
        try (Udp udp = new Udp("--proxy", "ppv2-first", "--udp-idle-timeout", "200ms")) {
            udp.clientSends("one");
            assertNotNull(parse(body(udp.originReceives())));
            JsonNode expire = udp.edge.next("expire");
            assertEquals("127.0.0.1:" + udp.client.getLocalPort(), expire.path("client").asText());
            udp.clientSends("two");
            ProxyHeader again = parse(body(udp.originReceives()));
            assertNotNull(again, "a new flow starts with a header");
            assertEquals(udp.client.getLocalSocketAddress(), again.sourceAddress());
        }
    }
}
