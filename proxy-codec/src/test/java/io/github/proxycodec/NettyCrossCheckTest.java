package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.github.proxycodec.testing.ByteArrays.bytes;
import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.V2Bytes.tlv;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cross-checks against Netty's own {@code codec-haproxy}: what its encoder writes our parser reads
 * to the same fields, and what our encoder writes its decoder reads to the same fields.
 */
class NettyCrossCheckTest {

    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder().allowDatagramTransport(true).build();

    /**
     * The fields both libraries expose, in one comparable shape: addresses as literals (IP) or
     * paths (UNIX), TLVs flattened as Netty does (an SSL TLV followed by its sub-TLVs), as hex.
     */
    record Fields(String version, String command, String protocol, Object source, Object destination,
                  int sourcePort, int destinationPort, List<String> tlvs) {

        static Fields of(HAProxyMessage m) {
            HAProxyProxiedProtocol p = m.proxiedProtocol();
            Object src = null;
            Object dst = null;
            switch (p.addressFamily()) {
                case AF_IPv4:
                case AF_IPv6:
                    src = VectorComments.literal(m.sourceAddress());
                    dst = VectorComments.literal(m.destinationAddress());
                    break;
                case AF_UNIX:
                    src = m.sourceAddress();
                    dst = m.destinationAddress();
                    break;
                default:
                    break;
            }
            List<String> tlvs = new ArrayList<>();
            List<HAProxyTLV> nested = new ArrayList<>();
            for (HAProxyTLV t : m.tlvs()) {
                if (nested.stream().anyMatch(n -> n == t)) {
                    continue; // Netty's decoder also lists sub-TLVs at the top level
                }
                if (t instanceof HAProxySSLTLV) {
                    HAProxySSLTLV ssl = (HAProxySSLTLV) t;
                    tlvs.add(ssl(ssl.client() & 0xFF, ssl.verify() & 0xFFFFFFFFL));
                    for (HAProxyTLV sub : ssl.encapsulatedTLVs()) {
                        tlvs.add(tlv(sub.typeByteValue() & 0xFF, ByteBufUtil.hexDump(sub.content())));
                        nested.add(sub);
                    }
                } else {
                    tlvs.add(tlv(t.typeByteValue() & 0xFF, ByteBufUtil.hexDump(t.content())));
                }
            }
            return new Fields(m.protocolVersion().name(), m.command().name(), p.name(), src, dst,
                    m.sourcePort(), m.destinationPort(), tlvs);
        }

        static Fields of(ProxyHeader h) {
            String protocol;
            if (h.command() == Command.LOCAL || h.family() == Family.UNSPEC) {
                protocol = "UNKNOWN"; // Netty reports LOCAL as UNKNOWN whatever family it names
            } else {
                boolean dgram = h.transport() == Transport.DGRAM;
                switch (h.family()) {
                    case INET: protocol = dgram ? "UDP4" : "TCP4"; break;
                    case INET6: protocol = dgram ? "UDP6" : "TCP6"; break;
                    default: protocol = dgram ? "UNIX_DGRAM" : "UNIX_STREAM"; break;
                }
            }
            Object src = h.sourceAddress() != null ? h.sourceAddress().getAddress() : h.sourcePath();
            Object dst = h.destinationAddress() != null ? h.destinationAddress().getAddress() : h.destinationPath();
            List<String> tlvs = new ArrayList<>();
            for (ProxyTlv t : h.tlvs()) {
                if (t.type() == ProxyTlv.SSL) {
                    ProxySslInfo ssl = h.ssl().orElseThrow();
                    tlvs.add(ssl(ssl.clientFlags(), ssl.verifyResult()));
                    for (ProxyTlv sub : ssl.subTlvs()) {
                        tlvs.add(tlv(sub.type(), sub.valueAsHex()));
                    }
                } else {
                    tlvs.add(tlv(t.type(), t.valueAsHex()));
                }
            }
            return new Fields(h.version().name(), h.command().name(), protocol, src, dst,
                    h.sourceAddress() != null ? h.sourceAddress().getPort() : 0,
                    h.destinationAddress() != null ? h.destinationAddress().getPort() : 0, tlvs);
        }

        private static String tlv(int type, String hex) {
            return String.format("0x%02X %s", type, hex);
        }

        private static String ssl(int client, long verify) {
            return String.format("0x20 client=0x%02X verify=%d", client, verify);
        }
    }

    // ------------------------------------------------------------ Netty writes, we read

