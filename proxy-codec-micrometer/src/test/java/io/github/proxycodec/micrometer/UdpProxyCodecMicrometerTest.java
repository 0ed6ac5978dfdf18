package io.github.proxycodec.micrometer;

import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link UdpProxyCodecMetrics} on a {@link SimpleMeterRegistry}, driven by real codecs. */
class UdpProxyCodecMicrometerTest {

    private static final InetSocketAddress EDGE = new InetSocketAddress("127.0.0.1", 41000);
    private static final InetSocketAddress ORIGIN = new InetSocketAddress("127.0.0.1", 2408);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final UdpProxyCodecMetrics metrics = new UdpProxyCodecMetrics();
    private final MockTicker clock = Ticker.newMockTicker();
    private final UdpProxyConfig config = UdpProxyConfig.builder()
            .trustedEdges(TrustedProxies.of("127.0.0.1/32"))
            .maxFlows(2)
            .sppIdleTimeout(Duration.ofSeconds(60))
            .maxReplyLength(100)
            .ticker(clock)
            .build();

    {
        metrics.bindTo(registry);
    }

    private static InetSocketAddress client(int i) {
        return new InetSocketAddress("192.0.2." + i, 1000 + i);
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** Sends one SPP datagram from {@code client} through the edge and checks that it is passed on. */
    private static void fromClient(EmbeddedChannel ch, InetSocketAddress client) {
        ByteBuf content = Unpooled.buffer();
        SppHeader.of(client, ORIGIN).writeTo(content).writeCharSequence("hi", StandardCharsets.US_ASCII);
        ch.writeInbound(new DatagramPacket(content, ORIGIN, EDGE));
        ProxiedDatagram in = ch.readInbound();
        assertNotNull(in, "passed on");
        in.release();
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    private double flows() {
        return registry.get("proxy.udp.flows").gauge().value();
    }

    @Test
    void flowsEvictionsAndExpirationsAreThoseOfTheCodecs() {
        EmbeddedChannel ch = new EmbeddedChannel(metrics.add(new SppCodec(config)));
        fromClient(ch, client(1));
        fromClient(ch, client(2));
        assertEquals(2, flows());
        fromClient(ch, client(3));   // maxFlows 2: the eldest goes
        assertEquals(2, flows());
        assertEquals(1, counter("proxy.udp.flow.evictions"));
        clock.advance(61, TimeUnit.SECONDS);
        ((SppCodec) ch.pipeline().first()).expireIdleFlows();
        assertEquals(0, flows());
        assertEquals(2, counter("proxy.udp.flow.expirations"));
        assertFalse(ch.finish());
    }

    @Test
    void dropsAndRefusedRepliesAreCountedByReason() {
        EmbeddedChannel ch = new EmbeddedChannel(metrics.add(new SppCodec(config)));
        ch.writeInbound(new DatagramPacket(ascii("short"), ORIGIN, EDGE));
        ch.writeInbound(new DatagramPacket(ascii("x".repeat(40)), ORIGIN, EDGE));
        ch.writeInbound(new DatagramPacket(ascii("x".repeat(40)), ORIGIN, new InetSocketAddress("127.0.0.2", 1)));
        assertNull(ch.readInbound());
        fromClient(ch, client(1));
        ChannelFuture tooLarge = ch.writeAndFlush(new DatagramPacket(ascii("y".repeat(100)), client(1)));
        ChannelFuture nobody = ch.writeAndFlush(new DatagramPacket(ascii("lost"), client(9)));
        assertFalse(tooLarge.isSuccess());
        assertFalse(nobody.isSuccess());

        assertEquals(1, counter("proxy.udp.drops", "reason", "too_short"));
        assertEquals(1, counter("proxy.udp.drops", "reason", "bad_magic"));
        assertEquals(1, counter("proxy.udp.drops", "reason", "untrusted_sender"));
        assertEquals(0, counter("proxy.udp.drops", "reason", "unknown_flow"));
        assertEquals(1, counter("proxy.udp.replies.refused", "reason", "reply_too_large"));
        assertEquals(1, counter("proxy.udp.replies.refused", "reason", "no_flow_for_reply"));
        assertNull(registry.find("proxy.udp.drops").tag("reason", "reply_too_large").meter(),
                "an outbound reason is a refused reply, not a drop");
        assertFalse(ch.finish());
    }

    @Test
    void countsOfSeveralChannelsAddUpAndSurviveTheirRemoval() {
        ProxyV2DatagramCodec first = metrics.add(new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM));
        ProxyV2DatagramCodec second = metrics.add(new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM));
        EmbeddedChannel a = new EmbeddedChannel(first);
        EmbeddedChannel b = new EmbeddedChannel(second);
        a.writeInbound(new DatagramPacket(ascii("no header at all"), ORIGIN, EDGE));
        b.writeInbound(new DatagramPacket(ascii("no header either"), ORIGIN, EDGE));
        assertEquals(2, counter("proxy.udp.drops", "reason", "missing_header"));

        assertFalse(a.finish());
        metrics.remove(first);
        assertEquals(1, metrics.codecs());
        assertEquals(2, counter("proxy.udp.drops", "reason", "missing_header"), "a counter never goes back");
        b.writeInbound(new DatagramPacket(ascii("and a third"), ORIGIN, EDGE));
        assertEquals(3, counter("proxy.udp.drops", "reason", "missing_header"));
        metrics.remove(first);
        assertEquals(3, counter("proxy.udp.drops", "reason", "missing_header"), "a second remove is ignored");
        assertFalse(b.finish());
    }

    @Test
    void everyReasonHasOneSeriesAndEveryMeterADescriptionAndUnit() {
        int series = 0;
        for (Meter m : registry.getMeters()) {
            assertFalse(m.getId().getDescription() == null || m.getId().getDescription().isEmpty());
            assertNotNull(m.getId().getBaseUnit(), m.getId().getName());
            series++;
        }
        assertEquals(UdpDropReason.values().length + 3, series, "reasons, flows, evictions, expirations");
    }
}
