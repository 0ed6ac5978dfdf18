package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeaderParser;
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
 * <tr><td>trustedEdges</td><td>{@link TrustedProxies#cloudflare()}</td><td>senders whose headers are believed</td></tr>
 * <tr><td>maxFlows</td><td>65536</td><td>flows kept per channel; the least recently used goes first</td></tr>
 * <tr><td>sppIdleTimeout</td><td>120 s</td><td>SPP reply routing kept this long after a client's last datagram</td></tr>
 * <tr><td>firstDatagramIdleTimeout</td><td>25 s</td><td>FIRST_DATAGRAM flows, a little under Spectrum's 30 s</td></tr>
 * <tr><td>perDatagramIdleTimeout</td><td>120 s</td><td>PER_DATAGRAM reply routing</td></tr>
 * <tr><td>maxReplyLength</td><td>1472</td><td>largest UDP payload sent, header included (1500 MTU - 28);
 *     per segment of a segmented reply</td></tr>
 * <tr><td>rejectUnspecifiedAddresses</td><td>true</td><td>drop headers naming 0.0.0.0, :: or port 0</td></tr>
 * <tr><td>maxV2HeaderLength</td><td>4096</td><td>cap on a PROXY v2 header</td></tr>
 * <tr><td>ticker</td><td>{@link Ticker#systemTicker()}</td><td>clock for idle expiry (a mock in tests)</td></tr>
 * </table>
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
    /** Default largest reply: a 1500-byte MTU minus IPv4 (20) and UDP (8) headers. */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 1472;
    /** Default idle timeout of SPP reply routing. */
    public static final Duration DEFAULT_SPP_IDLE_TIMEOUT = Duration.ofSeconds(120);
    /** Default idle timeout of FIRST_DATAGRAM flows: below Spectrum's reported 30 s. */
    public static final Duration DEFAULT_FIRST_DATAGRAM_IDLE_TIMEOUT = Duration.ofSeconds(25);
    /** Default idle timeout of PER_DATAGRAM reply routing. */
    public static final Duration DEFAULT_PER_DATAGRAM_IDLE_TIMEOUT = Duration.ofSeconds(120);

    private static volatile UdpProxyConfig defaults;

    private final TrustedProxies trustedEdges;
    private final int maxFlows;
    private final Duration sppIdleTimeout;
    private final Duration firstDatagramIdleTimeout;
    private final Duration perDatagramIdleTimeout;
    private final int maxReplyLength;
    private final boolean rejectUnspecifiedAddresses;
    private final int maxV2HeaderLength;
    private final Ticker ticker;
    private final ProxyHeaderParser parser;

    private UdpProxyConfig(Builder b) {
        this.trustedEdges = b.trustedEdges != null ? b.trustedEdges : TrustedProxies.cloudflare();
        this.maxFlows = b.maxFlows;
        this.sppIdleTimeout = b.sppIdleTimeout;
        this.firstDatagramIdleTimeout = b.firstDatagramIdleTimeout;
        this.perDatagramIdleTimeout = b.perDatagramIdleTimeout;
        this.maxReplyLength = b.maxReplyLength;
        this.rejectUnspecifiedAddresses = b.rejectUnspecifiedAddresses;
        this.maxV2HeaderLength = b.maxV2HeaderLength;
        this.ticker = b.ticker;
        // Datagram headers only: no v1, no STREAM, and a PROXY command must name addresses.
        this.parser = ProxyHeaderParser.builder()
                .acceptV1(false)
                .allowStream(false)
                .allowDgram(true)
                .rejectUnspecProxy(true)
                .maxV2Length(maxV2HeaderLength)
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

    /** Returns the senders whose headers are believed. */
    public TrustedProxies trustedEdges() {
        return trustedEdges;
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

    /** The PROXY v2 parser these settings imply (DGRAM only, no v1). */
    ProxyHeaderParser parser() {
        return parser;
    }

    @Override
    public String toString() {
        return "UdpProxyConfig{trustedEdges=" + trustedEdges + ", maxFlows=" + maxFlows
                + ", sppIdleTimeout=" + sppIdleTimeout + ", firstDatagramIdleTimeout=" + firstDatagramIdleTimeout
                + ", perDatagramIdleTimeout=" + perDatagramIdleTimeout + ", maxReplyLength=" + maxReplyLength
                + ", rejectUnspecifiedAddresses=" + rejectUnspecifiedAddresses
                + ", maxV2HeaderLength=" + maxV2HeaderLength + '}';
    }

    /** Builds a {@link UdpProxyConfig}; every setting starts at its default. */
    public static final class Builder {
        private TrustedProxies trustedEdges;
        private int maxFlows = DEFAULT_MAX_FLOWS;
        private Duration sppIdleTimeout = DEFAULT_SPP_IDLE_TIMEOUT;
        private Duration firstDatagramIdleTimeout = DEFAULT_FIRST_DATAGRAM_IDLE_TIMEOUT;
        private Duration perDatagramIdleTimeout = DEFAULT_PER_DATAGRAM_IDLE_TIMEOUT;
        private int maxReplyLength = DEFAULT_MAX_REPLY_LENGTH;
        private boolean rejectUnspecifiedAddresses = true;
        private int maxV2HeaderLength = ProxyHeaderParser.DEFAULT_V2_MAX_LENGTH;
        private Ticker ticker = Ticker.systemTicker();

        private Builder() {
        }

        /** Sets the senders whose headers are believed (default {@link TrustedProxies#cloudflare()}). */
        public Builder trustedEdges(TrustedProxies trustedEdges) {
            this.trustedEdges = Objects.requireNonNull(trustedEdges, "trustedEdges");
            return this;
        }

        /**
         * Sets the maximum number of flows per channel, at least 1 (default 65536). {@link SppCodec}
         * keeps at most 14 680 064 whatever is set (its table is one array of 64 bytes a slot, at
         * most 7/8 full at its largest size).
         */
        public Builder maxFlows(int maxFlows) {
            if (maxFlows < 1) {
                throw new IllegalArgumentException("maxFlows must be at least 1: " + maxFlows);
            }
            this.maxFlows = maxFlows;
            return this;
        }

        /** Sets the idle timeout of SPP reply routing (default 120 s). */
        public Builder sppIdleTimeout(Duration timeout) {
            this.sppIdleTimeout = positive(timeout, "sppIdleTimeout");
            return this;
        }

        /** Sets the idle timeout of FIRST_DATAGRAM flows (default 25 s). */
        public Builder firstDatagramIdleTimeout(Duration timeout) {
            this.firstDatagramIdleTimeout = positive(timeout, "firstDatagramIdleTimeout");
            return this;
        }

        /** Sets the idle timeout of PER_DATAGRAM reply routing (default 120 s). */
        public Builder perDatagramIdleTimeout(Duration timeout) {
            this.perDatagramIdleTimeout = positive(timeout, "perDatagramIdleTimeout");
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
            if (maxReplyLength <= SppHeader.LENGTH || maxReplyLength > 65507) {
                throw new IllegalArgumentException("maxReplyLength must be 39..65507: " + maxReplyLength);
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

        /** Builds the configuration. */
        public UdpProxyConfig build() {
            return new UdpProxyConfig(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
