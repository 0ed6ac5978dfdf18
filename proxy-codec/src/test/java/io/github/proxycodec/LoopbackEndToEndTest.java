package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.Transports;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The handler in a real server on loopback sockets (epoll where available, NIO otherwise):
 * a client sends a header then a line, and the server answers with the client address it saw.
 */
@Timeout(30)
class LoopbackEndToEndTest {

    private EventLoopGroup group;
    private Channel server;
    private final BlockingQueue<ProxyProtocolEvent> events = new LinkedBlockingQueue<>();

    static List<Transports> transports() {
        return Transports.available();
    }

    private InetSocketAddress start(Transports transport, ProxyProtocolConfig config) throws InterruptedException {
        group = transport.group(1);
        server = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ProxyProtocolHandler(config), new ClientEcho(events));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return (InetSocketAddress) server.localAddress();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close().sync();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static ProxyProtocolConfig trustLoopback() {
        return ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.1/32"))
                .headerTimeout(Duration.ofSeconds(3)).build();
    }

    private static byte[] encode(ProxyHeader h) {
        return ProxyHeaderEncoder.toByteArray(h);
    }

    @ParameterizedTest
    @MethodSource("transports")
    void v2ClientAddressReachesTheApplication(Transports transport) throws Exception {
        InetSocketAddress addr = start(transport, trustLoopback());
        ProxyHeader h = ProxyHeader.builder()
                .addresses(new InetSocketAddress("203.0.113.7", 4242), new InetSocketAddress("198.51.100.1", 443))
                .tlv(ProxyTlv.AUTHORITY, "example.com").crc32c().build();
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(encode(h));
            out.write("hello\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("client=203.0.113.7:4242 hello", in.readLine());
        }
        ProxyProtocolEvent e = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(e);
        assertEquals("example.com", e.header().authority().orElseThrow());
    }

    @ParameterizedTest
    @MethodSource("transports")
    void v1HeaderSplitAcrossSegmentsWithIpv6Client(Transports transport) throws Exception {
        InetSocketAddress addr = start(transport, trustLoopback());
        byte[] header = "PROXY TCP6 2001:db8::7 2001:db8::1 5555 443\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            s.setSoTimeout(5000);
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            out.write(header, 0, 9);
            out.flush();
            Thread.sleep(50);
            out.write(header, 9, header.length - 9);
            out.write("line one\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertEquals("client=[2001:db8::7]:5555 line one", in.readLine());
        }
    }

    @ParameterizedTest
    @MethodSource("transports")
    void badHeaderIsClosedWithoutAReply(Transports transport) throws Exception {
        InetSocketAddress addr = start(transport, trustLoopback());
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("PROXY TCP4 192.0.2.300 1.2.3.4 1 2\r\nhello\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertNull(readLineOrNull(in), "the connection is closed and nothing is answered");
        }
        ProxyProtocolEvent e = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(e);
        assertEquals(Reason.V1_INVALID_ADDRESS, e.reason());
    }

    @ParameterizedTest
    @MethodSource("transports")
    void untrustedPeerIsClosedAtOnce(Transports transport) throws Exception {
        InetSocketAddress addr = start(transport, ProxyProtocolConfig.defaults()); // Cloudflare only
        try (Socket s = new Socket(addr.getAddress(), addr.getPort())) {
            s.setSoTimeout(5000);
            assertEquals(-1, readOrEof(s), "closed without any byte sent");
        }
        ProxyProtocolEvent e = events.poll(5, TimeUnit.SECONDS);
        assertNotNull(e);
        assertEquals(Reason.UNTRUSTED_SOURCE, e.reason());
    }

    private static String readLineOrNull(BufferedReader in) {
        try {
            return in.readLine();
        } catch (IOException reset) {
            return null;
        }
    }

    private static int readOrEof(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (IOException reset) {
            return -1;
        }
    }

    /** Answers every read with {@code client=<ip>:<port> } and the bytes read. */
    private static final class ClientEcho extends ChannelInboundHandlerAdapter {
        private final BlockingQueue<ProxyProtocolEvent> events;

        ClientEcho(BlockingQueue<ProxyProtocolEvent> events) {
            this.events = events;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyProtocolEvent) {
                events.add((ProxyProtocolEvent) evt);
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            InetSocketAddress client = ProxyProtocol.clientAddress(ctx.channel());
            String who = "client=" + NetUtil.toSocketAddressString(client) + " ";
            ByteBuf reply = ctx.alloc().buffer();
            reply.writeCharSequence(who, StandardCharsets.US_ASCII);
            reply.writeBytes((ByteBuf) msg);
            ((ByteBuf) msg).release();
            ctx.writeAndFlush(reply);
        }
    }
}
