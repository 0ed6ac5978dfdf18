package io.github.proxycodec.examples.decode;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.ProxyProtocolException;
import io.github.proxycodec.ProxySslInfo;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.examples.Main;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpProxyException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * Reads one PROXY v1/v2 header (or SPP datagram) from stdin and prints every field as JSON.
 *
 * <p>The parser is the library's own, with every check on and every transport allowed, so a
 * header that decodes here is one the handler accepts (given the matching configuration), and
 * a refusal names the same reason the handler would report.
 */
@Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Print a PROXY v1/v2 header or SPP datagram from stdin as JSON.",
            "",
            "Prints one object: version, command, protocol, source, destination,",
            "every TLV (type, name, value), SSL details, headerLength and",
            "payloadLength (bytes after the header). PROXY v1, v2 and SPP are told",
            "apart by their first bytes. Malformed input exits 1 with",
            "{\"error\":\"<REASON>\",\"detail\":\"...\"}: the library's reason name, or",
            "EMPTY_INPUT, INVALID_HEX, INCOMPLETE_HEADER.",
            ""},
        footer = {"", "Example:",
            "  java -jar proxy-codec-examples.jar decode --hex < haproxy-v2-tcp4.hex"})
public final class Decode implements Callable<Integer> {

    /** Cap on what is read from stdin: a v2 header is at most 65551 bytes. */
    private static final int MAX_INPUT = 1 << 20;

    /** The most permissive configuration that still checks everything: any version, any transport, any length. */
    private static final ProxyHeaderParser PARSER = ProxyHeaderParser.builder()
            .acceptV1(true)
            .acceptV2(true)
            .allowStreamTransport(true)
            .allowDatagramTransport(true)
            .maxV2HeaderLength(ProxyHeaderParser.V2_MAX_LENGTH)
            .build();

    @ParentCommand
    private Main main;

    @Option(names = "--hex",
            description = "Input is hex as in vectors/*.hex: '#' lines are comments, whitespace is ignored.")
    boolean hex;

    @Option(names = "--pretty", description = "Indent the JSON for reading.")
    boolean pretty;

    @Override
    public Integer call() throws IOException {
        Console console = main.console();
        byte[] input = console.in().readNBytes(MAX_INPUT);
        ObjectNode result;
        try {
            result = decode(hex ? hex(new String(input, StandardCharsets.UTF_8)) : input);
        } catch (DecodeException e) {
            console.print(Console.object().put("error", e.reason).put("detail", e.getMessage()));
            return 1;
        }
        if (pretty) {
            console.printPretty(result);
        } else {
            console.print(result);
        }
        return 0;
    }

