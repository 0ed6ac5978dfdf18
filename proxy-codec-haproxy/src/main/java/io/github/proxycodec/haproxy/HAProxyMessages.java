package io.github.proxycodec.haproxy;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyTlv;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts an accepted {@link ProxyHeader} into the {@link HAProxyMessage} that Netty's
 * {@code HAProxyMessageDecoder} builds from the same bytes, field by field.
 *
 * <p>What Netty's decoder does, and so what this does too:
 * <ul>
 * <li>LOCAL, v1 {@code UNKNOWN} and the UNSPEC family give protocol {@code UNKNOWN}, no
 *     addresses, ports 0 and no TLVs.</li>
 * <li>v2 IPv6 addresses are written as eight hex groups, uncompressed
 *     ({@code 2001:db8:0:0:0:0:0:1}); an IPv4-mapped one as {@code 0:0:0:0:0:ffff:c000:20a}.</li>
 * <li>UNIX paths are read as US-ASCII up to the first NUL.</li>
 * <li>TLVs come in wire order; an SSL TLV ({@link HAProxySSLTLV}) is followed in the list by
 *     its own sub-TLVs again, as Netty lists them. A TLV of length 0 in the last 3 bytes of the
 *     header (or of the SSL value) is left out, as Netty's decoder skips fewer than 4 bytes.</li>
 * </ul>
 * Two differences, both forced by Netty's public API or by our parser keeping no text:
 * a v1 IPv6 address is written in RFC 5952 form (what HAProxy and nginx send; Netty passes on
 * the text it received, which for other spellings of the same address differs), and the SSL
 * TLV's own {@code content()} is empty (its {@code client()}, {@code verify()} and sub-TLVs
 * carry the values; Netty's constructor that takes the raw bytes is not public).
 *
 * <p>The message returned has a reference count of 1 and belongs to the caller, who releases
 * it (releasing it releases every TLV in its list).
 */
public final class HAProxyMessages {

    /** Netty's decoder reads a TLV only if at least this many bytes remain. */
    private static final int NETTY_MIN_TLV_BYTES = 4;
    /** A TLV's type byte and two length bytes. */
    private static final int TLV_OVERHEAD = 3;
    /** An SSL TLV's client flags byte and 4-byte verify result, before its sub-TLVs. */
    private static final int SSL_FIXED_BYTES = 5;

    private HAProxyMessages() {
    }

    /**
     * Returns the {@link HAProxyMessage} Netty's decoder produces for {@code header}'s bytes;
     * the caller owns (releases) it.
     */
    public static HAProxyMessage of(ProxyHeader header) {
        HAProxyProtocolVersion version = header.version() == Version.V1 ? HAProxyProtocolVersion.V1
                : HAProxyProtocolVersion.V2;
        HAProxyCommand command = header.command() == Command.LOCAL ? HAProxyCommand.LOCAL : HAProxyCommand.PROXY;
        HAProxyProxiedProtocol protocol = protocol(header);
        if (protocol == HAProxyProxiedProtocol.UNKNOWN) {
            return new HAProxyMessage(version, command, protocol, null, null, 0, 0);
        }
        String source;
        String destination;
        int sourcePort = 0;
        int destinationPort = 0;
        if (header.family() == Family.UNIX) {
            source = ascii(header.sourcePath());
            destination = ascii(header.destinationPath());
        } else {
            boolean v6 = header.family() == Family.INET6;
            boolean text = header.version() == Version.V1;
            source = literal(header.sourceAddress().getAddress(), v6, text);
            destination = literal(header.destinationAddress().getAddress(), v6, text);
            sourcePort = header.sourceAddress().getPort();
            destinationPort = header.destinationAddress().getPort();
        }
        return new HAProxyMessage(version, command, protocol, source, destination, sourcePort, destinationPort,
                tlvs(header));
    }

