package io.github.proxycodec.examples.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.examples.Main;
import io.github.proxycodec.examples.TcpOrigin;
import io.github.proxycodec.examples.UdpOrigin;
import io.github.proxycodec.examples.edge.HeaderTemplate;
import io.github.proxycodec.examples.edge.TcpEdge;
import io.github.proxycodec.examples.edge.UdpEdge;
import io.github.proxycodec.examples.support.Addresses;
import io.github.proxycodec.examples.support.Console;
import io.github.proxycodec.examples.support.Servers;
import io.github.proxycodec.examples.support.Transport;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code demo}: the whole path on loopback in a few seconds. Clients → edge → origins, in every
 * mode, plus a refused connection, a dropped datagram and an origin that forgets the SPP echo.
 * Every line says which component printed it; the clients' replies show what the origins saw.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Run clients -> edge -> origins on loopback, in every mode.",
            "",
            "Starts origins and edges on free loopback ports, sends clients through",
            "TCP v1, v2 with TLVs, UDP spp, ppv2 and ppv2-first, plus a connection",
            "without a header (reject), a datagram without a header (drop) and an",
            "SPP origin that does not echo the header (bad-reply). Prints what each",
            "component saw as JSON lines tagged with 'demo', and exits 0 if every",
            "client got the answer expected of it (1 otherwise).",
            ""})
public final class Demo implements Callable<Integer> {

    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final TrustedProxies LOOPBACK = TrustedProxies.of("127.0.0.0/8", "::1/128");

    @ParentCommand
    private Main main;

    private Console console;
    private int failures;

    @Override
    public Integer call() throws Exception {
        console = main.console();
        InetSocketAddress any4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        EventLoopGroup group = Transport.group(2);
        console.info("demo: " + Transport.name() + "; every line is tagged with the component that printed it");
        try {
            // Origins: the same code as tcp-origin and udp-origin, trusting the loopback edges.
            ProxyProtocolConfig tcpConfig = ProxyProtocolConfig.builder().trustedProxies(LOOPBACK).build();
            UdpProxyConfig udpConfig = UdpProxyConfig.builder().trustedEdges(LOOPBACK).dropEvents(true).build(); // it shows a drop
            InetSocketAddress tcpOrigin = bound(TcpOrigin.start(group, any4, tcpConfig, quiet("tcp-origin")).sync().channel());
            InetSocketAddress sppOrigin = udpOrigin(group, any4, "spp", udpConfig);
            InetSocketAddress ppv2Origin = udpOrigin(group, any4, "ppv2", udpConfig);
            InetSocketAddress firstOrigin = udpOrigin(group, any4, "ppv2-first", udpConfig);
            InetSocketAddress naiveOrigin = bound(new Bootstrap().group(group).channel(Transport.datagramChannel())
                    .handler(new NaiveEcho()).bind(any4).sync().channel());

            // Edges: the same code as the edge subcommand.
            HeaderTemplate v2WithTlvs = new HeaderTemplate(Version.V2, false,
                    List.of(ProxyTlv.of(ProxyTlv.AUTHORITY, "demo.example")), true, true);
            InetSocketAddress v1Edge = tcpEdge(group, any4, tcpOrigin, HeaderTemplate.plain(Version.V1), "v1");
            InetSocketAddress v2Edge = tcpEdge(group, any4, tcpOrigin, v2WithTlvs, "v2");
            InetSocketAddress sppEdge = udpEdge(group, any4, sppOrigin, UdpEdge.Mode.SPP);
            InetSocketAddress ppv2Edge = udpEdge(group, any4, ppv2Origin, UdpEdge.Mode.PPV2);
            InetSocketAddress firstEdge = udpEdge(group, any4, firstOrigin, UdpEdge.Mode.PPV2_FIRST);
            InetSocketAddress naiveEdge = udpEdge(group, any4, naiveOrigin, UdpEdge.Mode.SPP);

            tcp("tcp v1", v1Edge, "hello through a v1 edge", true);
            tcp("tcp v2", v2Edge, "hello through a v2 edge", true);
            InetSocketAddress v6Edge = ipv6Edge(group, tcpOrigin, v2WithTlvs);
            if (v6Edge != null) {
                tcp("tcp v2 from ::1", v6Edge, "hello from IPv6", true);
            }
            tcp("tcp no header (reject)", tcpOrigin, "hello without a header", false);
            udp("udp spp", sppEdge, List.of("hello through SPP", "again"), true);
            udp("udp ppv2", ppv2Edge, List.of("hello through PROXY v2 on every datagram"), true);
            udp("udp ppv2-first", firstEdge, List.of("first datagram carries the header", "second does not"), true);
            udp("udp no header (drop)", sppOrigin, List.of("hello without a header"), false);
            udp("udp spp, origin forgets the echo (bad-reply)", naiveEdge, List.of("echo me"), false);
            Thread.sleep(200);   // let the last origin lines out
        } finally {
            Servers.shutdown(group);
        }
        console.print(Console.object().put("demo", "summary").put("event", "done").put("ok", failures == 0).put("failures", failures));
        return failures == 0 ? 0 : 1;
    }

