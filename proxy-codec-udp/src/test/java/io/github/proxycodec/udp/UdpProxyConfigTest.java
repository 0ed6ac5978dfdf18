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
}
