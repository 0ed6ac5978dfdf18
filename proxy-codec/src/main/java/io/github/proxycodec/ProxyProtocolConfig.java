package io.github.proxycodec;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable, shareable settings of a {@link ProxyProtocolHandler}. One instance serves every
 * connection of a server.
 *
 * <table border="1">
 * <caption>Settings and defaults</caption>
 * <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 * <tr><td>{@link Builder#trustedProxies}, {@link Builder#trustSource}</td>
 *     <td>{@link TrustedProxies#cloudflare()}</td>
 *     <td>peers allowed to send a header: a fixed list, or one replaced while serving</td></tr>
 * <tr><td>{@link Builder#headerValidator}</td><td>{@link HeaderValidator#acceptAll()}</td>
 *     <td>the application's own check of a decoded header</td></tr>
 * <tr><td>{@link Builder#untrustedPolicy}</td><td>{@link UntrustedPolicy#CLOSE}</td>
 *     <td>what to do with a connection from anyone else</td></tr>
 * <tr><td>{@link Builder#headerPolicy}</td><td>{@link HeaderPolicy#REQUIRED}</td>
 *     <td>whether a trusted peer must send a header</td></tr>
 * <tr><td>{@link Builder#acceptV1}, {@link Builder#acceptV2}</td><td>both</td>
 *     <td>versions accepted</td></tr>
 * <tr><td>{@link Builder#headerTimeout}</td><td>5 s</td><td>time allowed for the whole header (1 ms..1 h)</td></tr>
 * <tr><td>{@link Builder#maxV2HeaderLength}</td><td>4096</td><td>cap on a v2 header (16..65551)</td></tr>
 * <tr><td>{@link Builder#allowDatagramTransport}</td><td>false</td>
 *     <td>accept a DGRAM (UDP) family on a TCP connection</td></tr>
 * <tr><td>{@link Builder#rejectUnspecProxy}</td><td>false</td>
 *     <td>refuse a v2 PROXY command with the UNSPEC family</td></tr>
 * <tr><td>{@link Builder#allowTcp6WithIpv4Destination}</td><td>false</td>
 *     <td>accept nginx's v1 {@code TCP6} line with an IPv4 destination</td></tr>
 * <tr><td>{@link Builder#fireExceptionOnFailure}</td><td>false</td>
 *     <td>also raise failures through {@code exceptionCaught}</td></tr>
 * <tr><td>{@link Builder#pendingLimit}</td><td>none</td>
 *     <td>connections waiting for their header at once, across every configuration sharing the limit</td></tr>
 * <tr><td>{@link Builder#metrics}</td><td>{@link ProxyProtocolMetrics#NONE}</td>
 *     <td>what counts the handlers' outcomes</td></tr>
 * </table>
 *
 * <p>Every setter refuses a value the handler cannot honour with an
 * {@link IllegalArgumentException} naming the setting and its range, so a configuration that
 * builds is one that works.
 */
public final class ProxyProtocolConfig {

    /** The default header timeout. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(5);
    /** The shortest header timeout accepted. */
    public static final Duration MIN_HEADER_TIMEOUT = Duration.ofMillis(1);
    /** The longest header timeout accepted: a header is a few hundred bytes, so an hour is already lenient. */
    public static final Duration MAX_HEADER_TIMEOUT = Duration.ofHours(1);

    /** What to do with a connection from a peer outside the trusted list. */
    public enum UntrustedPolicy {
        /** Close it at once with reason {@code UNTRUSTED_SOURCE}. */
        CLOSE,
        /**
         * Serve it as a direct client (its own address is the client address); if it starts with
         * a PROXY header anyway, close it with reason {@code UNTRUSTED_SOURCE}. The outcome event
         * comes with the peer's first bytes, so each connection gets exactly one; the
         * application may still speak first, and {@link ProxyProtocol#clientAddress} answers at
         * any time. No timer runs while such a peer is silent.
         */
        SERVE_DIRECT
    }

    /** Whether a trusted peer must send a header. */
    public enum HeaderPolicy {
        /** A connection that does not start with a header is closed ({@code NOT_A_PROXY_HEADER}). */
        REQUIRED,
        /** A connection that does not start with a header is passed through untouched. */
        OPTIONAL
    }

    private static final ProxyProtocolConfig DEFAULT = builder().build();

    private final TrustSource trust;
    private final HeaderValidator headerValidator;
    private final UntrustedPolicy untrustedPolicy;
    private final HeaderPolicy headerPolicy;
    private final boolean acceptV1;
    private final boolean acceptV2;
    private final Duration headerTimeout;
    private final int maxV2HeaderLength;
    private final boolean allowDatagramTransport;
    private final boolean rejectUnspecProxy;
    private final boolean allowTcp6WithIpv4Destination;
    private final boolean fireExceptionOnFailure;
    private final PendingLimit pendingLimit;
    private final ProxyProtocolMetrics metrics;
    private final ProxyHeaderParser parser;

    private ProxyProtocolConfig(Builder b) {
        this.trust = b.trust;
        this.headerValidator = b.headerValidator;
        this.untrustedPolicy = b.untrustedPolicy;
        this.headerPolicy = b.headerPolicy;
        this.acceptV1 = b.acceptV1;
        this.acceptV2 = b.acceptV2;
        this.headerTimeout = b.headerTimeout;
        this.maxV2HeaderLength = b.maxV2HeaderLength;
        this.allowDatagramTransport = b.allowDatagramTransport;
        this.rejectUnspecProxy = b.rejectUnspecProxy;
        this.allowTcp6WithIpv4Destination = b.allowTcp6WithIpv4Destination;
        this.fireExceptionOnFailure = b.fireExceptionOnFailure;
        this.pendingLimit = b.pendingLimit;
        this.metrics = b.metrics;
        this.parser = ProxyHeaderParser.builder()
                .acceptV1(acceptV1)
                .acceptV2(acceptV2)
                .maxV2HeaderLength(maxV2HeaderLength)
                .allowStreamTransport(true)
                .allowDatagramTransport(allowDatagramTransport)
                .rejectUnspecProxy(rejectUnspecProxy)
                .allowTcp6WithIpv4Destination(allowTcp6WithIpv4Destination)
                .build();
    }

    /** Returns the defaults: Cloudflare's ranges trusted, header required, v1 and v2, 5 s. */
    public static ProxyProtocolConfig defaults() {
        return DEFAULT;
    }

    /** Returns a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.trust = trust;
        b.headerValidator = headerValidator;
        b.untrustedPolicy = untrustedPolicy;
        b.headerPolicy = headerPolicy;
        b.acceptV1 = acceptV1;
        b.acceptV2 = acceptV2;
        b.headerTimeout = headerTimeout;
        b.maxV2HeaderLength = maxV2HeaderLength;
        b.allowDatagramTransport = allowDatagramTransport;
        b.rejectUnspecProxy = rejectUnspecProxy;
        b.allowTcp6WithIpv4Destination = allowTcp6WithIpv4Destination;
        b.fireExceptionOnFailure = fireExceptionOnFailure;
        b.pendingLimit = pendingLimit;
        b.metrics = metrics;
        return b;
    }

    /** Returns the peers allowed to send a header now (the trust source's current list). */
    public TrustedProxies trustedProxies() {
        return trust.current();
    }

    /** Returns where the trusted list is read from, once per connection. */
    public TrustSource trustSource() {
        return trust;
    }

    /** Returns the check every decoded header passes before it is accepted. */
    public HeaderValidator headerValidator() {
        return headerValidator;
    }

    /** Returns what happens to connections from untrusted peers. */
    public UntrustedPolicy untrustedPolicy() {
        return untrustedPolicy;
    }

    /** Returns whether trusted peers must send a header. */
    public HeaderPolicy headerPolicy() {
        return headerPolicy;
    }

    /** Returns whether v1 headers are accepted. */
    public boolean acceptV1() {
        return acceptV1;
    }

    /** Returns whether v2 headers are accepted. */
    public boolean acceptV2() {
        return acceptV2;
    }

    /** Returns the time allowed for a whole header, from the moment the connection is active. */
    public Duration headerTimeout() {
        return headerTimeout;
    }

    /** Returns the cap on a whole v2 header in bytes. */
    public int maxV2HeaderLength() {
        return maxV2HeaderLength;
    }

    /** Returns whether a DGRAM family is accepted on a TCP connection. */
    public boolean allowDatagramTransport() {
        return allowDatagramTransport;
    }

    /** Returns whether a v2 PROXY command with the UNSPEC family is refused. */
    public boolean rejectUnspecProxy() {
        return rejectUnspecProxy;
    }

    /** Returns whether a v1 {@code TCP6} line may name an IPv4 destination (nginx's mixed line). */
    public boolean allowTcp6WithIpv4Destination() {
        return allowTcp6WithIpv4Destination;
    }

    /** Returns whether failures are also fired as {@code exceptionCaught}. */
    public boolean fireExceptionOnFailure() {
        return fireExceptionOnFailure;
    }

    /**
     * Returns the limit on connections waiting for their header at once, or {@code null} when
     * there is none. Configurations built from this one with {@link #toBuilder()} share it.
     */
    public PendingLimit pendingLimit() {
        return pendingLimit;
    }

    /** Returns the cap of {@link #pendingLimit()}, or {@link Integer#MAX_VALUE} when there is none. */
    public int maxPendingConnections() {
        return pendingLimit == null ? Integer.MAX_VALUE : pendingLimit.max();
    }

    /** Returns how many connections count against {@link #pendingLimit()} now (0 when there is none). */
    public int pendingConnections() {
        return pendingLimit == null ? 0 : pendingLimit.waiting();
    }

    /** Returns what counts the outcomes of this configuration's handlers. */
    public ProxyProtocolMetrics metrics() {
        return metrics;
    }

    /** Returns the parser these settings describe. */
    public ProxyHeaderParser parser() {
        return parser;
    }

    @Override
    public String toString() {
        return "ProxyProtocolConfig{trusted=" + trust + ", untrusted=" + untrustedPolicy
                + ", header=" + headerPolicy + ", v1=" + acceptV1 + ", v2=" + acceptV2
                + ", timeout=" + headerTimeout + ", maxV2=" + maxV2HeaderLength
                + ", dgram=" + allowDatagramTransport + ", rejectUnspec=" + rejectUnspecProxy + '}';
    }

    /** Builds a {@link ProxyProtocolConfig}. */
    public static final class Builder {
        private TrustSource trust = TrustedProxies.cloudflare();
        private HeaderValidator headerValidator = HeaderValidator.acceptAll();
        private UntrustedPolicy untrustedPolicy = UntrustedPolicy.CLOSE;
        private HeaderPolicy headerPolicy = HeaderPolicy.REQUIRED;
        private boolean acceptV1 = true;
        private boolean acceptV2 = true;
        private Duration headerTimeout = DEFAULT_HEADER_TIMEOUT;
        private int maxV2HeaderLength = ProxyHeaderParser.DEFAULT_V2_MAX_LENGTH;
        private boolean allowDatagramTransport;
        private boolean rejectUnspecProxy;
        private boolean allowTcp6WithIpv4Destination;
        private boolean fireExceptionOnFailure;
        private PendingLimit pendingLimit;
        private ProxyProtocolMetrics metrics = ProxyProtocolMetrics.NONE;

        private Builder() {
        }

        /** Sets the peers allowed to send a header (default: Cloudflare's published ranges). */
        public Builder trustedProxies(TrustedProxies trustedProxies) {
            this.trust = Objects.requireNonNull(trustedProxies, "trustedProxies");
            return this;
        }

        /**
         * Sets where the trusted list is read from, e.g. a {@link ReloadableTrust} shared with
         * the UDP codecs; each connection is judged by the list current when it becomes active.
         * Replaces any {@link #trustedProxies} set before.
         */
        public Builder trustSource(TrustSource trustSource) {
            this.trust = Objects.requireNonNull(trustSource, "trustSource");
            return this;
        }

        /**
         * Sets the application's check of each decoded header (default: accept all). A header
         * it refuses, or on which it throws, closes the connection with reason
         * {@code REJECTED_BY_POLICY}; see {@link HeaderValidator}.
         */
        public Builder headerValidator(HeaderValidator headerValidator) {
            this.headerValidator = Objects.requireNonNull(headerValidator, "headerValidator");
            return this;
        }

        /** Sets what happens to connections from untrusted peers (default CLOSE). */
        public Builder untrustedPolicy(UntrustedPolicy untrustedPolicy) {
            this.untrustedPolicy = Objects.requireNonNull(untrustedPolicy, "untrustedPolicy");
            return this;
        }

        /** Sets whether trusted peers must send a header (default REQUIRED). */
        public Builder headerPolicy(HeaderPolicy headerPolicy) {
            this.headerPolicy = Objects.requireNonNull(headerPolicy, "headerPolicy");
            return this;
        }

        /** Sets whether v1 headers are accepted (default true). */
        public Builder acceptV1(boolean acceptV1) {
            this.acceptV1 = acceptV1;
            return this;
        }

        /** Sets whether v2 headers are accepted (default true). */
        public Builder acceptV2(boolean acceptV2) {
            this.acceptV2 = acceptV2;
            return this;
        }

        /**
         * Sets the time allowed for a whole header, from {@link #MIN_HEADER_TIMEOUT} (1 ms) to
         * {@link #MAX_HEADER_TIMEOUT} (1 h); default 5 s.
         *
         * @throws IllegalArgumentException if out of that range
         */
        public Builder headerTimeout(Duration headerTimeout) {
            Objects.requireNonNull(headerTimeout, "headerTimeout");
            if (headerTimeout.compareTo(MIN_HEADER_TIMEOUT) < 0 || headerTimeout.compareTo(MAX_HEADER_TIMEOUT) > 0) {
                throw new IllegalArgumentException("headerTimeout must be from 1 ms to 1 h, not " + headerTimeout);
            }
            this.headerTimeout = headerTimeout;
            return this;
        }

        /**
         * Sets the cap on a whole v2 header, {@value ProxyHeaderParser#V2_FIXED_LENGTH}..{@value
         * ProxyHeaderParser#V2_MAX_LENGTH} bytes (default 4096).
         *
         * @throws IllegalArgumentException if out of that range
         */
        public Builder maxV2HeaderLength(int maxV2HeaderLength) {
            this.maxV2HeaderLength = ProxyHeaderParser.checkMaxV2Length(maxV2HeaderLength);
            return this;
        }

        /** Sets whether a DGRAM family is accepted on a TCP connection (default false). */
        public Builder allowDatagramTransport(boolean allowDatagramTransport) {
            this.allowDatagramTransport = allowDatagramTransport;
            return this;
        }

        /** Sets whether a v2 PROXY command with the UNSPEC family is refused (default false). */
        public Builder rejectUnspecProxy(boolean rejectUnspecProxy) {
            this.rejectUnspecProxy = rejectUnspecProxy;
            return this;
        }

        /**
         * Sets whether a v1 {@code TCP6} line may name an IPv4 destination (default false). The
         * spec forbids the mix, but nginx writes it for an IPv6 client that reached nginx over
         * IPv4; with this on the header reports the IPv6 source as sent and the destination as
         * that {@link java.net.Inet4Address}. See
         * {@link ProxyHeaderParser.Builder#allowTcp6WithIpv4Destination}.
         */
        public Builder allowTcp6WithIpv4Destination(boolean allowTcp6WithIpv4Destination) {
            this.allowTcp6WithIpv4Destination = allowTcp6WithIpv4Destination;
            return this;
        }

        /**
         * Sets whether a failure is also fired as {@code exceptionCaught} (default false). Off by
         * default because an unhandled exception is logged by Netty's pipeline tail, and a
         * hostile client must not be able to write to the server's log at will; the failure
         * always reaches {@code userEventTriggered} as a {@link ProxyProtocolEvent}.
         */
        public Builder fireExceptionOnFailure(boolean fireExceptionOnFailure) {
            this.fireExceptionOnFailure = fireExceptionOnFailure;
            return this;
        }

        /**
         * Caps the connections waiting for their header at once with a new {@link PendingLimit}
         * of {@code max} (default: no cap); beyond it a new connection is closed with reason
         * {@code TOO_MANY_PENDING}. Together with the header timeout this bounds what slow or
         * silent clients can hold.
         *
         * @throws IllegalArgumentException if {@code max} is less than 1
         */
        public Builder maxPendingConnections(int max) {
            this.pendingLimit = PendingLimit.of(max);
            return this;
        }

        /**
         * Counts waiting connections against {@code limit}, which other configurations (say, one
         * per listener) may share on purpose; {@code null} removes the cap.
         */
        public Builder pendingLimit(PendingLimit limit) {
            this.pendingLimit = limit;
            return this;
        }

        /**
         * Sets what counts the handlers' outcomes (default {@link ProxyProtocolMetrics#NONE}):
         * headers accepted, refusals by reason, connections waiting. Shared by every handler
         * built with the resulting configuration, on every event loop.
         */
        public Builder metrics(ProxyProtocolMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** Builds the configuration. */
        public ProxyProtocolConfig build() {
            if (!acceptV1 && !acceptV2) {
                throw new IllegalArgumentException("acceptV1 and acceptV2 are both false: no header could be accepted");
            }
            return new ProxyProtocolConfig(this);
        }
    }
}
