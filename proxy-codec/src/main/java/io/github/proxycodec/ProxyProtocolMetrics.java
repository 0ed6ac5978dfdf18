package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;

/**
 * What a {@link ProxyProtocolHandler} reports about its connection, for counters: set one with
 * {@link ProxyProtocolConfig.Builder#metrics} and every handler built with that configuration
 * calls it. Every method does nothing by default, and {@link #NONE} (the default) is what a
 * configuration without metrics holds, so the handler's calls cost a call to an empty method.
 *
 * <p>The methods are called on the connections' event loops, so on several threads at once:
 * an implementation counts with thread-safe counters (e.g. {@code LongAdder}) and must not
 * block or throw. The {@code proxy-codec-micrometer} module has one that publishes Micrometer
 * meters.
 *
 * <table border="1">
 * <caption>Calls per connection</caption>
 * <tr><th>connection</th><th>calls</th></tr>
 * <tr><td>trusted peer, header accepted</td><td>{@link #waitingStarted()},
 *     {@link #waitingEnded()}, {@link #headerAccepted(ProxyHeader)}</td></tr>
 * <tr><td>trusted peer, OPTIONAL header absent</td><td>{@link #waitingStarted()},
 *     {@link #waitingEnded()}, {@link #headerAbsent()}</td></tr>
 * <tr><td>trusted peer, refused or timed out</td><td>{@link #waitingStarted()},
 *     {@link #waitingEnded()}, {@link #refused(Reason)}</td></tr>
 * <tr><td>trusted peer, closed before the outcome</td><td>{@link #waitingStarted()},
 *     {@link #waitingEnded()}</td></tr>
 * <tr><td>untrusted or over the pending cap, refused</td><td>{@link #refused(Reason)}</td></tr>
 * <tr><td>untrusted, served directly</td><td>{@link #headerAbsent()}; {@link #refused(Reason)}
 *     too if it then sends a header</td></tr>
 * </table>
 */
public interface ProxyProtocolMetrics {

    /** Counts nothing; the default of every configuration. */
    ProxyProtocolMetrics NONE = new ProxyProtocolMetrics() {
        @Override
        public String toString() {
            return "ProxyProtocolMetrics.NONE";
        }
    };

    /** A connection from a trusted peer started waiting for its header. */
    default void waitingStarted() {
    }

    /**
     * A connection that {@link #waitingStarted() started waiting} stopped, whatever the
     * outcome: called exactly once for each {@link #waitingStarted()}, next to the outcome's
     * own call (in no promised order), or alone if the connection closed first.
     */
    default void waitingEnded() {
    }

    /** A header was accepted and stored on the channel. */
    default void headerAccepted(ProxyHeader header) {
    }

    /**
     * A connection proceeds without a header: an OPTIONAL header was absent, or an untrusted
     * peer is served directly.
     */
    default void headerAbsent() {
    }

    /**
     * A connection was refused and is being closed; {@link Reason#TIMEOUT} when its header did
     * not complete in time.
     */
    default void refused(Reason reason) {
    }
}
