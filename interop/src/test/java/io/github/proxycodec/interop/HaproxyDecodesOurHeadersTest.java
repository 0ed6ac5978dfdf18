package io.github.proxycodec.interop;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our encoder writes, HAProxy 2.6 decodes with {@code accept-proxy} and logs what it believed.
 * HAProxy verifies a CRC32C TLV, so it also judges our checksum.
 */
@Timeout(60)
class HaproxyDecodesOurHeadersTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] PAYLOAD = "hello\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Haproxy.Running haproxy;
    private InetSocketAddress listener;

    @AfterEach
    void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
    }

    private void startDecoder() throws Exception {
        listener = new InetSocketAddress(Loopback.V4, Loopback.freeTcpPort(Loopback.V4));
        haproxy = Haproxy.start(dir, ""
                + "frontend decode\n"
                + "    bind " + Loopback.text(listener) + " accept-proxy\n"
                + "    log-format \"DECODED ci=%ci cp=%cp fi=%fi fp=%fp authority=%[fc_pp_authority]"
                + " uid=%[fc_pp_unique_id]\"\n"
                + "    tcp-request content reject\n");
    }

    private void send(byte[] bytes) throws Exception {
        try (Socket s = Loopback.connectFrom(Loopback.V4, listener)) {
            Loopback.write(s, bytes);
            Loopback.readLine(s); // HAProxy closes once it has decided
        }
    }

    private static Pattern decodedLine(int sourcePort) {
        return Pattern.compile("^DECODED ci=(\\S+) cp=" + sourcePort + " fi=(\\S+) fp=(\\d+) authority=(\\S+) uid=(\\S+)$");
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
        "V1, 203.0.113.7, 198.51.100.1, 40001",
        "V1, 2001:db8::7, 2001:db8::1,  40002",
        "V2, 203.0.113.7, 198.51.100.1, 40003",
        "V2, 2001:db8::7, 2001:db8::1,  40004",
    })
    void haproxyLogsTheAddressesAndTlvsWeEncoded(ProxyHeader.Version version, String src, String dst, int srcPort)
            throws Exception {
        startDecoder();
        InetSocketAddress source = new InetSocketAddress(src, srcPort);
        InetSocketAddress destination = new InetSocketAddress(dst, 443);
        ProxyHeader header = version == ProxyHeader.Version.V1
                ? Headers.v1(source, destination)
                : Headers.v2WithTlvs(source, destination);

        send(Headers.concat(Headers.encode(header), PAYLOAD));

        Matcher m = haproxy.process.awaitLine(decodedLine(srcPort), WAIT);
        assertEquals(src, m.group(1));
        assertEquals(dst, m.group(2));
        assertEquals("443", m.group(3));
        assertEquals(version == ProxyHeader.Version.V1 ? "-" : Headers.AUTHORITY, m.group(4));
        assertEquals(version == ProxyHeader.Version.V1 ? "-" : Headers.UNIQUE_ID, m.group(5));
    }

    @Test
    void theEncoderInANettyClientPipelineIsUnderstoodByHaproxy() throws Exception {
        startDecoder();
        InetSocketAddress source = new InetSocketAddress("2001:db8::42", 40005);
        InetSocketAddress destination = new InetSocketAddress("2001:db8::1", 8443);
        EventLoopGroup group = Transports.NIO.group(1);
        try {
            Channel ch = new Bootstrap().group(group).channel(Transports.NIO.socketChannel())
                    .handler(ProxyHeaderEncoder.INSTANCE)
                    .connect(listener).sync().channel();
            // As the encoder's Javadoc shows: write the header once, before any client byte.
            // (This HAProxy closes as soon as it has logged the header, so no payload follows.)
            ch.writeAndFlush(Headers.v2WithTlvs(source, destination)).sync();
            ch.closeFuture().await(WAIT.toMillis());
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        Matcher m = haproxy.process.awaitLine(decodedLine(40005), WAIT);
        assertEquals("2001:db8::42", m.group(1));
        assertEquals("2001:db8::1", m.group(2));
        assertEquals("8443", m.group(3));
        assertEquals(Headers.AUTHORITY, m.group(4));
        assertEquals(Headers.UNIQUE_ID, m.group(5));
    }

    @Test
    void haproxyRefusesOurHeaderWithAWrongCrc32cAndAcceptsTheRightOne() throws Exception {
        startDecoder();
        InetSocketAddress destination = new InetSocketAddress("198.51.100.1", 443);
        byte[] bad = Headers.encode(Headers.v2WithTlvs(new InetSocketAddress("203.0.113.8", 40010), destination));
        bad[bad.length - 1] ^= 0x01; // the CRC32C TLV is last: flip a bit of its value
        byte[] good = Headers.encode(Headers.v2WithTlvs(new InetSocketAddress("203.0.113.9", 40011), destination));

        send(Headers.concat(bad, PAYLOAD));
        // HAProxy has read the addresses when it checks the CRC, so its error names our client.
        haproxy.process.awaitLine(
                Pattern.compile("^203\\.0\\.113\\.8:40010 .*Received an invalid PROXY protocol header"), WAIT);
        send(Headers.concat(good, PAYLOAD));
        haproxy.process.awaitLine(decodedLine(40011), WAIT);

        assertTrue(haproxy.process.linesMatching(l -> decodedLine(40010).matcher(l).find()).isEmpty(),
                "the header with the wrong CRC32C was refused: " + haproxy.process.output());
    }
}
