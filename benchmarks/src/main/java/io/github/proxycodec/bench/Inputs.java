package io.github.proxycodec.bench;

import io.github.proxycodec.udp.SppHeader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;

/**
 * Headers captured from HAProxy 2.6 (the project's test vectors, header bytes only), shared by
 * every benchmark so both libraries parse exactly the same bytes.
 */
final class Inputs {

    private Inputs() {
    }

    /** Returns the header bytes of a named input. */
    static byte[] header(String name) {
        switch (name) {
            case "v1-tcp4": // PROXY TCP4 127.0.0.1 127.0.0.1 50001 41701\r\n
                return hex("50524f58592054435034203132372e302e302e31203132372e302e302e312035303030312034313730310d0a");
            case "v1-tcp6": // PROXY TCP6 ::1 ::1 50011 41711\r\n
                return hex("50524f58592054435036203a3a31203a3a312035303031312034313731310d0a");
            case "v1-tcp4-longest": // PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n
                return hex("50524f58592054435034203235352e3235352e3235352e323535203235352e32"
                        + "35352e3235352e3235352036353533352036353533350d0a");
            case "v1-tcp6-longest": // PROXY TCP6, two 8-group addresses of 39 characters, ports 65535
                return hex("50524f5859205443503620323030313a306462383a383561333a303864333a31"
                        + "3331393a386132653a303337303a3733343420323030313a306462383a383561"
                        + "333a303864333a313331393a386132653a303337303a37333438203635353335"
                        + "2036353533350d0a");
            case "v2-tcp4": // v2 PROXY INET STREAM 127.0.0.1:50002 -> 127.0.0.1:41702
                return hex("0d0a0d0a000d0a515549540a2111000c7f0000017f000001c352a2e6");
            case "v2-tls-crc": // v2 with CRC32C, AUTHORITY, UNIQUE_ID and SSL (5 sub-TLVs)
                return hex("0d0a0d0a000d0a515549540a211100a47f0000017f000001c354a2e8030004b0"
                        + "bfc82502000a70726f78792e7465737405002e37463030303030313a43333534"
                        + "5f37463030303030313a413245385f36423043413038325f303030363a314244"
                        + "332000500700000000210007544c5376312e3322000e636c69656e742e657861"
                        + "6d706c65250007525341323034382400" + "0a5253412d534841323536230016544c"
                        + "535f4145535f3235365f47434d5f5348" + "413338" + "34");
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /** Returns a direct buffer (as a socket read delivers) holding {@code bytes}. */
    static ByteBuf direct(byte[] bytes) {
        ByteBuf b = Unpooled.directBuffer(bytes.length);
        b.writeBytes(bytes);
        return b;
    }

    /**
     * One datagram ({@code datagram}, owned by the call) from {@code edge} into {@code ch}, and
     * what came out echoed back to its {@code sender()}, as an unchanged UDP server does; returns
     * the reply, to be released. The reply carries the very payload buffer that came out (which
     * {@code SppCodec} sends in place), or with {@code newBuffer} a copy of it in a buffer of its
     * own, as a server that builds its answer does (which the codec copies behind the header).
     */
    static DatagramPacket echo(EmbeddedChannel ch, ByteBuf datagram, InetSocketAddress local, InetSocketAddress edge,
                               boolean newBuffer) {
        ch.writeInbound(new DatagramPacket(datagram, local, edge));
        DatagramPacket in = ch.readInbound();
        ByteBuf payload = in.content();
        if (newBuffer) {
            payload = ch.alloc().buffer(payload.readableBytes()).writeBytes(payload);
            in.release();
        }
        ch.writeOutbound(new DatagramPacket(payload, in.sender()));
        return ch.readOutbound();
    }

    /** {@link #echo}, returning the reply's length after releasing it. */
    static int echoLength(EmbeddedChannel ch, ByteBuf datagram, InetSocketAddress local, InetSocketAddress edge,
                          boolean newBuffer) {
        DatagramPacket reply = echo(ch, datagram, local, edge, newBuffer);
        int n = reply.content().readableBytes();
        reply.release();
        return n;
    }

    /**
     * The SPP datagram of the {@code i}-th of many distinct clients (198.18.0.0/15, a port per
     * client), through one proxy address, carrying {@code payload}.
     */
    static byte[] sppDatagram(int i, byte[] payload) {
        try {
            InetSocketAddress client = new InetSocketAddress(java.net.InetAddress.getByAddress(
                    new byte[] {(byte) 198, (byte) (18 + (i >>> 16 & 1)), (byte) (i >>> 8), (byte) i}), 1024 + i % 60000);
            byte[] h = SppHeader.of(client, new InetSocketAddress("203.0.113.1", 53)).toByteArray();
            byte[] d = java.util.Arrays.copyOf(h, h.length + payload.length);
            System.arraycopy(payload, 0, d, h.length, payload.length);
            return d;
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong array length
        }
    }

    static byte[] hex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