    /** A console that tags every line with the component's name and skips routine lines. */
    private Console quiet(String component) {
        ObjectNode tags = Console.object().put("demo", component);
        boolean origin = component.contains("origin");
        return console.tagged(tags, line -> {
            String e = line.path("event").asText();
            // origins: everything they saw; edges: only their complaints (bad-reply, origin-error)
            return !e.equals("listening") && (origin || !e.equals("forward") && !e.equals("flow"));
        });
    }

    private InetSocketAddress udpOrigin(EventLoopGroup group, InetSocketAddress at, String protocol,
                                        UdpProxyConfig config) throws InterruptedException {
        Supplier<io.github.proxycodec.udp.AbstractUdpProxyCodec> codec = UdpOrigin.codec(protocol, config);
        return bound(UdpOrigin.start(group, at, codec, quiet("udp-origin " + protocol)).sync().channel());
    }

    private InetSocketAddress tcpEdge(EventLoopGroup group, InetSocketAddress at, InetSocketAddress origin,
                                      HeaderTemplate template, String name) throws InterruptedException {
        return bound(new TcpEdge(origin, template, name, quiet("edge " + name)).start(group, at).sync().channel());
    }

    private InetSocketAddress udpEdge(EventLoopGroup group, InetSocketAddress at, InetSocketAddress origin,
                                      UdpEdge.Mode mode) throws InterruptedException {
        UdpEdge edge = new UdpEdge(origin, mode, HeaderTemplate.plain(Version.V2), false, Duration.ofSeconds(30),
                quiet("edge " + mode.cliName()));
        return bound(edge.start(group, at).sync().channel());
    }

    /** An edge on [::1], if this machine has IPv6 loopback. */
    private InetSocketAddress ipv6Edge(EventLoopGroup group, InetSocketAddress origin, HeaderTemplate template) {
        try {
            InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 0);
            return bound(new TcpEdge(origin, template, "v2", quiet("edge v2 [::1]")).start(group, v6).sync().channel());
        } catch (Exception e) {
            console.info("demo: no IPv6 loopback, skipping the IPv6 client");
            return null;
        }
    }

    private static InetSocketAddress bound(Channel ch) {
        return (InetSocketAddress) ch.localAddress();
    }

    /** One TCP client: a line out, the answer back (or, if refused, the connection closed). */
    private void tcp(String step, InetSocketAddress to, String line, boolean expectAnswer) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(to, (int) WAIT.toMillis());
            s.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String answer;
            try {
                answer = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (SocketTimeoutException | java.net.SocketException e) {
                answer = null;
            }
            report(step, Addresses.format(s.getLocalSocketAddress()), answer, expectAnswer);
        }
    }

    /** One UDP client: datagrams out, one answer back for each (or none, if dropped). */
    private void udp(String step, InetSocketAddress to, List<String> payloads, boolean expectAnswer) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(to.getAddress(), 0))) {
            s.setSoTimeout(expectAnswer ? (int) WAIT.toMillis() : 500);
            for (String p : payloads) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                s.send(new java.net.DatagramPacket(b, b.length, to));
                java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[2048], 2048);
                String answer;
                try {
                    s.receive(in);
                    answer = new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
                } catch (SocketTimeoutException e) {
                    answer = null;
                }
                report(step, Addresses.format(s.getLocalSocketAddress()), answer, expectAnswer);
            }
        }
    }

    private void report(String step, String client, String answer, boolean expectAnswer) {
        boolean ok = expectAnswer ? answer != null && answer.startsWith("client=" + client + " ") : answer == null;
        if (!ok) {
            failures++;
        }
        ObjectNode line = Console.object().put("demo", step).put("event", "client").put("client", client);
        if (answer != null) {
            line.put("answer", answer);
        } else {
            line.putNull("answer");
        }
        console.print(line.put("ok", ok));
    }

    /** An origin that ignores SPP: it echoes the datagram without the header, as a naive UDP app would. */
    private static final class NaiveEcho extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            String text = packet.content().toString(38, packet.content().readableBytes() - 38, StandardCharsets.UTF_8);
            ctx.writeAndFlush(new DatagramPacket(ByteBufUtil.writeUtf8(ctx.alloc(), text), packet.sender()));
        }
    }
}
