package io.github.proxycodec.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A QUIC echo service built with Netty's QUIC codec, for the tests that put it behind the UDP
 * codecs: every stream the client opens is echoed back byte for byte, then closed by the server
 * once the client has closed its side. Certificates are made in memory for each run.
 */
final class QuicEcho {

    /** The application protocol both ends offer. */
    static final String ALPN = "proxy-codec-echo";
    /** Segments per segmented send when GSO is on. */
    static final int GSO_SEGMENTS = 10;
    private static final long MAX_DATA = 32L << 20;
    private static final long MAX_STREAM_DATA = 8L << 20;
    private static final long MAX_STREAMS = 100;

    private final X509Bundle authority;
    private final X509Bundle certificate;
    /** What the server's connections saw: their remote and local socket addresses. */
    final List<InetSocketAddress> remotes = new CopyOnWriteArrayList<>();
    final List<InetSocketAddress> locals = new CopyOnWriteArrayList<>();
    final List<QuicChannel> connections = new CopyOnWriteArrayList<>();

    QuicEcho() throws Exception {
        this.authority = new CertificateBuilder().subject("CN=proxy-codec QUIC test CA")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        this.certificate = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(authority);
    }

    /**
     * Returns the server's QUIC codec: at most {@code maxSendUdpPayloadSize} bytes per packet,
     * and segmented sends of {@link #GSO_SEGMENTS} when {@code gso}. It answers a first
     * Initial with a Retry, as a server exposed to the internet should.
     */
    ChannelHandler serverCodec(long maxSendUdpPayloadSize, boolean gso) {
        QuicSslContext ssl = QuicSslContextBuilder.forServer(certificate.getKeyPair().getPrivate(), null,
                certificate.getCertificatePath()).applicationProtocols(ALPN).build();
        QuicServerCodecBuilder b = new QuicServerCodecBuilder().sslContext(ssl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .maxSendUdpPayloadSize(maxSendUdpPayloadSize)
                .initialMaxData(MAX_DATA)
                .initialMaxStreamDataBidirectionalLocal(MAX_STREAM_DATA)
                .initialMaxStreamDataBidirectionalRemote(MAX_STREAM_DATA)
                .initialMaxStreamsBidirectional(MAX_STREAMS)
                .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
                .handler(new Connections())
                .streamOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .streamHandler(new EchoStream());
        if (gso) {
            b.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                    EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS));
        }
        return b.build();
    }

    /** Returns the client's QUIC codec, trusting the authority that issued the server's certificate. */
    ChannelHandler clientCodec() {
        QuicSslContext ssl = QuicSslContextBuilder.forClient().trustManager(authority.getCertificate())
                .endpointIdentificationAlgorithm(null) // by address, no server name: the chain is still checked
                .applicationProtocols(ALPN).build();
        return new QuicClientCodecBuilder().sslContext(ssl)
                .maxIdleTimeout(30, TimeUnit.SECONDS)
                .initialMaxData(MAX_DATA)
                .initialMaxStreamDataBidirectionalLocal(MAX_STREAM_DATA)
                .initialMaxStreamDataBidirectionalRemote(MAX_STREAM_DATA)
                .initialMaxStreamsBidirectional(MAX_STREAMS)
                .build();
    }

    /**
     * Opens a stream on {@code quic}, sends {@code data}, closes its side and returns a future
     * completed with true once exactly {@code data} came back and the server closed its side,
     * false on a difference or an early end.
     */
    static CompletableFuture<Boolean> echo(QuicChannel quic, byte[] data) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        quic.newStreamBootstrap().option(ChannelOption.ALLOW_HALF_CLOSURE, true).handler(new Expect(data, done))
                .create().addListener(f -> {
                    if (!f.isSuccess()) {
                        done.completeExceptionally(f.cause());
                        return;
                    }
                    QuicStreamChannel stream = (QuicStreamChannel) f.getNow();
                    stream.writeAndFlush(Unpooled.wrappedBuffer(data)).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
                });
        return done;
    }

    /** Records each server connection's addresses as it becomes active. */
    @ChannelHandler.Sharable
    private final class Connections extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            QuicChannel quic = (QuicChannel) ctx.channel();
            remotes.add((InetSocketAddress) quic.remoteSocketAddress());
            locals.add((InetSocketAddress) quic.localSocketAddress());
            connections.add(quic);
            ctx.fireChannelActive();
        }
    }

    /** Writes back what it reads; closes its side once the client closed its own. */
    @ChannelHandler.Sharable
    private static final class EchoStream extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg); // the buffer goes back out: its reference moves to the write
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                // After the echoed bytes still queued: a FIN sent at once would cut them off.
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
            }
            ctx.fireUserEventTriggered(evt);
        }
    }

    /** The client's side of one stream: checks every byte that comes back against what was sent. */
    private static final class Expect extends ChannelInboundHandlerAdapter {
        private final byte[] data;
        private final CompletableFuture<Boolean> done;
        private int received;

        Expect(byte[] data, CompletableFuture<Boolean> done) {
            this.data = data;
            this.done = done;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                ByteBuf b = (ByteBuf) msg;
                int n = b.readableBytes();
                if (received + n > data.length
                        || !Arrays.equals(data, received, received + n, bytes(b), 0, n)) {
                    done.complete(false);
                }
                received += n;
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static byte[] bytes(ByteBuf b) {
            byte[] out = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), out);
            return out;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                done.complete(received == data.length);
                ctx.close();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.complete(received == data.length);
            ctx.fireChannelInactive();
        }
    }
}
