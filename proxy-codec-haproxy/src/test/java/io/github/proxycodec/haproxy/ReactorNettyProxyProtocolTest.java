package io.github.proxycodec.haproxy;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.TrustedProxies;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.ProxyProtocolSupportType;
import reactor.netty.resources.LoopResources;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real reactor-netty HTTP server (what Spring Boot 4 runs on) behind our handler, on
 * loopback: {@code request.remoteAddress()} is the client the header names.
 *
 * <p>reactor-netty's {@code remoteAddress()} reads a channel attribute that its own
 * {@code HAProxyMessageReader} sets from a Netty {@code HAProxyMessage}, and that reader is only
 * installed with {@code proxyProtocol(ON)}. So the server turns it on and, in
 * {@code doOnChannelInit} (which runs after reactor's own pipeline set-up), puts our handler and
 * the bridge in the place of Netty's decoder; reactor's reader stays after them.
 */
class ReactorNettyProxyProtocolTest {

    private static final String REQUEST = "GET / HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
    private static final ProxyProtocolConfig TRUST_LOOPBACK = ProxyProtocolConfig.builder()
            .trustedProxies(TrustedProxies.of("127.0.0.0/8")).build();
    private static LoopResources loops;

    /** The pipeline of each connection ({@code name=Class}), right after our hook ran. */
    private final List<List<String>> pipelines = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void loops() {
        loops = LoopResources.create("reactor-netty-test", 1, 1, true);
    }

    @AfterAll
    static void stopLoops() {
        loops.disposeLater().block(Duration.ofSeconds(10));
    }

    private DisposableServer start(ProxyProtocolConfig config) {
        return HttpServer.create().host("127.0.0.1").port(0).runOn(loops)
                .proxyProtocol(ProxyProtocolSupportType.ON)
                .doOnChannelInit((observer, channel, remote) -> {
                    HAProxyMessageBridge.replace(channel.pipeline(), NettyPipeline.ProxyProtocolDecoder, config);
                    List<String> names = new ArrayList<>();
                    channel.pipeline().forEach(e -> names.add(e.getKey() + "=" + e.getValue().getClass().getSimpleName()));
                    pipelines.add(names);
                })
                .handle((request, response) -> response.sendString(Mono.just("client=" + text(request.remoteAddress()))))
                .bindNow(Duration.ofSeconds(10));
    }

    private static String text(SocketAddress a) {
        InetSocketAddress i = (InetSocketAddress) a;
        return NetUtil.toSocketAddressString(
                new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(i.getHostString()), i.getPort()));
    }

    private static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
    }

    /** Connects, writes {@code bytes}, and returns all that the server sends until it closes. */
    private static String exchange(DisposableServer server, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(server.address(), 5000);
            s.setSoTimeout(10_000); // a bound, not a wait: the server answers or closes at once
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                OutputStream out = s.getOutputStream();
                out.write(bytes);
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketException reset) {
                // the server closed first (a refusal): like an end of stream, for writes and reads alike
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }

    private static byte[] headerThenRequest(ProxyHeader header) {
        byte[] h = ProxyHeaderEncoder.toByteArray(header);
        byte[] r = REQUEST.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[h.length + r.length];
        System.arraycopy(h, 0, out, 0, h.length);
        System.arraycopy(r, 0, out, h.length, r.length);
        return out;
    }

    @Test
    void behindAV1HeaderRemoteAddressIsTheRealClient() throws IOException {
        DisposableServer server = start(TRUST_LOOPBACK);
        try {
            String answer = exchange(server, headerThenRequest(ProxyHeader.builder().version(ProxyHeader.Version.V1)
                    .addresses(addr("192.0.2.10", 12345), addr("198.51.100.20", 443)).build()));
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("client=192.0.2.10:12345"), answer);
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }

    @Test
    void behindAV2HeaderRemoteAddressIsTheRealClient() throws IOException {
        DisposableServer server = start(TRUST_LOOPBACK);
        try {
            String answer = exchange(server, headerThenRequest(ProxyHeader.builder()
                    .addresses(addr("2001:db8::10", 23456), addr("2001:db8::20", 8443)).crc32c().build()));
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("client=[2001:db8::10]:23456"), answer);
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }

    @Test
    void ourHandlerTakesTheDecodersPlaceAndReactorsReaderFollowsTheBridge() throws IOException {
        DisposableServer server = start(TRUST_LOOPBACK);
        try {
            exchange(server, headerThenRequest(ProxyHeader.builder()
                    .addresses(addr("192.0.2.10", 12345), addr("198.51.100.20", 443)).build()));
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
        List<String> names = pipelines.get(0);
        assertEquals(NettyPipeline.ProxyProtocolDecoder + "=ProxyProtocolHandler", names.get(0), names.toString());
        assertTrue(names.get(1).endsWith("=HAProxyMessageBridge"), names.toString());
        assertTrue(names.get(2).startsWith(NettyPipeline.ProxyProtocolReader + "="), names.toString());
        assertFalse(names.stream().anyMatch(n -> n.endsWith("=HAProxyMessageDecoder")), names.toString());
    }

    @Test
    void anUntrustedPeersHeaderIsRefusedWithNoHttpAnswer() throws IOException {
        DisposableServer server = start(ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("10.0.0.0/8")).build());
        try {
            String answer = exchange(server, headerThenRequest(ProxyHeader.builder()
                    .addresses(addr("192.0.2.10", 12345), addr("198.51.100.20", 443)).build()));
            assertEquals("", answer, "the connection is closed without an answer");
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }

    @Test
    void aHeaderThatDoesNotCompleteInTimeClosesTheConnection() throws IOException {
        DisposableServer server = start(TRUST_LOOPBACK.toBuilder().headerTimeout(Duration.ofMillis(200)).build());
        try {
            String answer = exchange(server, "PROXY TCP4 192.0.2.10 ".getBytes(StandardCharsets.US_ASCII));
            assertEquals("", answer, "closed by the header timeout, before any answer");
        } finally {
            server.disposeNow(Duration.ofSeconds(10));
        }
    }
}
