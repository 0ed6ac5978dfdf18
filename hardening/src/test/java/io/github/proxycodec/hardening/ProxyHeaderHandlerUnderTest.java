package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.testing.PeerChannel;

import java.net.InetSocketAddress;

/** Opens a {@link PeerChannel} with a {@link ProxyProtocolHandler} whose buffers come from a tracking allocator. */
final class ProxyHeaderHandlerUnderTest {

    private ProxyHeaderHandlerUnderTest() {
    }

    static PeerChannel open(InetSocketAddress peer, ProxyProtocolConfig config, TrackingAllocator alloc) {
        // The handler allocates only when bytes arrive, so setting the allocator after activation is in time.
        PeerChannel ch = new PeerChannel(peer, new ProxyProtocolHandler(config));
        ch.config().setAllocator(alloc);
        return ch;
    }
}
