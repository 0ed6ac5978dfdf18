package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.PeerChannel;
import io.github.proxycodec.testing.Vector;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A trust list replaced while serving: each connection is judged by the list in force when it starts. */
class ReloadableTrustTest {

    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

    private static ProxyProtocolEvent connect(ProxyProtocolConfig config) {
        PeerChannel ch = new PeerChannel(PEER, new ProxyProtocolHandler(config));
        if (ch.isOpen()) { // an untrusted peer is closed as soon as it is active
            ch.read(Vector.load("haproxy-v2-tcp4").bytes());
        }
        ProxyProtocolEvent e = assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
        ch.finishAndReleaseAll();
        return e;
    }

    @Test
    void aFixedListIsItsOwnSource() {
        TrustedProxies list = TrustedProxies.of("10.0.0.0/8");
        assertSame(list, list.current());
        ProxyProtocolConfig config = ProxyProtocolConfig.builder().trustedProxies(list).build();
        assertSame(list, config.trustSource());
        assertSame(list, config.trustedProxies());
    }

    @Test
    void replaceReturnsTheListItReplacedAndTheNewOneIsCurrent() {
        TrustedProxies first = TrustedProxies.of("10.0.0.0/8");
        TrustedProxies second = TrustedProxies.of("192.0.2.0/24");
        ReloadableTrust trust = new ReloadableTrust(first);
        assertSame(first, trust.current());
        assertSame(first, trust.replace(second));
        assertSame(second, trust.current());
    }

    @Test
    void connectionsAfterAReplacementAreJudgedByTheNewList() {
        ReloadableTrust trust = new ReloadableTrust(TrustedProxies.of("192.0.2.0/24"));
        ProxyProtocolConfig config = ProxyProtocolConfig.builder().trustSource(trust).build();
        assertEquals(Reason.UNTRUSTED_SOURCE, connect(config).reason());

        trust.replace(TrustedProxies.of("127.0.0.0/8"));
        ProxyProtocolEvent accepted = connect(config);
        assertTrue(accepted.isSuccess(), () -> String.valueOf(accepted.cause()));

        trust.replace(TrustedProxies.of("192.0.2.0/24"));
        assertEquals(Reason.UNTRUSTED_SOURCE, connect(config).reason());
    }

    @Test
    void aConnectionKeepsTheVerdictItGotWhenItStarted() {
        ReloadableTrust trust = new ReloadableTrust(TrustedProxies.of("127.0.0.0/8"));
        ProxyProtocolConfig config = ProxyProtocolConfig.builder().trustSource(trust).build();
        PeerChannel ch = new PeerChannel(PEER, new ProxyProtocolHandler(config));
        byte[] header = Vector.load("haproxy-v2-tcp4").bytes();
        ch.read(java.util.Arrays.copyOf(header, 10));
        trust.replace(TrustedProxies.of("192.0.2.0/24")); // while its header is still arriving
        ch.read(java.util.Arrays.copyOfRange(header, 10, header.length));
        ProxyProtocolEvent e = assertInstanceOf(ProxyProtocolEvent.class, ch.events().get(0));
        assertTrue(e.isSuccess(), () -> String.valueOf(e.cause()));
        ch.finishAndReleaseAll();
    }

    @Test
    void readersDuringReplacementsSeeOneWholeListOrTheOtherNeverNothing() throws Exception {
        TrustedProxies a = TrustedProxies.of("127.0.0.0/8", "10.0.0.0/8");
        TrustedProxies b = TrustedProxies.of("127.0.0.0/8", "192.0.2.0/24");
        ReloadableTrust trust = new ReloadableTrust(a);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<String> wrong = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            started.countDown();
            InetSocketAddress always = new InetSocketAddress("127.0.0.1", 1);
            while (!stop.get() && wrong.get() == null) {
                TrustedProxies now = trust.current();
                if ((now != a && now != b) || !now.contains(always)) {
                    wrong.set("saw " + now);
                }
            }
        });
        reader.start();
        assertTrue(started.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 100_000; i++) {
            trust.replace(i % 2 == 0 ? b : a);
        }
        stop.set(true);
        reader.join(5_000);
        assertFalse(reader.isAlive());
        assertNull(wrong.get());
    }
}