    @Test
    void nettyV1Tcp4ReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, "192.0.2.10", "198.51.100.20", 12345, 443));
    }

    @Test
    void nettyV1Tcp6ReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP6, "2001:db8::10", "2001:db8::20", 23456, 8443));
    }

    @Test
    void nettyV2Tcp4WithTlvsReadsTheSame() {
        List<HAProxyTLV> subs = List.of(
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_SSL_VERSION, ascii("TLSv1.3")),
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_SSL_CN, ascii("client.example")));
        List<HAProxyTLV> tlvs = List.of(
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_ALPN, ascii("h2")),
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, ascii("example.com")),
                new HAProxySSLTLV(0, (byte) 0x07, subs),
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_NETNS, ascii("blue")),
                new HAProxyTLV((byte) 0xF5, Unpooled.copiedBuffer(bytes(0xde, 0xad, 0xbe, 0xef))));
        try {
            ProxyHeader h = assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2,
                    HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4, "192.0.2.10", "198.51.100.20", 12345, 443, tlvs));
            assertEquals("h2", h.alpn().orElseThrow());
            assertEquals("client.example", h.ssl().orElseThrow().commonName().orElseThrow());
        } finally {
            subs.forEach(ReferenceCountUtil::release); // a message releases only its top-level TLVs
        }
    }

    @Test
    void nettyV2Tcp6WithTlvsReadsTheSame() {
        List<HAProxyTLV> tlvs = List.of(
                new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, ascii("example.com")),
                new HAProxyTLV((byte) ProxyTlv.UNIQUE_ID, ascii("uid-42")));
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP6, "2001:db8::10", "2001:db8::20", 23456, 8443, tlvs));
    }

    @Test
    void nettyV2Udp4ReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.UDP4, "192.0.2.10", "198.51.100.20", 53000, 53));
    }

    @Test
    void nettyV2UnixReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.UNIX_STREAM, "/var/run/client.sock", "/run/server.sock", 0, 0));
    }

    @Test
    void nettyV2LocalReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    }

    @Test
    void nettyV2ProxyUnknownReadsTheSame() {
        assertWeReadWhatNettyWrites(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    }

    // ------------------------------------------------------------ we write, Netty reads

    private static final InetSocketAddress SRC4 = new InetSocketAddress(VectorComments.literal("192.0.2.10"), 12345);
    private static final InetSocketAddress DST4 = new InetSocketAddress(VectorComments.literal("198.51.100.20"), 443);
    private static final InetSocketAddress SRC6 = new InetSocketAddress(VectorComments.literal("2001:db8::10"), 23456);
    private static final InetSocketAddress DST6 = new InetSocketAddress(VectorComments.literal("2001:db8::20"), 8443);

    @Test
    void ourV1Tcp4ReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().version(Version.V1).addresses(SRC4, DST4).build());
    }

    @Test
    void ourV1Tcp6ReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().version(Version.V1).addresses(SRC6, DST6).build());
    }

    @Test
    void ourV1UnknownReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().version(Version.V1).build());
    }

    @Test
    void ourV2Tcp4WithTlvsAndCrc32cReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().addresses(SRC4, DST4)
                .tlv(ProxyTlv.ALPN, "h2").tlv(ProxyTlv.AUTHORITY, "example.com").crc32c()
                .tlv(ProxyTlv.NETNS, "blue").tlv(0xF5, bytes(1, 2, 3)).build());
    }

    @Test
    void ourV2Tcp6WithSslReadsTheSameInNetty() {
        byte[] ssl = concat(bytes(0x05, 0, 0, 0, 1), tlv(ProxyTlv.SSL_VERSION, "TLSv1.2"),
                tlv(ProxyTlv.SSL_CN, "client.example"), tlv(ProxyTlv.SSL_CIPHER, "ECDHE-RSA-AES128-GCM-SHA256"));
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().addresses(SRC6, DST6)
                .tlv(ProxyTlv.SSL, ssl).tlv(ProxyTlv.UNIQUE_ID, "uid-42").build());
    }

    @Test
    void ourV2Udp6ReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().addresses(SRC6, DST6).transport(Transport.DGRAM).build());
    }

    @Test
    void ourV2Ipv4MappedInet6ReadsAsTheSameAddressInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().family(Family.INET6).addresses(SRC4, DST4).build());
    }

    @Test
    void ourV2UnixReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().paths("/var/run/client.sock", "/run/server.sock")
                .tlv(ProxyTlv.AUTHORITY, "example.com").build());
    }

    @Test
    void ourV2LocalReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().command(Command.LOCAL).build());
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().command(Command.LOCAL).addresses(SRC4, DST4).build());
    }

    @Test
    void ourV2UnspecProxyReadsTheSameInNetty() {
        assertNettyReadsWhatWeWrite(ProxyHeader.builder().build());
    }

    // ------------------------------------------------------------ helpers

    /** Encodes {@code msg} with Netty (which releases it), parses the bytes with ours, compares. */
    private static ProxyHeader assertWeReadWhatNettyWrites(HAProxyMessage msg) {
        Fields expected = Fields.of(msg); // before encoding: Netty's encoder consumes TLV contents
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        assertTrue(ch.writeOutbound(msg));
        assertEquals(0, msg.refCnt(), "the encoder released the message");
        ByteBuf wire = ch.readOutbound();
        try {
            ProxyHeader h = PARSER.parse(wire);
            assertNotNull(h, "a complete header");
            assertEquals(wire.readableBytes(), h.headerLength(), "Netty wrote exactly one header");
            assertEquals(expected, Fields.of(h));
            return h;
        } finally {
            wire.release();
            assertFalse(ch.finish(), "nothing left over");
        }
    }

    /** Encodes {@code h} with ours, decodes the bytes (and a payload) with Netty, compares. */
    private static void assertNettyReadsWhatWeWrite(ProxyHeader h) {
        byte[] payload = "PING\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuf wire = Unpooled.buffer();
        ProxyHeaderEncoder.encode(h, wire);
        ProxyHeader ours;
        try {
            ours = PARSER.parse(wire);
        } catch (RuntimeException e) {
            wire.release();
            throw e;
        }
        wire.writeBytes(payload);

        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        assertTrue(ch.writeInbound(wire));
        HAProxyMessage m = ch.readInbound();
        ByteBuf rest = ch.readInbound();
        try {
            assertInstanceOf(HAProxyMessage.class, m);
            assertEquals(Fields.of(ours), Fields.of(m));
            assertArrayEquals(payload, ByteBufUtil.getBytes(rest), "the bytes after the header flow on");
            assertTrue(ch.pipeline().get(HAProxyMessageDecoder.class) == null, "Netty's decoder removed itself");
        } finally {
            m.release();
            rest.release();
            assertFalse(ch.finish(), "nothing left over");
        }
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
