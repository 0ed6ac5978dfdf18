package io.github.proxycodec.testkit;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeaderEncoder;
import io.github.proxycodec.udp.ProxiedDatagram;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ProxyV2Edge}: both modes deliver and check replies; headers in replies and wrong sockets fail. */
class ProxyV2EdgeTestkitTest {

    private static void assertFailsWith(String expected, Executable check) {
        AssertionError e = assertThrows(AssertionError.class, check);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void firstDatagramModeAnswersTheLaterDatagramsOfAFlowToo() {
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.FIRST_DATAGRAM, Origins.echo())) {
            edge.send(TestAddresses.CLIENT, "one").send(TestAddresses.CLIENT, "two").send(TestAddresses.CLIENT6, "six");
            assertEquals("echo one", edge.replyText(TestAddresses.CLIENT));
            assertEquals("echo two", edge.replyText(TestAddresses.CLIENT));
            assertEquals("echo six", edge.replyText(TestAddresses.CLIENT6));
            assertNotEquals(edge.edgeOf(TestAddresses.CLIENT), edge.edgeOf(TestAddresses.CLIENT6), "a socket per client");
            edge.assertNoReply();
        }
    }

    @Test
    void aHeaderSentAloneOpensTheFlowWithoutAPayload() {
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.FIRST_DATAGRAM, Origins.echo()).headerAlone(true)) {
            edge.send(TestAddresses.CLIENT, "one");
            assertEquals("echo one", edge.replyText(TestAddresses.CLIENT));
            edge.assertNoReply();
        }
    }

    @Test
    void perDatagramModeCarriesTheHeaderEveryTime() {
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.PER_DATAGRAM, Origins.echo())) {
            edge.send(TestAddresses.CLIENT, "one").send(TestAddresses.CLIENT, "two");
            assertEquals("echo one", edge.replyText(TestAddresses.CLIENT));
            assertEquals("echo two", edge.replyText(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyThatCarriesAProxyHeaderFails() {
        byte[] header = ProxyHeaderEncoder.toByteArray(ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM)
                .addresses(TestAddresses.CLIENT, EdgeSimulator.SERVICE).build());
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.FIRST_DATAGRAM, Origins.bypassingTheCodec(
                p -> Origins.to(((ProxiedDatagram) p).edge(), header, "pong".getBytes(StandardCharsets.US_ASCII))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("starts with a PROXY v2 header", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyToAnotherSocketFails() {
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.FIRST_DATAGRAM, Origins.bypassingTheCodec(
                p -> Origins.to(TestAddresses.CLIENT, "pong".getBytes(StandardCharsets.US_ASCII))))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("not to the edge socket", () -> edge.reply(TestAddresses.CLIENT));
        }
    }

    @Test
    void aReplyToAClientThatNeverSentFails() {
        try (ProxyV2Edge edge = ProxyV2Edge.create(Mode.PER_DATAGRAM,
                Origins.replying(p -> new DatagramPacket(Origins.text("hi"), TestAddresses.CLIENT6)))) {
            edge.send(TestAddresses.CLIENT, "ping");
            assertFailsWith("NO_FLOW_FOR_REPLY", () -> edge.reply(TestAddresses.CLIENT6));
        }
    }

    @Test
    void anEdgeAroundTheApplicationsOwnCodecTakesItsMode() {
        ProxyV2DatagramCodec codec = new ProxyV2DatagramCodec(UdpProxyConfig.defaults(), Mode.PER_DATAGRAM);
        try (ProxyV2Edge edge = ProxyV2Edge.around(codec, Origins.echo())) {
            edge.send(TestAddresses.CLIENT, "one").send(TestAddresses.CLIENT, "two");
            assertEquals("echo one", edge.replyText(TestAddresses.CLIENT));
            assertEquals("echo two", edge.replyText(TestAddresses.CLIENT));
            assertEquals(1, codec.flows());
        }
    }
}
