package io.github.proxycodec.hardening;

import io.github.proxycodec.hardening.UdpCorpus.Case;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.V2Bytes;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Every UDP case of the malformed-input corpus through its codec on an embedded channel: dropped,
 * counted under its reason and no other, reported once with that reason (and the parser's), nothing
 * passed on, no flow created, every buffer released.
 */
class UdpMalformedCorpusTest {

    private static final UdpProxyConfig WITH_DROP_EVENTS = UdpProxyConfig.builder().dropEvents(true).build();

    static List<Case> cases() {
        return UdpCorpus.cases();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void droppedCountedUnderItsReasonAndNothingPassedOn(Case c) {
        TrackingAllocator alloc = new TrackingAllocator();
        UdpChannels udp = new UdpChannels(c.codec(), WITH_DROP_EVENTS, alloc);
        ByteBuf content = alloc.copyOf(c.bytes());
        udp.channel.writeInbound(new DatagramPacket(content, UdpChannels.ORIGIN, c.sender()));

        assertNull(udp.channel.readInbound(), "nothing may be passed on");
        assertEquals(1, udp.codec.drops(c.reason()), "counted under " + c.reason());
        assertEquals(1, udp.codec.drops(), "counted once, under one reason");
        List<UdpProxyEvent> dropped = udp.events(UdpProxyEvent.Kind.DROPPED);
        assertEquals(1, dropped.size(), () -> "events: " + udp.events);
        assertEquals(c.reason(), dropped.get(0).reason());
        assertEquals(c.headerReason(), dropped.get(0).headerReason(), "the parser's reason");
        assertEquals(c.sender(), dropped.get(0).edge());
        assertEquals(dropped, udp.events, "no flow event for a dropped datagram");
        assertEquals(0, udp.codec.flows(), "a dropped datagram creates no flow");
        assertEquals(0, content.refCnt(), "the datagram is released");
        assertFalse(udp.channel.finish(), "nothing left in the channel");
        alloc.assertAllReleased(c.name());
    }

    @Test
    void ppv2_first_datagram_invalid_header_ends_the_edge_ports_flow() {
        TrackingAllocator alloc = new TrackingAllocator();
        UdpChannels udp = new UdpChannels(UdpCorpus.Codec.FIRST_DATAGRAM, WITH_DROP_EVENTS, alloc);
        byte[] header = V2Bytes.header(V2Bytes.PROXY, 0x12, V2Bytes.inet("192.0.2.10", "198.51.100.1", 12345, 53));
        udp.channel.writeInbound(new DatagramPacket(alloc.copyOf(header), UdpChannels.ORIGIN, UdpCorpus.EDGE));
        udp.channel.writeInbound(new DatagramPacket(alloc.copyOf(ByteArrays.ascii("one")), UdpChannels.ORIGIN, UdpCorpus.EDGE));
        ProxiedDatagram first = udp.channel.readInbound();
        assertNotNull(first, "the flow is open");
        first.release();

        byte[] bad = Bytes.flip(header, 12, 0x10); // version 3
        udp.channel.writeInbound(new DatagramPacket(alloc.copyOf(bad), UdpChannels.ORIGIN, UdpCorpus.EDGE));
        udp.channel.writeInbound(new DatagramPacket(alloc.copyOf(ByteArrays.ascii("two")), UdpChannels.ORIGIN, UdpCorpus.EDGE));

        assertNull(udp.channel.readInbound(), "after a bad header, the edge port's datagrams cannot be attributed");
        assertEquals(1, udp.codec.drops(UdpDropReason.INVALID_HEADER));
        assertEquals(1, udp.codec.drops(UdpDropReason.UNKNOWN_FLOW));
        assertEquals(0, udp.codec.flows());
        assertFalse(udp.channel.finish());
        alloc.assertAllReleased("flow ended");
    }
}
