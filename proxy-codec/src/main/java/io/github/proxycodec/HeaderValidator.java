package io.github.proxycodec;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The application's own check of a decoded header, run after the parser and the trust check
 * and before the header is accepted: by {@link ProxyProtocolHandler} for each connection and by
 * the UDP codecs for each header they decode.
 *
 * <p>A refusal behaves like every other: the connection is closed (reason
 * {@link ProxyProtocolException.Reason#REJECTED_BY_POLICY}, with the validator's message) or
 * the datagram dropped ({@code UdpDropReason.REJECTED_BY_POLICY}), counted and reported as an
 * event, and nothing is passed on. An exception thrown by a validator is a refusal too, never
 * a crash; its stack trace is not kept. LOCAL headers (a proxy's own health checks) reach the
 * validator as well; the checks built here let them through unless they say otherwise.
 *
 * <pre>{@code
 * HeaderValidator policy = HeaderValidator.requireCrc32c()
 *         .and(HeaderValidator.awsVpcEndpoint("vpce-0123456789abcdef0"))
 *         .and((header, peer) -> header.authority().orElse("").endsWith(".example.com")
 *                 ? null : "unexpected authority");
 * }</pre>
 */
@FunctionalInterface
public interface HeaderValidator {

    /**
     * Judges one header; called on the event loop, so it must not block.
     *
     * @param header the decoded header
     * @param peer the address it came from: the proxy (the TCP peer or the datagram's sender)
     * @return {@code null} to accept the header, or why it is refused (the refusal's message)
     */
    String refusal(ProxyHeader header, SocketAddress peer);

    /** Returns a validator that accepts every header (the default). */
    static HeaderValidator acceptAll() {
        return HeaderValidators.ACCEPT_ALL;
    }

    /** Returns a validator that refuses what this one or {@code next} refuses (this one first). */
    default HeaderValidator and(HeaderValidator next) {
        java.util.Objects.requireNonNull(next, "next");
        return (header, peer) -> {
            String first = refusal(header, peer);
            return first != null ? first : next.refusal(header, peer);
        };
    }

    /**
     * Runs {@code validator} on {@code header}, turning an exception it throws into a refusal.
     *
     * @return {@code null} if the header is accepted, else the refusal's message
     */
    static String check(HeaderValidator validator, ProxyHeader header, SocketAddress peer) {
        try {
            return validator.refusal(header, peer);
        } catch (RuntimeException e) {
            return "validator threw " + e;
        }
    }

    /** Returns a validator that refuses any header without a CRC32C TLV (so every v1 header). */
    static HeaderValidator requireCrc32c() {
        return (header, peer) -> header.crc32c().isPresent() ? null : "header has no CRC32C";
    }

    /**
     * Returns a validator that accepts a PROXY header only with one of the given AWS VPC endpoint
     * ids (TLV 0xEA subtype 0x01), e.g. {@code vpce-0123456789abcdef0}.
     */
    static HeaderValidator awsVpcEndpoint(String... endpointIds) {
        Set<String> allowed = Set.of(endpointIds);
        return (header, peer) -> {
            if (header.command() == ProxyHeader.Command.LOCAL) {
                return null;
            }
            String id = header.awsVpcEndpointId().orElse(null);
            return id != null && allowed.contains(id) ? null : "AWS VPC endpoint " + id + " is not allowed";
        };
    }

    /**
     * Returns a validator that accepts a PROXY header only with one of the given Google Cloud
     * Private Service Connect connection ids (TLV 0xE0, an unsigned 64-bit number).
     */
    static HeaderValidator gcpPscConnection(long... connectionIds) {
        long[] allowed = connectionIds.clone();
        Arrays.sort(allowed);
        return (header, peer) -> {
            if (header.command() == ProxyHeader.Command.LOCAL) {
                return null;
            }
            OptionalLong id = header.gcpPscConnectionId();
            if (id.isPresent() && Arrays.binarySearch(allowed, id.getAsLong()) >= 0) {
                return null;
            }
            return "GCP PSC connection " + (id.isPresent() ? Long.toUnsignedString(id.getAsLong()) : "none")
                    + " is not allowed";
        };
    }

    /**
     * Returns a validator that accepts a PROXY header only when its destination address lies in
     * one of the given CIDR ranges (a header without IP addresses is refused).
     */
    static HeaderValidator destinationIn(String... cidrs) {
        TrustedProxies ranges = TrustedProxies.of(List.of(cidrs));
        return (header, peer) -> {
            if (header.command() == ProxyHeader.Command.LOCAL) {
                return null;
            }
            InetSocketAddress to = header.hasInetAddresses() ? header.destinationAddress() : null;
            return to != null && ranges.contains(to) ? null : "destination " + to + " is not allowed";
        };
    }
}
