package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.testing.Hex;
import io.github.proxycodec.testing.VectorFiles;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a vector file's comments say its header decodes to, read independently of the parser
 * under test: the {@code decoded:} lines of the reference decoder, {@code transport:},
 * {@code trailing_payload_len:} and the Python-style trailing payload literal.
 */
final class VectorComments {

    private static final Pattern V1 = Pattern.compile("^v1 '([^']*)' header_len=(\\d+)$");
    private static final Pattern V2 = Pattern.compile(
            "^v2 ver=(\\d+) cmd=(\\S+) fam=(\\w+) proto=(\\w+) len=(\\d+) header_len=(\\d+)$");
    private static final Pattern ADDRESSES = Pattern.compile("^src=(\\S+) dst=(\\S+)$");
    private static final Pattern TLV = Pattern.compile(
            "^TLV 0x([0-9a-fA-F]{2}) (\\w+) len=(\\d+) (?:value=(.*)|client=0x([0-9a-fA-F]+) verify=(\\d+))$");
    private static final Pattern CRC_CHECK = Pattern.compile("^CRC32C check: .* -> (\\w+)$");
    private static final Pattern PAYLOAD = Pattern.compile("^# trailing payload \\(not part of header\\): (b'.*')$");
    private static final Pattern PAYLOAD_LEN = Pattern.compile("trailing_payload_len:\\s*(\\d+)");
    private static final Pattern TRANSPORT = Pattern.compile("^# transport:\\s*(\\w+)$");

    /** One TLV line: type, declared length, value bytes. */
    static final class Tlv {
        final int type;
        final int length;
        final byte[] value;

        Tlv(int type, int length, byte[] value) {
            this.type = type;
            this.length = length;
            this.value = value;
        }
    }

    Version version;
    Command command;
    Family family;
    Transport transport;
    InetSocketAddress source;
    InetSocketAddress destination;
    int headerLength = -1;
    final List<Tlv> tlvs = new ArrayList<>();
    Integer sslClient;
    Long sslVerify;
    final List<Tlv> sslSubTlvs = new ArrayList<>();
    String crcCheck;
    int trailingPayloadLength = -1;
    byte[] trailingPayload;

    private VectorComments() {
    }

    /** Returns the {@code # transport:} comment ({@code tcp}, {@code udp}), or null if absent. */
    static String wireTransport(String name) {
        for (String line : VectorFiles.text(name).split("\n")) {
            Matcher m = TRANSPORT.matcher(line.trim());
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** Reads the comments of the good vector {@code vectors/<name>.hex}. */
    static VectorComments of(String name) {
        String text = VectorFiles.text(name);
        VectorComments c = new VectorComments();
        boolean inSsl = false;
        for (String raw : text.split("\n")) {
            String line = raw.trim();
            if (!line.startsWith("#")) {
                continue;
            }
            Matcher m;
            if ((m = PAYLOAD_LEN.matcher(line)).find()) {
                c.trailingPayloadLength = Integer.parseInt(m.group(1));
            }
            if ((m = PAYLOAD.matcher(line)).matches()) {
                c.trailingPayload = pythonBytes(m.group(1));
            }
            int d = line.indexOf("decoded:");
            if (d < 0) {
                continue;
            }
            String s = line.substring(d + "decoded:".length()).trim();
            if ((m = V1.matcher(s)).matches()) {
                c.version = Version.V1;
                c.command = Command.PROXY;
                c.headerLength = Integer.parseInt(m.group(2));
                String[] f = m.group(1).split(" ");
                if (f[1].equals("UNKNOWN")) {
                    c.family = Family.UNSPEC;
                    c.transport = Transport.UNSPEC;
                } else {
                    c.family = f[1].equals("TCP4") ? Family.INET : Family.INET6;
                    c.transport = Transport.STREAM;
                    c.source = new InetSocketAddress(literal(f[2]), Integer.parseInt(f[4]));
                    c.destination = new InetSocketAddress(literal(f[3]), Integer.parseInt(f[5]));
                }
            } else if ((m = V2.matcher(s)).matches()) {
                c.version = Version.V2;
                c.command = Command.valueOf(m.group(2));
                c.family = Family.valueOf(m.group(3));
                c.transport = Transport.valueOf(m.group(4));
                c.headerLength = Integer.parseInt(m.group(6));
                if (Integer.parseInt(m.group(6)) != 16 + Integer.parseInt(m.group(5))) {
                    throw new IllegalStateException(name + ": header_len is not 16 + len");
                }
            } else if ((m = ADDRESSES.matcher(s)).matches()) {
                c.source = socketAddress(m.group(1));
                c.destination = socketAddress(m.group(2));
            } else if ((m = TLV.matcher(s)).matches()) {
                int type = Integer.parseInt(m.group(1), 16);
                int len = Integer.parseInt(m.group(3));
                boolean sub = inSsl && type >= ProxyTlv.SSL_VERSION && type <= ProxyTlv.SSL_CLIENT_CERT;
                if (m.group(5) != null) {
                    c.sslClient = Integer.parseInt(m.group(5), 16);
                    c.sslVerify = Long.parseLong(m.group(6));
                    c.tlvs.add(new Tlv(type, len, null));
                    inSsl = true;
                } else if (sub) {
                    c.sslSubTlvs.add(new Tlv(type, len, value(m.group(4))));
                } else {
                    c.tlvs.add(new Tlv(type, len, value(m.group(4))));
                    inSsl = false;
                }
            } else if ((m = CRC_CHECK.matcher(s)).matches()) {
                c.crcCheck = m.group(1);
            } else {
                throw new IllegalStateException(name + ": unrecognised decoded line: " + s);
            }
        }
        return c;
    }

    private static byte[] value(String v) {
        if (v.startsWith("'") && v.endsWith("'") && v.indexOf('\\') < 0) {
            return v.substring(1, v.length() - 1).getBytes(StandardCharsets.UTF_8);
        }
        if (v.startsWith("0x")) {
            return Hex.decode(v.substring(2));
        }
        throw new IllegalStateException("unsupported TLV value notation: " + v);
    }

    private static InetSocketAddress socketAddress(String s) {
        int colon = s.lastIndexOf(':');
        String host = s.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(literal(host), Integer.parseInt(s.substring(colon + 1)));
    }

    /** Converts an address literal without any name lookup. */
    static InetAddress literal(String s) {
        byte[] b = NetUtil.createByteArrayFromIpAddressString(s);
        if (b == null) {
            throw new IllegalArgumentException("not an IP literal: " + s);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Decodes a Python bytes literal such as {@code b'PING\n'}. */
    static byte[] pythonBytes(String lit) {
        char quote = lit.charAt(1);
        if (lit.charAt(0) != 'b' || lit.charAt(lit.length() - 1) != quote) {
            throw new IllegalArgumentException("not a bytes literal: " + lit);
        }
        String s = lit.substring(2, lit.length() - 1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch != '\\') {
                out.write(ch);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n': out.write('\n'); break;
                case 'r': out.write('\r'); break;
                case 't': out.write('\t'); break;
                case '\\': out.write('\\'); break;
                case '\'': out.write('\''); break;
                case '"': out.write('"'); break;
                case 'x':
                    out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                    break;
                default:
                    throw new IllegalArgumentException("unsupported escape \\" + e + " in " + lit);
            }
        }
        return out.toByteArray();
    }
}
