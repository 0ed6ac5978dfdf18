package io.github.proxycodec.udp;

import io.github.proxycodec.HeaderValidator;
import io.github.proxycodec.ProxyHeaderParser;
import io.github.proxycodec.TrustSource;
import io.github.proxycodec.TrustedProxies;
import io.netty.util.concurrent.Ticker;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by the UDP proxy codecs: immutable and thread-safe, so one instance serves
 * every channel, while each channel gets its own codec (and flow table).
 *
 * <table>
 * <caption>settings</caption>
 * <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 * <tr><td>trustedEdges, trustSource</td><td>{@link TrustedProxies#cloudflare()}</td><td>senders whose headers are believed:
 *     a fixed list, or one replaced while serving</td></tr>
 * <tr><td>headerValidator</td><td>{@link HeaderValidator#acceptAll()}</td><td>the application's own check of a header</td></tr>
 * <tr><td>maxFlows</td><td>65536</td><td>flows kept per channel (1..{@value #MAX_FLOWS}); flows on probation (one datagram so far) are evicted first</td></tr>
 * <tr><td>sppIdleTimeout</td><td>120 s</td><td>SPP reply routing kept this long after a client's last datagram</td></tr>
 * <tr><td>firstDatagramIdleTimeout</td><td>25 s</td><td>FIRST_DATAGRAM flows, a little under Spectrum's 30 s</td></tr>
 * <tr><td>perDatagramIdleTimeout</td><td>120 s</td><td>PER_DATAGRAM reply routing</td></tr>
 * <tr><td>maxReplyLength</td><td>1472</td><td>largest UDP payload sent, header included (1500 MTU - 28);
 *     per segment of a segmented reply</td></tr>
 * <tr><td>rejectUnspecifiedAddresses</td><td>true</td><td>drop headers naming 0.0.0.0, :: or port 0</td></tr>
 * <tr><td>maxV2HeaderLength</td><td>4096</td><td>cap on a PROXY v2 header (16..65551)</td></tr>
 * <tr><td>ticker</td><td>{@link Ticker#systemTicker()}</td><td>clock for idle expiry (a mock in tests)</td></tr>
 * <tr><td>dropEvents</td><td>false</td><td>fire a {@link UdpProxyEvent} for each dropped datagram or
 *     refused reply (drops are always counted)</td></tr>
 * </table>
 *
 * <p>Idle timeouts are accepted from 1 ms to 1 day. Every setter refuses a value the codecs
 * cannot honour with an {@link IllegalArgumentException} naming the setting and its range.
 *
 * <pre>{@code
 * UdpProxyConfig config = UdpProxyConfig.builder()
 *         .trustedEdges(TrustedProxies.of("10.0.0.0/8"))
 *         .maxFlows(20_000)
 *         .build();
 * }</pre>
 */
public final class UdpProxyConfig {

    /** Default number of flows kept per channel. */
    public static final int DEFAULT_MAX_FLOWS = 65536;
    /**
     * The most flows a channel can keep: {@link SppCodec}'s table is one array of at most
     * 2<sup>24</sup> 64-byte slots, filled to at most 7/8.
     */
    public static final int MAX_FLOWS = (1 << 24) - (1 << 21);
    /** The shortest idle timeout accepted. */
    public static final Duration MIN_IDLE_TIMEOUT = Duration.ofMillis(1);
    /** The longest idle timeout accepted: a day, far past any proxy's own UDP idle timeout. */
    public static final Duration MAX_IDLE_TIMEOUT = Duration.ofDays(1);
    /** The largest reply: a UDP payload over IPv4 can be at most 65535 - 20 - 8 bytes. */
    public static final int MAX_REPLY_LENGTH = 65507;
    /** Default largest reply: a 1500-byte MTU minus IPv4 (20) and UDP (8) headers. */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 1472;
    /** Default idle timeout of SPP reply routing. */
    public static final Duration DEFAULT_SPP_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Default idle timeout of FIRST_DATAGRAM flows: below Spectrum's reported 30 s. */
    public static final Duration DEFAULT_FIRST_DATAGRAM_IDLE_TIMEOUT = Duration.ofSeconds(25);
    /** Default idle timeout of PER_DATAGRAM reply routing. */
    public static final Duration DEFAULT_PER_DATAGRAM_IDLE_TIMEOUT = Duration.ofSeconds(120);

    private static volatile UdpProxyConfig defaults;

    private final TrustSource trust;
    private final HeaderValidator headerValidator;
    private final int maxFlows;
    private final Duration sppIdleTimeout;
    private final Duration firstDatagramIdleTimeout;
    private final Duration perDatagramIdleTimeout;
    private final int maxReplyLength;
    private final boolean rejectUnspecifiedAddresses;
    private final int maxV2HeaderLength;
    private final Ticker ticker;
    private final boolean dropEvents;
    private final ProxyHeaderParser parser;

    private UdpProxyConfig(Builder b) {
        this.trust = b.trust != null ? b.trust : TrustedProxies.cloudflare();
        this.headerValidator = b.headerValidator;
        this.maxFlows = b.maxFlows;
        this.sppIdleTimeout = b.sppIdleTimeout;
        this.firstDatagramIdleTimeout = b.firstDatagramIdleTimeout;
        this.perDatagramIdleTimeout = b.perDatagramIdleTimeout;
        this.maxReplyLength = b.maxReplyLength;
        this.rejectUnspecifiedAddresses = b.rejectUnspecifiedAddresses;
        this.maxV2HeaderLength = b.maxV2HeaderLength;
        this.ticker = b.ticker;
        this.dropEvents = b.dropEvents;
        // Datagram headers only: no v1, no STREAM, and a PROXY command must name addresses.
        this.parser = ProxyHeaderParser.builder()
                .acceptV1(false)
                .allowStreamTransport(false)
                .allowDatagramTransport(true)
                .rejectUnspecProxy(true)
                .maxV2HeaderLength(maxV2HeaderLength)
                .build();
    }

    /** Returns the defaults (Cloudflare edges, 65536 flows, ...). */
    public static UdpProxyConfig defaults() {
        UdpProxyConfig d = defaults;
        if (d == null) {
            d = builder().build();
            defaults = d;
        }
        return d;
    }

    /** Returns a builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the senders whose headers are believed now (the trust source's current list). */
    public TrustedProxies trustedEdges() {
        return trust.current();
    }

    /** Returns where the trusted edge list is read from, once per datagram. */
    public TrustSource trustSource() {
        return trust;
    }

    /** Returns the check every decoded header passes before it is accepted. */
    public HeaderValidator headerValidator() {
        return headerValidator;
    }

    /** Returns the maximum number of flows kept per channel. */
    public int maxFlows() {
        return maxFlows;
    }

    /** Returns how long SPP reply routing outlives a client's last datagram. */
    public Duration sppIdleTimeout() {
        return sppIdleTimeout;
    }

    /** Returns how long a FIRST_DATAGRAM flow outlives its last datagram. */
    public Duration firstDatagramIdleTimeout() {
        return firstDatagramIdleTimeout;
    }

    /** Returns how long PER_DATAGRAM reply routing outlives a client's last datagram. */
    public Duration perDatagramIdleTimeout() {
        return perDatagramIdleTimeout;
    }

    /**
     * Returns the largest UDP payload a reply may have, header included. For a segmented reply
     * (GSO) it bounds each segment, every one of which leaves as a datagram of its own.
     */
    public int maxReplyLength() {
        return maxReplyLength;
    }

    /** Returns whether headers naming an unspecified address or port 0 are dropped. */
    public boolean rejectUnspecifiedAddresses() {
        return rejectUnspecifiedAddresses;
    }

    /** Returns the cap on a PROXY v2 header, in bytes. */
    public int maxV2HeaderLength() {
        return maxV2HeaderLength;
    }

    /** Returns the clock used for idle expiry. */
    public Ticker ticker() {
        return ticker;
    }

    /**
     * Returns whether each dropped datagram and refused reply is also fired as a
     * {@link UdpProxyEvent} of kind {@link UdpProxyEvent.Kind#DROPPED}.
     */
    public boolean dropEvents() {
        return dropEvents;
    }

    /** The PROXY v2 parser these settings imply (DGRAM only, no v1). */
    ProxyHeaderParser parser() {
        return parser;
    }

    @Override
    public String toString() {
        return "UdpProxyConfig{trustedEdges=" + trust + ", maxFlows=" + maxFlows
                + ", sppIdleTimeout=" + sppIdleTimeout + ", firstDatagramIdleTimeout=" + firstDatagramIdleTimeout
                + ", perDatagramIdleTimeout=" + perDatagramIdleTimeout + ", maxReplyLength=" + maxReplyLength
                + ", rejectUnspecifiedAddresses=" + rejectUnspecifiedAddresses
                + ", maxV2HeaderLength=" + maxV2HeaderLength + ", dropEvents=" + dropEvents + '}';
    }

    /** Builds a {@link UdpProxyConfig}; every setting starts at its default. */
    public static final class Builder {
        private TrustSource trust;
        private HeaderValidator headerValidator = HeaderValidator.acceptAll();
        private int maxFlows = DEFAULT_MAX_FLOWS;
        private Duration sppIdleTimeout = DEFAULT_SPP_IDLE_TIMEOUT;
        private Duration firstDatagramIdleTimeout = DEFAULT_FIRST_DATAGRAM_IDLE_TIMEOUT;
        private Duration perDatagramIdleTimeout = DEFAULT_PER_DATAGRAM_IDLE_TIMEOUT;
        private int maxReplyLength = DEFAULT_MAX_REPLY_LENGTH;
        private boolean rejectUnspecifiedAddresses = true;
        private int maxV2HeaderLength = ProxyHeaderParser.DEFAULT_V2_MAX_LENGTH;
        private Ticker ticker = Ticker.systemTicker();
        private boolean dropEvents;

        private Builder() {
        }

        /** Sets the senders whose headers are believed (default {@link TrustedProxies#cloudflare()}). */
        public Builder trustedEdges(TrustedProxies trustedEdges) {
            this.trust = Objects.requireNonNull(trustedEdges, "trustedEdges");
            return this;
        }

        /**
         * Sets where the trusted edge list is read from, e.g. a
         * {@link io.github.proxycodec.ReloadableTrust} shared with the TCP handler; each datagram
         * is judged by the list current when it arrives. Replaces any {@link #trustedEdges} set before.
         */
        public Builder trustSource(TrustSource trustSource) {
            this.trust = Objects.requireNonNull(trustSource, "trustSource");
            return this;
        }

        /**
         * Sets the application's check of each decoded header (default: accept all); a refused
         * datagram is dropped as {@link UdpDropReason#REJECTED_BY_POLICY}. {@link SppCodec} judges
         * a client's header when it opens or rebuilds the client's flow, not on every datagram
         * that repeats the same 38 bytes through the same edge.
         */
        public Builder headerValidator(HeaderValidator headerValidator) {
            this.headerValidator = Objects.requireNonNull(headerValidator, "headerValidator");
            return this;
        }

        /**
         * Sets the maximum number of flows per channel, 1..{@value #MAX_FLOWS} (default 65536).
         *
         * @throws IllegalArgumentException if out of that range
         */
        public Builder maxFlows(int maxFlows) {
            if (maxFlows < 1 || maxFlows > MAX_FLOWS) {
                throw new IllegalArgumentException("maxFlows must be from 1 to " + MAX_FLOWS + ", not " + maxFlows);
            }
            this.maxFlows = maxFlows;
            return this;
        }

        /** Sets the idle timeout of SPP reply routing, 1 ms..1 day (default 120 s). */
        public Builder sppIdleTimeout(Duration timeout) {
            this.sppIdleTimeout = idleTimeout(timeout, "sppIdleTimeout");
            return this;
        }

        /** Sets the idle timeout of FIRST_DATAGRAM flows, 1 ms..1 day (default 25 s). */
        public Builder firstDatagramIdleTimeout(Duration timeout) {
            this.firstDatagramIdleTimeout = idleTimeout(timeout, "firstDatagramIdleTimeout");
            return this;
        }

        /** Sets the idle timeout of PER_DATAGRAM reply routing, 1 ms..1 day (default 120 s). */
        public Builder perDatagramIdleTimeout(Duration timeout) {
            this.perDatagramIdleTimeout = idleTimeout(timeout, "perDatagramIdleTimeout");
            return this;
        }

        /**
         * Sets the largest UDP payload a reply may have, header included, 39..65507 (default
         * 1472). Behind Spectrum with a 1500-byte MTU, 1472 leaves 1434 bytes for an SPP reply:
         * a server's own packet size setting (QUIC's {@code maxSendUdpPayloadSize}, DNS's EDNS
         * buffer size, a game's MTU) must stay at or below {@code maxReplyLength - 38} for SPP
         * and {@code maxReplyLength} for PROXY v2, or its larger replies are refused
         * ({@code REPLY_TOO_LARGE}). A segmented reply (GSO) is held to this per segment.
         */
        public Builder maxReplyLength(int maxReplyLength) {
            if (maxReplyLength <= SppHeader.LENGTH || maxReplyLength > MAX_REPLY_LENGTH) {
                throw new IllegalArgumentException("maxReplyLength must be from " + (SppHeader.LENGTH + 1)
                        + " to " + MAX_REPLY_LENGTH + ", not " + maxReplyLength);
            }
            this.maxReplyLength = maxReplyLength;
            return this;
        }

        /** Sets whether headers naming an unspecified address or port 0 are dropped (default true). */
        public Builder rejectUnspecifiedAddresses(boolean reject) {
            this.rejectUnspecifiedAddresses = reject;
            return this;
        }

        /** Sets the cap on a PROXY v2 header, 16..65551 bytes (default 4096). */
        public Builder maxV2HeaderLength(int maxV2HeaderLength) {
            this.maxV2HeaderLength = ProxyHeaderParser.checkMaxV2Length(maxV2HeaderLength);
            return this;
        }

        /** Sets the clock used for idle expiry (default the system ticker; tests pass a mock). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Sets whether each dropped datagram and refused reply is also fired as a
         * {@link UdpProxyEvent} (default false). Drops are always counted
         * ({@link AbstractUdpProxyCodec#drops(UdpDropReason)}); off by default because a flood
         * of bad datagrams would otherwise cost an event object, and a pipeline walk, each.
         * Turn it on to log drops (rate-limited) or to see who sent them.
         */
        public Builder dropEvents(boolean dropEvents) {
            this.dropEvents = dropEvents;
            return this;
        }

        /** Builds the configuration. */
        public UdpProxyConfig build() {
            return new UdpProxyConfig(this);
        }

        private static Duration idleTimeout(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(MIN_IDLE_TIMEOUT) < 0 || d.compareTo(MAX_IDLE_TIMEOUT) > 0) {
                throw new IllegalArgumentException(name + " must be from 1 ms to 1 day, not " + d);
            }
            return d;
        }
    }
}
