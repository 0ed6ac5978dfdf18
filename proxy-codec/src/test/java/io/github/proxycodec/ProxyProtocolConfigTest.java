package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.PeerChannel;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every setting is refused at build time outside what the handler can honour, at and past each bound. */
class ProxyProtocolConfigTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

    private static ProxyProtocolConfig.Builder builder() {
        return ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.1"));
    }

    private static void assertRefused(String option, Runnable setting) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setting::run);
        assertTrue(e.getMessage().startsWith(option + " "), "names the option: " + e.getMessage());
    }

    @Test
    void headerTimeoutIsAcceptedFromOneMillisecondToOneHour() {
        assertEquals(Duration.ofMillis(1), builder().headerTimeout(Duration.ofMillis(1)).build().headerTimeout());
        assertEquals(Duration.ofHours(1), builder().headerTimeout(Duration.ofHours(1)).build().headerTimeout());
        assertRefused("headerTimeout", () -> builder().headerTimeout(Duration.ofNanos(999_999)));
        assertRefused("headerTimeout", () -> builder().headerTimeout(Duration.ZERO));
        assertRefused("headerTimeout", () -> builder().headerTimeout(Duration.ofSeconds(-1)));
        assertRefused("headerTimeout", () -> builder().headerTimeout(Duration.ofHours(1).plusNanos(1)));
        assertRefused("headerTimeout", () -> builder().headerTimeout(Duration.ofSeconds(10_000_000_000L)));
    }

    @Test
    void theLongestHeaderTimeoutAcceptedIsTheOneThatFires() {
        PeerChannel ch = new PeerChannel(PEER, new ProxyProtocolHandler(
                builder().headerTimeout(ProxyProtocolConfig.MAX_HEADER_TIMEOUT).build()));
        ch.advanceTimeBy(59, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "still within the hour");
        ch.advanceTimeBy(1, TimeUnit.MINUTES);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen());
        assertEquals(Reason.TIMEOUT, ((ProxyProtocolEvent) ch.events().get(0)).reason());
        assertFalse(ch.finish());
    }

    @Test
    void maxV2HeaderLengthIsTheWireFormatsRange() {
        assertEquals(16, builder().maxV2HeaderLength(16).build().maxV2HeaderLength());
        assertEquals(65551, builder().maxV2HeaderLength(65551).build().maxV2HeaderLength());
        assertRefused("maxV2HeaderLength", () -> builder().maxV2HeaderLength(15));
        assertRefused("maxV2HeaderLength", () -> builder().maxV2HeaderLength(65552));
    }

    @Test
    void maxPendingConnectionsIsAtLeastOne() {
        assertEquals(1, builder().maxPendingConnections(1).build().maxPendingConnections());
        assertRefused("maxPendingConnections", () -> builder().maxPendingConnections(0));
        assertRefused("maxPendingConnections", () -> PendingLimit.of(-1));
    }

    @Test
    void acceptingNoVersionIsRefused() {
        assertRefused("acceptV1", () -> builder().acceptV1(false).acceptV2(false).build());
    }

    @Test
    void thePendingLimitIsSharedOnlyOnPurpose() {
        ProxyProtocolConfig a = builder().maxPendingConnections(5).build();
        assertSame(a.pendingLimit(), a.toBuilder().build().pendingLimit(), "toBuilder keeps the same limit");
        ProxyProtocolConfig b = a.toBuilder().maxPendingConnections(5).build();
        assertFalse(a.pendingLimit() == b.pendingLimit(), "a new cap is a new count");
        assertNull(builder().build().pendingLimit());
        assertEquals(Integer.MAX_VALUE, builder().build().maxPendingConnections());
    }

    @Test
    void aSharedLimitCountsConnectionsOfEveryConfigurationUsingIt() {
        PendingLimit limit = PendingLimit.of(1);
        ProxyProtocolConfig first = builder().pendingLimit(limit).build();
        ProxyProtocolConfig second = builder().acceptV1(false).pendingLimit(limit).build();
        PeerChannel waiting = new PeerChannel(PEER, new ProxyProtocolHandler(first));
        assertEquals(1, limit.waiting());
        PeerChannel refused = new PeerChannel(PEER, new ProxyProtocolHandler(second));
        assertEquals(Reason.TOO_MANY_PENDING, ((ProxyProtocolEvent) refused.events().get(0)).reason());
        waiting.close();
        assertEquals(0, limit.waiting());
        assertFalse(waiting.finish());
        assertFalse(refused.finish());
    }
}
