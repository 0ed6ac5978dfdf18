package io.github.proxycodec.testkit;

import io.github.proxycodec.udp.SppHeader;
import io.github.proxycodec.udp.UdpDropReason;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SppEdge}: replies a Spectrum edge would deliver pass; every kind it would drop fails, saying why. */
class SppEdgeTestkitTest {

    private static final InetSocketAddress OTHER = TestAddresses.address("192.0.2.77", 7777);

    private static void assertFailsWith(String expected, Executable check) {
        AssertionError e = assertThrows(AssertionError.class, check);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void anOriginThatRepliesToTheSenderIsAnsweredThroughTheEdge() {
        try (SppEdge edge = SppEdge.create(Origins.echo())) {
            edge.send(TestAddresses.CLIENT, "ping").send(TestAddresses.CLIENT6, "ping6");
            assertEquals("echo ping", edge.replyText(TestAddresses.CLIENT));
            assertEquals("echo ping6", edge.replyText(TestAddresses.CLIENT6));
            edge.assertNoReply();
        }
    }

    @Test
    void aReplyToAClientWithNoFlowIsReportedWithTheCodecsReason() {
        try (SppEdge edge = SppEdge.create(Origins.replying(p -> new DatagramPacket(Origins.text("hi"), OTHER)))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("NO_FLOW_FOR_REPLY", () -> edge.reply(OTHER));
            assertEquals(UdpDropReason.NO_FLOW_FOR_REPLY, edge.refusedReplies().get(0).reason());
        }
    }

    @Test
    void aReplyTooLargeForTheCodecIsReportedWithTheCodecsReason() {
        try (SppEdge edge = SppEdge.create(Origins.replying(p -> new DatagramPacket(Origins.text("x".repeat(1435)), p.sender())))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("REPLY_TOO_LARGE", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyLargerThanTheEdgeForwardsFailsEvenWhenTheCodecAllowsIt() {
        UdpProxyConfig roomy = UdpProxyConfig.builder().maxReplyLength(9000).build();
        try (SppEdge edge = SppEdge.create(roomy, Origins.replying(p -> new DatagramPacket(Origins.text("x".repeat(1435)), p.sender())))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("more than the 1472", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyWithoutTheHeaderFails() {
        try (SppEdge edge = SppEdge.create(Origins.bypassingTheCodec(p -> Origins.to(SppEdge.EDGE, ascii("pong"))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("does not start with its SPP header", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyCarryingAnotherClientsHeaderFails() {
        try (SppEdge edge = SppEdge.create(Origins.bypassingTheCodec(p -> Origins.to(SppEdge.EDGE,
                SppHeader.of(OTHER, EdgeSimulator.SERVICE).toByteArray(), ascii("pong"))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("carries the header of client " + OTHER, () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyWithTheClientsHeaderChangedFails() {
        InetSocketAddress otherService = TestAddresses.address("198.51.100.2", 53);
        try (SppEdge edge = SppEdge.create(Origins.bypassingTheCodec(p -> Origins.to(SppEdge.EDGE,
                SppHeader.of(TestAddresses.CLIENT, otherService).toByteArray(), ascii("pong"))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("not the header its datagrams came with", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplySentStraightToTheClientFails() {
        try (SppEdge edge = SppEdge.create(Origins.bypassingTheCodec(p -> Origins.to(TestAddresses.CLIENT,
                SppHeader.of(TestAddresses.CLIENT, EdgeSimulator.SERVICE).toByteArray(), ascii("pong"))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("not to the edge " + SppEdge.EDGE, () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void noReplyAtAllFailsAndAnUnreadReplyIsReported() {
        try (SppEdge edge = SppEdge.create(Origins.echo())) {
            assertFailsWith("the application sent nothing", () -> edge.reply(TestAddresses.CLIENT));
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("expected no reply", edge::assertNoReply);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
