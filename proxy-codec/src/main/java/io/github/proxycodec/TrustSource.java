package io.github.proxycodec;

/**
 * Where the handler and the UDP codecs read the list of trusted proxies from, once per
 * connection or datagram.
 *
 * <p>A fixed {@link TrustedProxies} is its own source; a {@link ReloadableTrust} holds a list
 * that can be replaced while serving. An implementation must answer quickly and without
 * blocking: it is called on the event loop for every connection and every datagram.
 */
@FunctionalInterface
public interface TrustSource {

    /** Returns the list in force now; never {@code null}. */
    TrustedProxies current();
}
