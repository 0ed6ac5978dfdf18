package io.github.proxycodec.udp;

import java.net.InetSocketAddress;

/**
 * Told about each flow a codec's tables remove by eviction or expiry (not by replacement or by
 * clearing the table): the codec turns it into a {@link UdpProxyEvent}.
 */
@FunctionalInterface
interface FlowRemovalListener {
    /** {@code client} is null for a LOCAL flow (the proxy's own traffic). */
    void removed(InetSocketAddress client, InetSocketAddress edge, boolean expired);
}
