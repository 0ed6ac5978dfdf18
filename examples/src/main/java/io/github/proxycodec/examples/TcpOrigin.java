package io.github.proxycodec.examples;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocol;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.TrustSource;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Options;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.Transport;
import io.github.proxycodec.examples.support.TrustFileOption;
import io.github.proxycodec.trust.TrustFile;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * A TCP origin behind a PROXY protocol proxy: the template to copy.
 *
 * <pre>
 * pipeline:  ProxyProtocolHandler → LineBasedFrameDecoder → StringDecoder/Encoder → Origin
 * </pre>
 *
 * Each flag sets one {@link ProxyProtocolConfig} option. The handler strips the header and
 * fires a {@link ProxyProtocolEvent}; {@link Origin} prints it and answers every line with
 * {@code client=<ip>:<port> <line>}. Replace {@link Origin} with your application.
 */
@Command(name = "tcp-origin", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "TCP origin behind a PROXY v1/v2 proxy (Spectrum, HAProxy, nginx).",
            "",
            "Prints {\"event\":\"listening\",...} first, then one JSON line per",
            "connection: connect (with the real client) or reject (with the reason).",
            "Answers every line a client sends with 'client=<ip>:<port> <line>'.",
            ""})
public final class TcpOrigin implements Callable<Integer> {

    @ParentCommand
    private Main main;

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", required = true, paramLabel = "P", converter = Options.Port.class,
            description = "Port to listen on, 0..65535; 0 picks a free one.")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "A", converter = Options.Host.class,
            description = "Address to bind (default: ${DEFAULT-VALUE}).")
    InetAddress bind;

    @Option(names = "--versions", split = ",", defaultValue = "v1,v2", paramLabel = "VERSION",
            description = "Header versions accepted, v1 and/or v2: acceptV1/acceptV2 (default: ${DEFAULT-VALUE}).")
    List<String> versions;

    @Option(names = "--optional",
            description = "headerPolicy OPTIONAL: a trusted peer may also connect without a header (health checks).")
    boolean optional;

    @Option(names = "--trust", defaultValue = "cloudflare", converter = Options.Trust.class,
            paramLabel = "CIDR,...|cloudflare|any",
            description = "trustedProxies: 'cloudflare' (default), 'any', or a comma list of CIDRs.")
    TrustedProxies trust;

    @Option(names = "--trust-file", paramLabel = "PATH",
            description = "trustSource: CIDRs in a file (one a line, # comments, 'cloudflare'), reloaded when it changes; instead of --trust.")
    Path trustFile;

    /** The file behind --trust-file, once started. */
    private TrustFile watched;

    @Option(names = "--serve-untrusted",
            description = "untrustedPolicy SERVE_DIRECT: serve untrusted peers as direct clients instead of closing.")
    boolean serveUntrusted;

    @Option(names = "--header-timeout", defaultValue = "5s", converter = Options.HeaderTimeout.class, paramLabel = "D",
            description = "headerTimeout: time allowed for the whole header, 1ms..1h, e.g. 500ms, 5s (default: ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    /** Maps the flags onto the library's configuration, one option each. */
    ProxyProtocolConfig config() {
        for (String v : versions) {
            if (!v.equals("v1") && !v.equals("v2")) {
                throw new ParameterException(spec.commandLine(), "--versions takes v1 and/or v2, not '" + v + "'");
            }
        }
        if (serveUntrusted && trust.trustsAny()) {
            throw new ParameterException(spec.commandLine(),
                    "--serve-untrusted does nothing with --trust any: every peer is trusted");
        }
        return ProxyProtocolConfig.builder()
                .acceptV1(versions.contains("v1"))
                .acceptV2(versions.contains("v2"))
                .headerPolicy(optional ? HeaderPolicy.OPTIONAL : HeaderPolicy.REQUIRED)
                .trustSource(trustSource())
                .untrustedPolicy(serveUntrusted ? UntrustedPolicy.SERVE_DIRECT : UntrustedPolicy.CLOSE)
                .headerTimeout(headerTimeout)
                .build();
    }

    private TrustSource trustSource() {
        return watched != null ? watched.trust() : trust;
    }

    @Override
    public Integer call() throws Exception {
        Console console = main.console();
        EventLoopGroup group = Transport.group(0);
        try {
            watched = TrustFileOption.start(spec, trustFile, group.next(), console);
            ProxyProtocolConfig config = config();
            InetSocketAddress address = new InetSocketAddress(bind, port);
            Channel server = Servers.listen(start(group, address, config, console), address);
            console.info("tcp-origin: " + Transport.name() + ", " + config);
            Servers.announce(console, "tcp", server);
        } catch (Exception e) {
            Servers.shutdown(group);
            throw e;
        }
        try {
            Servers.runUntilStopped(console, group);
        } finally {
            if (watched != null) {
                watched.close();
            }
        }
        return 0;
    }

    /** Binds a TCP origin; the whole pipeline is here. */
    public static ChannelFuture start(EventLoopGroup group, InetSocketAddress address,
                                     ProxyProtocolConfig config, Console console) {
        return new ServerBootstrap()
                .group(group)
                .channel(Transport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new ProxyProtocolHandler(config),   // first: nothing reads before the header is gone
                                new LineBasedFrameDecoder(8192),
                                new StringDecoder(StandardCharsets.UTF_8),
                                new StringEncoder(StandardCharsets.UTF_8),
                                new Origin(console));
                    }
                })
                .bind(address);
    }

    /** The application: reports the outcome of the header, then echoes lines with the client's address. */
    static final class Origin extends SimpleChannelInboundHandler<String> {
        private final Console console;

        Origin(Console console) {
            this.console = console;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ProxyProtocolEvent) {
                ProxyProtocolEvent e = (ProxyProtocolEvent) evt;
                Channel ch = ctx.channel();
                if (e.isSuccess()) {
                    ProxyHeader h = e.header();   // null: no header (OPTIONAL, or an untrusted peer served directly)
                    console.print(Console.event("connect")
                            .put("client", Addresses.format(e.clientAddress()))
                            .put("destination", Addresses.format(ProxyProtocol.destinationAddress(ch)))
                            .put("peer", Addresses.format(ch.remoteAddress()))
                            .put("version", h == null ? "none" : h.version() == ProxyHeader.Version.V1 ? "v1" : "v2")
                            .put("command", h == null ? "none" : h.command().name()));
                } else {
                    // The handler has already closed the channel; nothing of it reaches channelRead0.
                    console.print(Console.event("reject")
                            .put("peer", Addresses.format(ch.remoteAddress()))
                            .put("reason", e.reason().name()));
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            InetSocketAddress client = ProxyProtocol.clientAddress(ctx.channel());
            ctx.writeAndFlush("client=" + Addresses.format(client) + " " + line + "\n");
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();   // e.g. a line over 8 KiB, or a reset; a client must not fill the log
        }
    }
}
