package io.github.proxycodec.udp;

import io.github.proxycodec.HeaderValidator;
import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.ReloadableTrust;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static io.github.proxycodec.udp.Udp.EDGE;
import static io.github.proxycodec.udp.Udp.addr;
import static io.github.proxycodec.udp.Udp.ascii;
import static io.github.proxycodec.udp.Udp.concat;
import static io.github.proxycodec.udp.Udp.datagram;
import static io.github.proxycodec.udp.Udp.spp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Both UDP codecs with a trust list replaced while serving, and with a header validator. */
class UdpTrustAndPolicyTest {

    private static final InetSocketAddress CLIENT = addr("203.0.113.7", 4000);
    private static final InetSocketAddress CLIENT2 = addr("203.0.113.8", 4000);
    private static final InetSocketAddress SERVICE = addr("198.51.100.20", 53);
    private static final TrustedProxies EDGE_ONLY = TrustedProxies.of("162.158.0.0/15");
    private static final TrustedProxies ELSEWHERE = TrustedProxies.of("192.0.2.0/24");

    private final Udp.Events events = new Udp.Events();
    private AbstractUdpProxyCodec codec;
    private EmbeddedChannel ch;

    private void open(AbstractUdpProxyCodec c) {
        codec = c;
        ch = new EmbeddedChannel(c, events);
    }

    @AfterEach
    void nothingLeftOver() {
        assertFalse(ch.finish(), "no message may be left in the channel");
    }

    /** Returns whether the datagram was passed on (released here). */
    private boolean passes(DatagramPacket p) {
        ch.writeInbound(p);
        ProxiedDatagram in = ch.readInbound();
        if (in == null) {
            return false;
        }
        in.release();
        return true;
    }

    private static DatagramPacket v2(InetSocketAddress client, InetSocketAddress from) {
        ProxyHeader h = ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client, SERVICE).build();
        return datagram(concat(ProxyHeaderEncoder.toByteArray(h), ascii("q")), from);
    }

    private UdpProxyEvent lastDrop() {
        List<UdpProxyEvent> drops = events.of(UdpProxyEvent.Kind.DROPPED);
        assertFalse(drops.isEmpty(), "no drop event");
        return drops.get(drops.size() - 1);
    }

    @Test
    void sppFollowsAReplacedListEvenForTheEdgeItJustTrusted() {
        ReloadableTrust trust = new ReloadableTrust(EDGE_ONLY);
        open(new SppCodec(UdpProxyConfig.builder().dropEvents(true).trustSource(trust).build()));
        assertTrue(passes(spp(CLIENT, SERVICE, EDGE, "a")));

        trust.replace(ELSEWHERE); // the codec remembered EDGE as trusted: that must not outlive the list
        assertFalse(passes(spp(CLIENT, SERVICE, EDGE, "b")));
        assertEquals(1, codec.drops(UdpDropReason.UNTRUSTED_SENDER));

        trust.replace(EDGE_ONLY);
        assertTrue(passes(spp(CLIENT, SERVICE, EDGE, "c")));
    }

    @Test
    void proxyV2FollowsAReplacedList() {
        ReloadableTrust trust = new ReloadableTrust(EDGE_ONLY);
        open(new ProxyV2DatagramCodec(UdpProxyConfig.builder().dropEvents(true).trustSource(trust).build(), Mode.PER_DATAGRAM));
        assertTrue(passes(v2(CLIENT, EDGE)));
        trust.replace(ELSEWHERE);
        assertFalse(passes(v2(CLIENT, EDGE)));
        assertEquals(1, codec.drops(UdpDropReason.UNTRUSTED_SENDER));
    }

    @Test
    void sppRefusedByPolicyIsDroppedCountedAndReportedWithTheMessage() {
        HeaderValidator onlyClient2 = (h, peer) -> h.sourceAddress().equals(CLIENT2) ? null : "not client 2";
        open(new SppCodec(UdpProxyConfig.builder().dropEvents(true).trustedEdges(EDGE_ONLY).headerValidator(onlyClient2).build()));
        assertFalse(passes(spp(CLIENT, SERVICE, EDGE, "a")));
        assertEquals(1, codec.drops(UdpDropReason.REJECTED_BY_POLICY));
        UdpProxyEvent e = lastDrop();
        assertEquals(UdpDropReason.REJECTED_BY_POLICY, e.reason());
        assertEquals("not client 2", e.detail());
        assertEquals(EDGE, e.edge());
        assertEquals(0, codec.flows(), "a refused header opens no flow");
        assertTrue(passes(spp(CLIENT2, SERVICE, EDGE, "b")));
    }

    @Test
    void sppJudgesAKnownFlowOnceNotOnEveryDatagram() {
        List<InetSocketAddress> judged = new ArrayList<>();
        HeaderValidator counting = (h, peer) -> {
            judged.add(h.sourceAddress());
            assertEquals(ProxyHeader.Transport.DGRAM, h.transport());
            assertEquals(SERVICE, h.destinationAddress());
            return null;
        };
        open(new SppCodec(UdpProxyConfig.builder().dropEvents(true).trustedEdges(EDGE_ONLY).headerValidator(counting).build()));
        for (int i = 0; i < 5; i++) {
            assertTrue(passes(spp(CLIENT, SERVICE, EDGE, "x" + i)));
        }
        assertEquals(List.of(CLIENT), judged);
    }

    @Test
    void proxyV2ValidatorThatThrowsDropsTheDatagramAndTheCodecKeepsServing() {
        HeaderValidator flaky = (h, peer) -> {
            if (h.sourceAddress().equals(CLIENT)) {
                throw new IllegalArgumentException("bad tenant");
            }
            return null;
        };
        open(new ProxyV2DatagramCodec(UdpProxyConfig.builder().dropEvents(true).trustedEdges(EDGE_ONLY).headerValidator(flaky).build(),
                Mode.PER_DATAGRAM));
        assertFalse(passes(v2(CLIENT, EDGE)));
        assertEquals(1, codec.drops(UdpDropReason.REJECTED_BY_POLICY));
        assertTrue(lastDrop().detail().contains("IllegalArgumentException: bad tenant"), lastDrop().detail());
        assertTrue(passes(v2(CLIENT2, EDGE)));
    }

    @Test
    void firstDatagramRefusedHeaderLeavesNoFlowForTheDatagramsAfterIt() {
        HeaderValidator refuseAll = (h, peer) -> "closed";
        open(new ProxyV2DatagramCodec(UdpProxyConfig.builder().dropEvents(true).trustedEdges(EDGE_ONLY).headerValidator(refuseAll).build(),
                Mode.FIRST_DATAGRAM));
        assertFalse(passes(v2(CLIENT, EDGE)));
        assertFalse(passes(datagram(ascii("later"), EDGE)));
        assertEquals(1, codec.drops(UdpDropReason.REJECTED_BY_POLICY));
        assertEquals(1, codec.drops(UdpDropReason.UNKNOWN_FLOW));
        assertNotNull(lastDrop());
        assertNull(lastDrop().detail());
    }
}
