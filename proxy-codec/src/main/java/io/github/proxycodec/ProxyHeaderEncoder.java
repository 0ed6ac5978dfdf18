package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Writes a {@link ProxyHeader} as a PROXY v1 line or a v2 binary header, for proxies and clients
 * built on Netty, test tools and the edge stand-in.
 *
 * <p>v2 TLVs are written in the header's order. If the header has a CRC32C TLV, its value is
 * replaced by the checksum of the whole header as written. IPv4 addresses in an INET6 header
 * are written IPv4-mapped. A LOCAL header with a family but no addresses gets a zeroed block.
 *
 * <pre>{@code
 * // In a proxy's backend pipeline: write the header once, before any client byte.
 * ch.pipeline().addLast(ProxyHeaderEncoder.INSTANCE);
 * ch.writeAndFlush(ProxyHeader.builder().addresses(client, local).crc32c().build());
 * }</pre>
 */
@Sharable
public final class ProxyHeaderEncoder extends MessageToByteEncoder<ProxyHeader> {

    /** The shareable instance. */
    public static final ProxyHeaderEncoder INSTANCE = new ProxyHeaderEncoder();

    private ProxyHeaderEncoder() {
        super(ProxyHeader.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ProxyHeader msg, ByteBuf out) {
        encode(msg, out);
    }

    /** Returns a new buffer holding {@code header} as written on the wire; the caller owns it. */
    public static ByteBuf encode(ByteBufAllocator alloc, ProxyHeader header) {
        ByteBuf out = alloc.buffer(encodedLength(header));
        try {
            encode(header, out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * Returns {@code header} as written on the wire, in a new array: for tests, simulators and
     * clients that write plain bytes.
     *
     * @throws IllegalArgumentException if the header cannot be expressed
     */
    public static byte[] toByteArray(ProxyHeader header) {
        ByteBuf out = Unpooled.buffer(encodedLength(header));
        encode(header, out);
        return ByteBufUtil.getBytes(out); // a heap buffer: nothing to release
    }

    /**
     * Appends {@code header} to {@code out} at its writer index.
     *
     * @throws IllegalArgumentException if the header cannot be expressed (e.g. a v2 header over 65535 bytes)
     */
    public static void encode(ProxyHeader header, ByteBuf out) {
        if (header.version() == Version.V1) {
            encodeV1(header, out);
        } else {
            encodeV2(header, out);
        }
    }

    /** Returns how many bytes {@link #encode(ProxyHeader, ByteBuf)} writes for a v2 header (an estimate for v1). */
    public static int encodedLength(ProxyHeader header) {
        if (header.version() == Version.V1) {
            return ProxyHeaderParser.V1_MAX_LENGTH;
        }
        int len = V2Parser.tlvStart(header.family());
        for (ProxyTlv t : header.tlvs()) {
            len += 3 + t.length();
        }
        return len;
    }

    private static void encodeV1(ProxyHeader h, ByteBuf out) {
        if (h.family() == Family.UNSPEC || h.sourceAddress() == null) {
            out.writeCharSequence("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII);
            return;
        }
        boolean v6 = h.family() == Family.INET6;
        StringBuilder sb = new StringBuilder(64).append(v6 ? "PROXY TCP6 " : "PROXY TCP4 ");
        sb.append(text(h.sourceAddress().getAddress(), v6)).append(' ')
          .append(text(h.destinationAddress().getAddress(), v6)).append(' ')
          .append(h.sourceAddress().getPort()).append(' ')
          .append(h.destinationAddress().getPort()).append("\r\n");
        out.writeCharSequence(sb, StandardCharsets.US_ASCII);
    }

    private static String text(InetAddress a, boolean v6) {
        if (v6 && a instanceof Inet4Address) {
            return "::ffff:" + a.getHostAddress();
        }
        return NetUtil.toAddressString(a);
    }

    private static void encodeV2(ProxyHeader h, ByteBuf out) {
        int start = out.writerIndex();
        int len = encodedLength(h) - ProxyHeaderParser.V2_FIXED_LENGTH;
        if (len > 0xFFFF) {
            throw new IllegalArgumentException("v2 header too long: " + len + " bytes after the fixed part");
        }
        out.writeBytes(ProxyHeaderParser.V2_SIGNATURE);
        out.writeByte(0x20 | (h.command() == Command.PROXY ? 1 : 0));
        out.writeByte(familyByte(h.family(), h.transport()));
        out.writeShort(len);

        InetSocketAddress src = h.sourceAddress();
        InetSocketAddress dst = h.destinationAddress();
        switch (h.family()) {
            case INET:
            case INET6:
                int w = h.family() == Family.INET ? 4 : 16;
                if (src == null) {
                    out.writeZero(2 * w + 4);
                } else {
                    writeAddress(out, src.getAddress(), w);
                    writeAddress(out, dst.getAddress(), w);
                    out.writeShort(src.getPort());
                    out.writeShort(dst.getPort());
                }
                break;
            case UNIX:
                writePath(out, h.sourcePath());
                writePath(out, h.destinationPath());
                break;
            default:
                break;
        }

        int crcValueAt = -1;
        List<ProxyTlv> tlvs = h.tlvs();
        for (int i = 0; i < tlvs.size(); i++) {
            ProxyTlv t = tlvs.get(i);
            out.writeByte(t.type());
            out.writeShort(t.length());
            if (t.type() == ProxyTlv.CRC32C && t.length() == 4 && crcValueAt < 0) {
                crcValueAt = out.writerIndex();
                out.writeZero(4);
            } else {
                out.writeBytes(t.array(), t.arrayOffset(), t.length());
            }
        }
        if (crcValueAt >= 0) {
            CRC32C crc = new CRC32C();
            crc.update(out.nioBuffer(start, out.writerIndex() - start));
            out.setInt(crcValueAt, (int) crc.getValue());
        }
    }

    private static int familyByte(Family family, Transport transport) {
        int f;
        switch (family) {
            case INET: f = 0x10; break;
            case INET6: f = 0x20; break;
            case UNIX: f = 0x30; break;
            default: return 0x00;
        }
        return f | (transport == Transport.DGRAM ? 0x02 : 0x01);
    }

    private static void writeAddress(ByteBuf out, InetAddress a, int width) {
        byte[] b = a.getAddress();
        if (b.length == width) {
            out.writeBytes(b);
        } else if (width == 16) {
            // IPv4 in an INET6 header: ::ffff:a.b.c.d
            out.writeZero(10);
            out.writeShort(0xFFFF);
            out.writeBytes(b);
        } else {
            throw new IllegalArgumentException("IPv6 address in an INET header: " + a);
        }
    }

    private static void writePath(ByteBuf out, String path) {
        byte[] b = path == null ? new byte[0] : path.getBytes(StandardCharsets.UTF_8);
        if (b.length > 107) {
            throw new IllegalArgumentException("UNIX path longer than 107 bytes");
        }
        out.writeBytes(b);
        out.writeZero(108 - b.length);
    }
}