    private static HAProxyProxiedProtocol protocol(ProxyHeader h) {
        if (h.command() == Command.LOCAL) {
            return HAProxyProxiedProtocol.UNKNOWN;
        }
        boolean dgram = h.transport() == Transport.DGRAM;
        switch (h.family()) {
            case INET:
                return dgram ? HAProxyProxiedProtocol.UDP4 : HAProxyProxiedProtocol.TCP4;
            case INET6:
                return dgram ? HAProxyProxiedProtocol.UDP6 : HAProxyProxiedProtocol.TCP6;
            case UNIX:
                return dgram ? HAProxyProxiedProtocol.UNIX_DGRAM : HAProxyProxiedProtocol.UNIX_STREAM;
            default:
                return HAProxyProxiedProtocol.UNKNOWN;
        }
    }

    /**
     * Writes an address as Netty's decoder does: dotted quad for IPv4; for v2 IPv6 eight
     * uncompressed hex groups; for v1 IPv6 (whose original text is not kept) RFC 5952.
     */
    static String literal(InetAddress address, boolean v6, boolean v1Text) {
        if (!v6) {
            return address.getHostAddress();
        }
        if (address instanceof Inet4Address) {
            // The parser returns an IPv4-mapped IPv6 address as IPv4; the header carried ::ffff:a.b.c.d.
            return v1Text ? "::ffff:" + address.getHostAddress() : groups(mapped(address.getAddress()));
        }
        return v1Text ? NetUtil.toAddressString(address) : groups(address.getAddress());
    }

    private static byte[] mapped(byte[] v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xFF;
        b[11] = (byte) 0xFF;
        System.arraycopy(v4, 0, b, 12, 4);
        return b;
    }

    private static String groups(byte[] b) {
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 16; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(Integer.toHexString((b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF)));
        }
        return sb.toString();
    }

    /** Netty decodes UNIX paths as US-ASCII: any other byte becomes U+FFFD. */
    private static String ascii(String path) {
        return new String(path.getBytes(StandardCharsets.UTF_8), StandardCharsets.US_ASCII);
    }

    private static List<HAProxyTLV> tlvs(ProxyHeader header) {
        List<ProxyTlv> in = header.tlvs();
        int n = in.size();
        if (n > 0 && in.get(n - 1).length() + TLV_OVERHEAD < NETTY_MIN_TLV_BYTES) {
            n--; // an empty TLV in the last 3 bytes: Netty's decoder never reads it
        }
        List<HAProxyTLV> out = new ArrayList<>(n + 4);
        for (ProxyTlv t : in.subList(0, n)) {
            if (t.type() == ProxyTlv.SSL && t.length() >= SSL_FIXED_BYTES) {
                HAProxySSLTLV ssl = ssl(t.value());
                out.add(ssl);
                out.addAll(ssl.encapsulatedTLVs()); // Netty's decoder lists them at the top level too
            } else {
                out.add(new HAProxyTLV((byte) t.type(), Unpooled.wrappedBuffer(t.value())));
            }
        }
        return out;
    }

    /**
     * Builds an SSL TLV from its value: client flags, verify result, then sub-TLVs read as
     * Netty's decoder reads them, only while at least 4 bytes remain (the parser has already
     * checked their lengths).
     */
    private static HAProxySSLTLV ssl(byte[] v) {
        int verify = (v[1] & 0xFF) << 24 | (v[2] & 0xFF) << 16 | (v[3] & 0xFF) << 8 | (v[4] & 0xFF);
        List<HAProxyTLV> subs = new ArrayList<>(4);
        int i = SSL_FIXED_BYTES;
        while (v.length - i >= NETTY_MIN_TLV_BYTES) {
            int length = (v[i + 1] & 0xFF) << 8 | (v[i + 2] & 0xFF);
            if (i + TLV_OVERHEAD + length > v.length) {
                break; // not reached: the parser refuses a sub-TLV that overruns its SSL TLV
            }
            subs.add(new HAProxyTLV(v[i], Unpooled.wrappedBuffer(v, i + TLV_OVERHEAD, length)));
            i += TLV_OVERHEAD + length;
        }
        return new HAProxySSLTLV(verify, v[0], subs);
    }

}
