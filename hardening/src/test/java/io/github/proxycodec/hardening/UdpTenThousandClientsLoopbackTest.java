package io.github.proxycodec.hardening;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.Transports;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ten thousand SPP clients on real loopback sockets: four edge sockets (like one colo's ports)
 * carry them, in shuffled order, to an origin whose application answers {@code packet.sender()}.
 * Every reply comes back to the edge socket its client used, carrying that client's own 38
 * bytes and that client's own payload; all ten thousand flows are live at the end.
 */
class UdpTenThousandClientsLoopbackTest {

    private static final int CLIENTS = 10_000;
    private static final int EDGES = 4;
    /** Datagrams in flight per edge socket: well under the socket buffers, so loopback drops nothing. */
    private static final int WINDOW = 64;

    @Test
    @Timeout(120)
    void everyReplyCarriesItsOwnClientsHeaderBackToItsOwnEdgeSocket() throws Exception {
        Transports transport = Transports.preferred();
        EventLoopGroup group = transport.group(1);
        List<SppCodec> codec = new ArrayList<>();
        DatagramSocket[] edges = new DatagramSocket[EDGES];
        try {
            Channel origin = new Bootstrap()
                    .group(group)
                    .channel(transport.datagramChannel())
                    .option(ChannelOption.SO_RCVBUF, 1 << 20)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            SppCodec spp = new SppCodec(UdpProxyConfig.builder()
                                    .trustedEdges(TrustedProxies.of("127.0.0.1/32")).build());
                            codec.add(spp);
                            ch.pipeline().addLast(spp, new Echo());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            InetSocketAddress originAddress = (InetSocketAddress) origin.localAddress();
            for (int e = 0; e < EDGES; e++) {
                edges[e] = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                edges[e].setSoTimeout(5000);
                edges[e].setReceiveBufferSize(1 << 20);
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(10_000));

            int checked = 0;
            byte[] buf = new byte[2048];
            for (int at = 0; at < CLIENTS; at += WINDOW * EDGES) {
                int end = Math.min(CLIENTS, at + WINDOW * EDGES);
                int[] sentPerEdge = new int[EDGES];
                for (int k = at; k < end; k++) {
                    int i = order.get(k);
                    byte[] datagram = ByteArrays.concat(header(i).toByteArray(), payload(i));
                    edges[i % EDGES].send(new java.net.DatagramPacket(datagram, datagram.length, originAddress));
                    sentPerEdge[i % EDGES]++;
                }
                for (int e = 0; e < EDGES; e++) {
                    for (int n = 0; n < sentPerEdge[e]; n++) {
                        java.net.DatagramPacket reply = new java.net.DatagramPacket(buf, buf.length);
                        edges[e].receive(reply);
                        byte[] wire = Arrays.copyOf(reply.getData(), reply.getLength());
                        String text = new String(wire, SppHeader.LENGTH, wire.length - SppHeader.LENGTH,
                                StandardCharsets.US_ASCII);
                        int i = Integer.parseInt(text.substring(text.indexOf(' ') + 1));
                        assertEquals(e, i % EDGES, "client " + i + "'s reply came back to its own edge socket");
                        assertArrayEquals(header(i).toByteArray(), Arrays.copyOf(wire, SppHeader.LENGTH),
                                "client " + i + "'s reply carries its own header");
                        assertEquals("answer " + i, text);
                        checked++;
                    }
                }
            }
            assertEquals(CLIENTS, checked);
            assertEquals(CLIENTS, codec.get(0).flows(), "ten thousand live flows at once");
            assertEquals(0, codec.get(0).drops());
            assertEquals(0, codec.get(0).evictions());
            System.out.printf("UDP loopback (%s): %,d concurrent SPP clients through %d edge sockets, %,d replies "
                    + "each with its own client's header%n", transport, CLIENTS, EDGES, checked);
            origin.close().sync();
        } finally {
            for (DatagramSocket s : edges) {
                if (s != null) {
                    s.close();
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static SppHeader header(int i) {
        return SppHeader.of(UdpFloodTest.client(i), Bytes.addr("198.51.100.1", 53));
    }

    private static byte[] payload(int i) {
        return ByteArrays.ascii("query " + i);
    }

    /** The application: answers the real client with "answer" and the number in its query. */
    private static final class Echo extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            String query = packet.content().toString(StandardCharsets.US_ASCII);
            String answer = "answer " + query.substring(query.indexOf(' ') + 1);
            ctx.writeAndFlush(new DatagramPacket(ctx.alloc().buffer().writeBytes(ByteArrays.ascii(answer)), packet.sender()));
        }
    }
}
