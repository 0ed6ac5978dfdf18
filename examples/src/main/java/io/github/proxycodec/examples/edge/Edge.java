package io.github.proxycodec.examples.edge;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.examples.Main;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Options;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code edge}: a local stand-in for Cloudflare's edge, so an origin can be tried without a
 * Cloudflare account. Plain clients connect to it; it forwards to the origin with the header
 * Spectrum would send.
 */
@Command(name = "edge", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Local stand-in for Cloudflare's edge, in front of your origin.",
            "",
            "Accepts plain clients on --listen and forwards them to --origin with the",
            "header Spectrum would send:",
            "  tcp:// --proxy v1|v2     PROXY v1 or v2 first on each connection",
            "  udp:// --proxy spp       SPP header on every datagram; every reply must",
            "                           echo it, else it is dropped (bad-reply)",
            "  udp:// --proxy ppv2-first  PROXY v2 on a flow's first datagram only",
            "                           (Spectrum 'Proxy Protocol v2' for UDP)",
            "  udp:// --proxy ppv2      PROXY v2 on every datagram (as dnsdist)",
            "Each UDP client gets its own upstream socket. Prints JSON lines:",
            "listening, forward (tcp) or flow (udp), expire, origin-error,",
            "bad-reply, and on SIGINT/SIGTERM a stopped line with the counters.",
            ""},
        footer = {"", "Example:",
            "  edge --listen tcp://127.0.0.1:8080 --origin 127.0.0.1:9000 --proxy v2 \\",
            "       --tlv authority=example.com --unique-id --crc32c"})
