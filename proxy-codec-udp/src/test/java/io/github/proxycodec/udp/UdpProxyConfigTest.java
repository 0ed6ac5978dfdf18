package io.github.proxycodec.udp;

import io.github.proxycodec.TrustedProxies;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UdpProxyConfigTest {

    @Test
    void defaultsTrustCloudflareAndMatchSpectrum() {
        UdpProxyConfig d = UdpProxyConfig.defaults();
        assertSame(TrustedProxies.cloudflare(), d.trustedEdges());
        assertEquals(65536, d.maxFlows());
        assertEquals(1472, d.maxReplyLength());
        assertTrue(d.rejectUnspecifiedAddresses());
        assertEquals(Duration.ofSeconds(25), d.firstDatagramIdleTimeout());
        assertTrue(d.sppIdleTimeout().compareTo(Duration.ofSeconds(30)) > 0);
        assertTrue(d.perDatagramIdleTimeout().compareTo(Duration.ofSeconds(30)) > 0);
        assertEquals(4096, d.maxV2HeaderLength());
    }

    @Test
    void impossibleSettingsAreRefusedAtBuildTime() {
        UdpProxyConfig.Builder b = UdpProxyConfig.builder();
        assertThrows(IllegalArgumentException.class, () -> b.maxFlows(0));
        assertThrows(IllegalArgumentException.class, () -> b.sppIdleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.firstDatagramIdleTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.perDatagramIdleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.maxReplyLength(38));
        assertThrows(IllegalArgumentException.class, () -> b.maxReplyLength(65508));
        assertThrows(IllegalArgumentException.class, () -> b.maxV2HeaderLength(15));
        assertThrows(NullPointerException.class, () -> b.trustedEdges(null));
        assertThrows(NullPointerException.class, () -> b.ticker(null));
    }

    @Test
    void dropReasonNamesAreAStableContract() {
        // Printed by the examples (udp-origin) and used as metric labels: renaming breaks users.
        assertEquals(List.of("TOO_SHORT", "BAD_MAGIC", "UNTRUSTED_SENDER", "UNSPECIFIED_ADDRESS", "INVALID_HEADER",
                        "MISSING_HEADER", "UNKNOWN_FLOW", "NO_FLOW_FOR_REPLY", "REPLY_TOO_LARGE",
                        "REJECTED_BY_POLICY"),
                Arrays.stream(UdpDropReason.values()).map(Enum::name).toList());
    }

    @Test
    void eachBoundIsAcceptedAtItAndRefusedPastItNamingTheSetting() {
        UdpProxyConfig.Builder b = UdpProxyConfig.builder();
        assertEquals(UdpProxyConfig.MAX_FLOWS, b.maxFlows(UdpProxyConfig.MAX_FLOWS).build().maxFlows());
        assertEquals(1, b.maxFlows(1).build().maxFlows());
        refused("maxFlows", () -> b.maxFlows(UdpProxyConfig.MAX_FLOWS + 1));
        refused("maxFlows", () -> b.maxFlows(0));
        assertEquals(Duration.ofDays(1), b.sppIdleTimeout(Duration.ofDays(1)).build().sppIdleTimeout());
        assertEquals(Duration.ofMillis(1), b.firstDatagramIdleTimeout(Duration.ofMillis(1)).build().firstDatagramIdleTimeout());
        refused("sppIdleTimeout", () -> b.sppIdleTimeout(Duration.ofDays(1).plusNanos(1)));
        refused("sppIdleTimeout", () -> b.sppIdleTimeout(Duration.ofSeconds(10_000_000_000L)));
        refused("firstDatagramIdleTimeout", () -> b.firstDatagramIdleTimeout(Duration.ofNanos(999_999)));
        refused("perDatagramIdleTimeout", () -> b.perDatagramIdleTimeout(Duration.ofDays(2)));
        assertEquals(39, b.maxReplyLength(39).build().maxReplyLength());
        assertEquals(65507, b.maxReplyLength(65507).build().maxReplyLength());
        refused("maxReplyLength", () -> b.maxReplyLength(65508));
    }

    @Test
    void everyCodecBuildsAndRunsWithTheLargestSettings() {
        UdpProxyConfig config = UdpProxyConfig.builder().trustedEdges(TrustedProxies.any())
                .maxFlows(UdpProxyConfig.MAX_FLOWS)
                .sppIdleTimeout(UdpProxyConfig.MAX_IDLE_TIMEOUT)
                .firstDatagramIdleTimeout(UdpProxyConfig.MAX_IDLE_TIMEOUT)
                .perDatagramIdleTimeout(UdpProxyConfig.MAX_IDLE_TIMEOUT)
                .build();
        for (AbstractUdpProxyCodec codec : List.of(new SppCodec(config),
                new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM),
                new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM))) {
            io.netty.channel.embedded.EmbeddedChannel ch = new io.netty.channel.embedded.EmbeddedChannel(codec);
            codec.expireIdleFlows();
            assertEquals(0, codec.flows());
            assertEquals(false, ch.finish());
        }
    }

    private static void refused(String option, Runnable setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setting::run);
        assertTrue(e.getMessage().startsWith(option + " must be from "), e.getMessage());
    }
}