    /**
     * Decodes one header at the start of {@code bytes}.
     *
     * @throws DecodeException with the reason name if the bytes do not start with a valid header
     */
    public static ObjectNode decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new DecodeException("EMPTY_INPUT", "no bytes on stdin");
        }
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            if (Spp.looksLikeSpp(buf)) {
                return Spp.decode(buf);
            }
            ProxyHeader h;
            try {
                h = PARSER.parse(buf);
            } catch (ProxyProtocolException e) {
                throw new DecodeException(e.reason().name(), e.getMessage());
            }
            if (h == null) {
                throw new DecodeException("INCOMPLETE_HEADER",
                        "input ends after " + bytes.length + " bytes, before the header does");
            }
            return header(h, bytes.length - h.headerLength());
        } finally {
            buf.release();
        }
    }

    /** Every field of a PROXY v1/v2 header. */
    static ObjectNode header(ProxyHeader h, int payloadLength) {
        boolean v1 = h.version() == ProxyHeader.Version.V1;
        ObjectNode o = Console.object()
                .put("version", v1 ? "v1" : "v2")
                .put("command", h.command().name())
                .put("protocol", protocol(h))
                .put("family", h.family().name())
                .put("transport", h.transport().name());
        if (h.hasInetAddresses()) {
            o.put("source", Addresses.format(h.sourceAddress()));
            o.put("destination", Addresses.format(h.destinationAddress()));
        } else if (h.sourcePath() != null) {
            o.put("source", h.sourcePath());
            o.put("destination", h.destinationPath());
        } else {
            o.putNull("source");
            o.putNull("destination");
        }
        ArrayNode tlvs = o.putArray("tlvs");
        for (ProxyTlv t : h.tlvs()) {
            tlvs.add(tlv(t, h));
        }
        h.ssl().ifPresent(ssl -> o.set("ssl", ssl(ssl)));
        h.crc32c().ifPresent(crc -> o.put("crc32c", String.format("0x%08x", crc)));   // verified by the parser
        o.put("headerLength", h.headerLength());
        o.put("payloadLength", payloadLength);
        return o;
    }

    /** v1's protocol word, or the same naming for v2's family and transport. */
    private static String protocol(ProxyHeader h) {
        switch (h.family()) {
            case INET: return h.transport() == ProxyHeader.Transport.DGRAM ? "UDP4" : "TCP4";
            case INET6: return h.transport() == ProxyHeader.Transport.DGRAM ? "UDP6" : "TCP6";
            case UNIX: return h.transport() == ProxyHeader.Transport.DGRAM ? "UNIX_DGRAM" : "UNIX_STREAM";
            default: return h.version() == ProxyHeader.Version.V1 ? "UNKNOWN" : "UNSPEC";
        }
    }

    /** One TLV: type, name, length and its value (text, number or object where the type defines one, else hex). */
    private static ObjectNode tlv(ProxyTlv t, ProxyHeader h) {
        ObjectNode o = Console.object()
                .put("type", t.type())
                .put("name", t.typeName())
                .put("length", t.length());
        if (t.isCustom() && !t.hasVendorLayout()) {
            return opaque(o, t);   // the custom range: a vendor's name only when its layout fits
        }
        switch (t.type()) {
            case ProxyTlv.ALPN:
            case ProxyTlv.AUTHORITY:
            case ProxyTlv.NETNS:
            case ProxyTlv.SSL_VERSION:
            case ProxyTlv.SSL_CN:
            case ProxyTlv.SSL_CIPHER:
            case ProxyTlv.SSL_SIG_ALG:
            case ProxyTlv.SSL_KEY_ALG:
            case ProxyTlv.SSL_GROUP:
            case ProxyTlv.SSL_SIG_SCHEME:
                o.put("value", t.valueAsString());
                break;
            case ProxyTlv.CRC32C:
                o.put("value", "0x" + t.valueAsHex());
                break;
            case ProxyTlv.UNIQUE_ID:
                o.put("value", t.valueAsHex());
                if (printable(t)) {
                    o.put("text", t.valueAsString());
                }
                break;
            case ProxyTlv.SSL:
                ObjectNode v = o.putObject("value");
                h.ssl().ifPresent(ssl -> {
                    v.put("client", ssl.clientFlags());
                    v.put("verify", ssl.verifyResult());
                    ArrayNode subs = v.putArray("subTlvs");
                    for (ProxyTlv s : ssl.subTlvs()) {
                        subs.add(tlv(s, h));
                    }
                });
                break;
            case ProxyTlv.AWS:
                o.putObject("value").put("subtype", 1)
                        .put("vpcEndpointId", new String(t.value(), 1, t.length() - 1, StandardCharsets.US_ASCII));
                break;
            case ProxyTlv.AZURE:
                long azure = t.byteAt(1) | (t.byteAt(2) << 8) | (t.byteAt(3) << 16) | ((long) t.byteAt(4) << 24);
                o.putObject("value").put("subtype", 1).put("privateLinkId", azure);
                break;
            case ProxyTlv.GCP:
                long gcp = 0;
                for (int i = 0; i < 8; i++) {
                    gcp = (gcp << 8) | t.byteAt(i);
                }
                o.putObject("value").put("pscConnectionId", Long.toUnsignedString(gcp));
                break;
            default:
                return opaque(o, t);   // NOOP, client certificate and unknown types
        }
        return o;
    }

    /** A value with no layout of its own: hex, and beside it the text when it is all printable. */
    private static ObjectNode opaque(ObjectNode o, ProxyTlv t) {
        o.put("value", t.valueAsHex());
        if (printable(t)) {
            o.put("text", t.valueAsString());
        }
        return o;
    }

    /**
     * The SSL TLV as a reader wants it: flags spelled out, sub-TLVs by name. sigAlg and keyAlg
     * describe the certificate of the proxy's frontend, not the client's.
     */
    private static ObjectNode ssl(ProxySslInfo ssl) {
        ObjectNode o = Console.object()
                .put("ssl", ssl.isSsl())
                .put("certInConnection", ssl.hasClientCertificateInConnection())
                .put("certInSession", ssl.hasClientCertificateInSession())
                .put("verified", ssl.isVerified())   // verify field 0; also sent when no client certificate
                .put("verifiedClientCertificate", ssl.hasVerifiedClientCertificate())
                .put("verify", ssl.verifyResult());
        ssl.version().ifPresent(v -> o.put("version", v));
        ssl.commonName().ifPresent(v -> o.put("cn", v));
        ssl.cipher().ifPresent(v -> o.put("cipher", v));
        ssl.signatureAlgorithm().ifPresent(v -> o.put("sigAlg", v));
        ssl.keyAlgorithm().ifPresent(v -> o.put("keyAlg", v));
        ssl.group().ifPresent(v -> o.put("group", v));
        ssl.signatureScheme().ifPresent(v -> o.put("sigScheme", v));
        ssl.clientCertificate().ifPresent(v -> o.put("clientCertificateLength", v.length));
        try {
            ssl.clientX509Certificate().ifPresent(c -> o.put("clientCertificateSubject", c.getSubjectX500Principal().getName()));
        } catch (java.security.cert.CertificateException e) {
            o.put("clientCertificateError", e.getMessage());   // shown, not fatal: the header itself is valid
        }
        return o;
    }

    private static boolean printable(ProxyTlv t) {
        if (t.length() == 0) {
            return false;
        }
        for (int i = 0; i < t.length(); i++) {
            int b = t.byteAt(i);
            if (b < 0x20 || b > 0x7E) {
                return false;
            }
        }
        return true;
    }

    /** Parses the vectors' hex format: {@code #} lines are comments, whitespace is ignored. */
    static byte[] hex(String text) {
        StringBuilder digits = new StringBuilder();
        for (String line : text.split("\\R")) {
            String s = line.strip();
            if (s.startsWith("#")) {
                continue;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    continue;
                }
                if (Character.digit(c, 16) < 0) {
                    throw new DecodeException("INVALID_HEX", "not a hex digit: '" + c + "'");
                }
                digits.append(c);
            }
        }
        if (digits.length() % 2 != 0) {
            throw new DecodeException("INVALID_HEX", "odd number of hex digits: " + digits.length());
        }
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }

    /** Malformed input: the reason name printed as {@code error}, and a detail for humans. */
    static final class DecodeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String reason;

        DecodeException(String reason, String detail) {
            // The library's messages start with the reason name, which is printed on its own.
            super(detail.startsWith(reason + ": ") ? detail.substring(reason.length() + 2) : detail, null, false, false);
            this.reason = reason;
        }
    }

    /** SPP: every datagram from a Spectrum app in Simple Proxy Protocol mode starts with 38 bytes. */
    static final class Spp {
        private Spp() {
        }

        /** Whether the input starts with the SPP magic {@code 0x56EC}. */
        static boolean looksLikeSpp(ByteBuf buf) {
            return buf.readableBytes() >= 2 && buf.getUnsignedShort(buf.readerIndex()) == SppHeader.MAGIC;
        }

        static ObjectNode decode(ByteBuf buf) {
            SppHeader h;
            try {
                h = SppHeader.decode(buf);
            } catch (UdpProxyException e) {
                throw new DecodeException(e.reason().name(), e.getMessage());
            }
            boolean v4 = h.client().getAddress() instanceof java.net.Inet4Address;
            ObjectNode o = Console.object()
                    .put("version", "spp")
                    .putNull("command")   // SPP has none: every datagram is a client's
                    .put("protocol", v4 ? "UDP4" : "UDP6")
                    .put("family", v4 ? "INET" : "INET6")
                    .put("transport", "DGRAM")
                    .put("source", Addresses.format(h.client()))
                    .put("destination", Addresses.format(h.proxy()));
            o.putArray("tlvs");
            o.put("headerLength", SppHeader.LENGTH);
            o.put("payloadLength", buf.readableBytes() - SppHeader.LENGTH);
            return o;
        }
    }
}