public final class Edge implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "tcp|udp://A:P",
            description = "Where clients connect, e.g. tcp://127.0.0.1:8080 (port 0 picks a free one).")
    String listen;

    @Option(names = "--origin", required = true, paramLabel = "A:P", converter = Options.Address.class,
            description = "The origin to forward to, e.g. 127.0.0.1:9000.")
    InetSocketAddress origin;

    @Option(names = "--proxy", required = true, paramLabel = "MODE",
            description = "v1 | v2 (tcp), spp | ppv2 | ppv2-first (udp).")
    String proxy;

    @Option(names = "--tlv", paramLabel = "NAME=VALUE", converter = TlvConverter.class,
            description = "Add a TLV to every v2 header (repeatable). NAME: alpn, authority, unique-id, "
                    + "netns, noop, or a type number (0xEA); VALUE: text, or hex:0a0b... for bytes.")
    List<ProxyTlv> tlvs = new ArrayList<>();

    @Option(names = "--ssl", paramLabel = "VERSION",
            description = "Add an SSL TLV (client connected over TLS, no client certificate) with SSL_VERSION, e.g. TLSv1.3.")
    String sslVersion;

    @Option(names = "--ssl-cipher", paramLabel = "CIPHER", description = "SSL_CIPHER sub-TLV for --ssl.")
    String sslCipher;

    @Option(names = "--unique-id", description = "Add a random 16-byte UNIQUE_ID to each connection's (or flow's) header.")
    boolean uniqueId;

    @Option(names = "--crc32c", description = "Add a CRC32C TLV to every v2 header.")
    boolean crc32c;

    @Option(names = "--ipv4-mapped",
            description = "Send IPv4 addresses IPv4-mapped in an IPv6 header (TCP6 / INET6) instead of TCP4 / INET.")
    boolean mapped;

    @Option(names = "--separate-header",
            description = "ppv2-first: send the header as a datagram of its own, before the first payload.")
    boolean separateHeader;

    @Option(names = "--udp-idle-timeout", defaultValue = "30s", converter = Options.IdleTimeout.class, paramLabel = "D",
            description = "udp:// only: forget a flow idle this long, 1ms..24h; its next datagram starts a new flow "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration udpIdleTimeout;

    @Override
    public Integer call() throws Exception {
        Console console = main.console();
        boolean tcp = scheme().equals("tcp");
        InetSocketAddress listenAddress = listenAddress();
        refuseFlagsThatDoNotApply(tcp);
        HeaderTemplate template = template();
        EventLoopGroup group = Transport.group(0);
        TcpEdge tcpEdge = null;
        UdpEdge udpEdge = null;
        try {
            Channel ch;
            if (tcp) {
                tcpEdge = new TcpEdge(origin, template, proxy, console);
                ch = Servers.listen(tcpEdge.start(group, listenAddress), listenAddress);
            } else {
                udpEdge = new UdpEdge(origin, UdpEdge.Mode.of(proxy), template, separateHeader, udpIdleTimeout, console);
                ch = Servers.listen(udpEdge.start(group, listenAddress), listenAddress);
            }
            console.info("edge: " + Transport.name() + ", " + scheme() + "://" + Addresses.format(ch.localAddress())
                    + " -> " + Addresses.format(origin) + " with " + (proxy.equals("spp") ? "SPP" : proxy + ": " + template));
            Servers.announce(console, scheme(), ch);
            console.awaitStop();
        } finally {
            Servers.shutdown(group);
        }
        console.print(tcpEdge != null ? tcpEdge.summary(Console.event("stopped")) : udpEdge.summary(Console.event("stopped")));
        return 0;
    }

    private String scheme() {
        int sep = listen.indexOf("://");
        String scheme = sep < 0 ? "" : listen.substring(0, sep).toLowerCase(Locale.ROOT);
        if (!scheme.equals("tcp") && !scheme.equals("udp")) {
            throw usage("--listen must start with tcp:// or udp://, not '" + listen + "'");
        }
        return scheme;
    }

    private InetSocketAddress listenAddress() {
        try {
            return Addresses.parse(listen.substring(listen.indexOf("://") + 3));
        } catch (IllegalArgumentException e) {
            throw usage("--listen: " + e.getMessage());
        }
    }

    /** A flag that the chosen mode would ignore is a mistake to report, not to swallow. */
    private void refuseFlagsThatDoNotApply(boolean tcp) {
        List<String> modes = tcp ? List.of("v1", "v2") : List.of("spp", "ppv2", "ppv2-first");
        if (!modes.contains(proxy)) {
            throw usage("--proxy for " + scheme() + ":// must be one of " + String.join(", ", modes) + ", not '" + proxy + "'");
        }
        if (proxy.equals("spp") || proxy.equals("v1")) {
            for (String flag : List.of("--tlv", "--ssl", "--ssl-cipher", "--unique-id", "--crc32c")) {
                refuseIfGiven(flag, "--proxy " + proxy + " carries no TLVs");
            }
        }
        if (proxy.equals("spp")) {
            refuseIfGiven("--ipv4-mapped", "an SPP header always carries IPv6 addresses");
        }
        if (sslVersion == null) {
            refuseIfGiven("--ssl-cipher", "it is a sub-TLV of --ssl, which is not given");
        }
        if (!proxy.equals("ppv2-first")) {
            refuseIfGiven("--separate-header", "it applies to --proxy ppv2-first only");
        }
        if (tcp) {
            refuseIfGiven("--udp-idle-timeout", "it applies to udp:// only");
        }
    }

    private void refuseIfGiven(String flag, String why) {
        if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
            throw usage(flag + " does not apply here: " + why);
        }
    }

    private HeaderTemplate template() {
        List<ProxyTlv> list = new ArrayList<>(tlvs);
        if (sslVersion != null) {
            list.add(ssl(sslVersion, sslCipher));
        }
        HeaderTemplate template = new HeaderTemplate(proxy.equals("v1") ? Version.V1 : Version.V2, mapped, list,
                uniqueId, crc32c);
        InetSocketAddress sample = new InetSocketAddress(Addresses.host("::1"), 1);
        try {
            ProxyHeaderEncoder.toByteArray(template.build(sample, sample, ProxyHeader.Transport.STREAM));
        } catch (IllegalArgumentException e) {
            throw usage("the header these flags describe cannot be sent: " + e.getMessage());   // e.g. TLVs over 64 KiB
        }
        return template;
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code --tlv NAME=VALUE}. */
    static final class TlvConverter implements ITypeConverter<ProxyTlv> {
        @Override
        public ProxyTlv convert(String value) {
            try {
                return tlv(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "': " + e.getMessage());
            }
        }
    }

    /** Parses {@code NAME=VALUE}. */
    static ProxyTlv tlv(String spec) {
        int eq = spec.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("expected NAME=VALUE");
        }
        String name = spec.substring(0, eq).trim().toLowerCase(Locale.ROOT);
        String value = spec.substring(eq + 1);
        int type;
        switch (name) {
            case "alpn": type = ProxyTlv.ALPN; break;
            case "authority": type = ProxyTlv.AUTHORITY; break;
            case "unique-id": type = ProxyTlv.UNIQUE_ID; break;
            case "netns": type = ProxyTlv.NETNS; break;
            case "noop": type = ProxyTlv.NOOP; break;
            default:
                try {
                    type = name.startsWith("0x") ? Integer.parseInt(name.substring(2), 16) : Integer.parseInt(name);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unknown TLV name '" + name
                            + "' (alpn, authority, unique-id, netns, noop, or a type 0..255)");
                }
                if (type == ProxyTlv.CRC32C) {
                    throw new IllegalArgumentException("use --crc32c for the CRC32C TLV");
                }
                if (type < 0 || type > 0xFF) {
                    throw new IllegalArgumentException("a TLV type is 0..255");
                }
        }
        byte[] bytes = value.startsWith("hex:") ? hex(value.substring(4)) : value.getBytes(StandardCharsets.UTF_8);
        return ProxyTlv.of(type, bytes);
    }

    /** An SSL TLV: client flags 0x01 (TLS, no client certificate), verify 0, SSL_VERSION and optionally SSL_CIPHER. */
    static ProxyTlv ssl(String version, String cipher) {
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeByte(0x01).writeInt(0);
            writeSub(b, ProxyTlv.SSL_VERSION, version);
            if (cipher != null) {
                writeSub(b, ProxyTlv.SSL_CIPHER, cipher);
            }
            byte[] value = new byte[b.readableBytes()];
            b.readBytes(value);
            return ProxyTlv.of(ProxyTlv.SSL, value);
        } finally {
            b.release();
        }
    }

    private static void writeSub(ByteBuf b, int type, String text) {
        byte[] v = text.getBytes(StandardCharsets.UTF_8);
        b.writeByte(type).writeShort(v.length).writeBytes(v);
    }

    private static byte[] hex(String s) {
        if (s.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits in '" + s + "'");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i += 2) {
            int hi = Character.digit(s.charAt(i), 16);
            int lo = Character.digit(s.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                throw new IllegalArgumentException("not hex: '" + s + "'");
            }
            out.write(hi << 4 | lo);
        }
        return out.toByteArray();
    }
}
