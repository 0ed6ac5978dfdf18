package io.github.proxycodec;

import java.util.Objects;

/**
 * A trust list that can be replaced while serving: one instance shared by every
 * {@link ProxyProtocolHandler} and UDP codec that should follow it.
 *
 * <p>The list is held in a volatile field and replaced whole, so a reader never takes a lock
 * and never sees a half-built list: a connection or datagram is judged by the list in force
 * when it arrives, and there is no moment in which nobody, or everybody, is trusted (unless the
 * new list says so). {@link io.github.proxycodec.trust.TrustFile} and
 * {@link io.github.proxycodec.trust.CloudflareRefresher} replace it from a file or from
 * Cloudflare's published ranges.
 *
 * <pre>{@code
 * ReloadableTrust trust = new ReloadableTrust(TrustedProxies.of("10.0.0.0/8"));
 * ProxyProtocolConfig tcp = ProxyProtocolConfig.builder().trustSource(trust).build();
 * UdpProxyConfig udp = UdpProxyConfig.builder().trustSource(trust).build();
 * trust.replace(TrustedProxies.of("10.0.0.0/8", "192.0.2.0/24"));   // later, from any thread
 * }</pre>
 */
public final class ReloadableTrust implements TrustSource {

    private volatile TrustedProxies current;

    /** Creates a source that trusts {@code initial} until it is replaced. */
    public ReloadableTrust(TrustedProxies initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    @Override
    public TrustedProxies current() {
        return current;
    }

    /**
     * Puts {@code next} in force for every connection and datagram that arrives from now on;
     * safe from any thread. Connections already accepted keep the verdict they were given.
     *
     * @return the list replaced
     */
    public TrustedProxies replace(TrustedProxies next) {
        Objects.requireNonNull(next, "next");
        TrustedProxies previous;
        synchronized (this) {
            // Writers are serialised so each is told the list it really replaced; readers never lock.
            previous = current;
            current = next;
        }
        return previous;
    }

    @Override
    public String toString() {
        return "ReloadableTrust[" + current + "]";
    }
}
