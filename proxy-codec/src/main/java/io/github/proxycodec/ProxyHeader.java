package io.github.proxycodec;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A decoded PROXY protocol header (v1 or v2): an immutable value with no reference counting.
 *
 * <p>Addresses are built from the header's bytes, never resolved through DNS. For a LOCAL
 * command, a v1 {@code UNKNOWN} line or the UNSPEC family there are no addresses: use
 * {@link ProxyProtocol#clientAddress(io.netty.channel.Channel)}, which falls back to the
 * connection's own addresses. An IPv4 address carried IPv4-mapped in an INET6 header is
 * returned as an {@link Inet4Address}.
 *
 * <p>Build one for the {@link ProxyHeaderEncoder} with {@link #builder()}.
 */
public final class ProxyHeader {

    /** The protocol version the header was written in. */
    public enum Version {
        /** Human-readable text line. */
        V1,
        /** Binary, with optional TLVs. */
        V2
    }

    /** What the proxy asks the receiver to do with the addresses. */
    public enum Command {
        /** Addresses are those of the proxied client (v1 TCP4/TCP6/UNKNOWN, v2 command 1). */
        PROXY,
        /** The proxy's own connection, e.g. a health check: use the real connection addresses. */
        LOCAL
    }

    /** The address family. */
    public enum Family {
        /** Unknown or unspecified: no addresses (v1 UNKNOWN, v2 family 0). */
        UNSPEC,
        /** IPv4. */
        INET,
        /** IPv6. */
        INET6,
        /** UNIX socket paths. */
        UNIX
    }

    /** The transport the proxied client used. */
    public enum Transport {
        /** Unspecified. */
        UNSPEC,
        /** A stream (TCP, or a UNIX stream socket). */
        STREAM,
        /** Datagrams (UDP, or a UNIX datagram socket). */
        DGRAM
    }

    private final Version version;
    private final Command command;
    private final Family family;
    private final Transport transport;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;
    private final String sourcePath;
    private final String destinationPath;
    private final List<ProxyTlv> tlvs;
    private final int headerLength;

    ProxyHeader(Version version, Command command, Family family, Transport transport,
                InetSocketAddress source, InetSocketAddress destination,
                String sourcePath, String destinationPath, List<ProxyTlv> tlvs, int headerLength) {
        this.version = version;
        this.command = command;
        this.family = family;
        this.transport = transport;
        this.source = source;
        this.destination = destination;
        this.sourcePath = sourcePath;
        this.destinationPath = destinationPath;
        this.tlvs = tlvs;
        this.headerLength = headerLength;
    }

    /** Returns v1 or v2. */
    public Version version() {
        return version;
    }

    /** Returns PROXY or LOCAL (v1 headers are always PROXY). */
    public Command command() {
        return command;
    }

    /** Returns the address family. */
    public Family family() {
        return family;
    }

    /** Returns the transport (v1 TCP4/TCP6 lines are STREAM). */
    public Transport transport() {
        return transport;
    }

    /**
     * Returns whether this header carries the real client's IP address: a PROXY command with
     * the INET or INET6 family.
     */
    public boolean hasInetAddresses() {
        return source != null;
    }

    /** Returns the client's address, or {@code null} unless {@link #hasInetAddresses()}. */
    public InetSocketAddress sourceAddress() {
        return source;
    }

    /** Returns the address the client connected to, or {@code null} unless {@link #hasInetAddresses()}. */
    public InetSocketAddress destinationAddress() {
        return destination;
    }

    /** Returns the client's UNIX socket path for a PROXY command of the UNIX family, else {@code null}. */
    public String sourcePath() {
        return sourcePath;
    }

    /** Returns the destination UNIX socket path for a PROXY command of the UNIX family, else {@code null}. */
    public String destinationPath() {
        return destinationPath;
    }

    /** Returns every TLV in the order received (empty for v1). */
    public List<ProxyTlv> tlvs() {
        return tlvs;
    }

    /** Returns the first TLV of {@code type}, if present. */
    public Optional<ProxyTlv> tlv(int type) {
        for (int i = 0; i < tlvs.size(); i++) {
            ProxyTlv t = tlvs.get(i);
            if (t.type() == type) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Returns the ALPN protocol, e.g. {@code h2} (TLV 0x01). */
    public Optional<String> alpn() {
        return tlv(ProxyTlv.ALPN).map(ProxyTlv::valueAsString);
    }

    /** Returns the authority (SNI host name) the client asked for (TLV 0x02). */
    public Optional<String> authority() {
        return tlv(ProxyTlv.AUTHORITY).map(ProxyTlv::valueAsString);
    }

    /** Returns the CRC32C the header carried (already verified when decoded), TLV 0x03. */
    public OptionalLong crc32c() {
        return tlv(ProxyTlv.CRC32C).map(t -> OptionalLong.of(readLong(t, 0, 4))).orElse(OptionalLong.empty());
    }

    /** Returns whether the header has NOOP padding (TLV 0x04). */
    public boolean hasNoop() {
        return tlv(ProxyTlv.NOOP).isPresent();
    }

    /** Returns the proxy's unique id of the connection as raw bytes (TLV 0x05). */
    public Optional<byte[]> uniqueId() {
        return tlv(ProxyTlv.UNIQUE_ID).map(ProxyTlv::value);
    }

    /** Returns the TLS details (TLV 0x20). */
    public Optional<ProxySslInfo> ssl() {
        return tlv(ProxyTlv.SSL).map(ProxyHeaderParser::sslInfo);
    }

    /** Returns the network namespace (TLV 0x30). */
    public Optional<String> netns() {
        return tlv(ProxyTlv.NETNS).map(ProxyTlv::valueAsString);
    }

    /** Returns the AWS VPC endpoint id (TLV 0xEA with subtype 0x01). */
    public Optional<String> awsVpcEndpointId() {
        for (ProxyTlv t : tlvs) {
            if (t.type() == ProxyTlv.AWS && t.length() >= 1 && t.byteAt(0) == 0x01) {
                return Optional.of(new String(t.array(), t.arrayOffset() + 1, t.length() - 1,
                        java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        return Optional.empty();
    }

    /** Returns the Azure private link id (TLV 0xEE with subtype 0x01, u32 little-endian). */
    public OptionalLong azurePrivateLinkId() {
        for (ProxyTlv t : tlvs) {
            if (t.type() == ProxyTlv.AZURE && t.length() == 5 && t.byteAt(0) == 0x01) {
                long v = t.byteAt(1) | (t.byteAt(2) << 8) | (t.byteAt(3) << 16) | ((long) t.byteAt(4) << 24);
                return OptionalLong.of(v);
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Returns the Google Cloud Private Service Connect connection id (TLV 0xE0, u64 big-endian;
     * read it with {@link Long#toUnsignedString(long)}).
     */
    public OptionalLong gcpPscConnectionId() {
        for (ProxyTlv t : tlvs) {
            if (t.type() == ProxyTlv.GCP && t.length() == 8) {
                return OptionalLong.of(readLong(t, 0, 8));
            }
        }
        return OptionalLong.empty();
    }

    /**
     * Returns how many bytes the header took on the wire (v1 including CRLF, v2 16 + length), or
     * 0 for a header built with {@link #builder()}.
     */
    public int headerLength() {
        return headerLength;
    }

    private static long readLong(ProxyTlv t, int from, int count) {
        long v = 0;
        for (int i = 0; i < count; i++) {
            v = (v << 8) | t.byteAt(from + i);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ProxyHeader)) {
            return false;
        }
        ProxyHeader h = (ProxyHeader) o;
        return version == h.version && command == h.command && family == h.family
                && transport == h.transport && Objects.equals(source, h.source)
                && Objects.equals(destination, h.destination) && Objects.equals(sourcePath, h.sourcePath)
                && Objects.equals(destinationPath, h.destinationPath) && tlvs.equals(h.tlvs);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, command, family, transport, source, destination, sourcePath,
                destinationPath, tlvs);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ProxyHeader{").append(version).append(' ').append(command)
                .append(' ').append(family).append(' ').append(transport);
        if (source != null) {
            sb.append(' ').append(source).append(" -> ").append(destination);
        } else if (sourcePath != null) {
            sb.append(' ').append(sourcePath).append(" -> ").append(destinationPath);
        }
        if (!tlvs.isEmpty()) {
            sb.append(' ').append(tlvs);
        }
        return sb.append('}').toString();
    }

    /** Returns a builder for a header to encode. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Builds headers for {@link ProxyHeaderEncoder}. Defaults: v2, PROXY, STREAM; the family
     * follows the addresses given.
     */
    public static final class Builder {
        private Version version = Version.V2;
        private Command command = Command.PROXY;
        private Family family;
        private Transport transport = Transport.STREAM;
        private InetSocketAddress source;
        private InetSocketAddress destination;
        private String sourcePath;
        private String destinationPath;
        private final List<ProxyTlv> tlvs = new ArrayList<>();

        private Builder() {
        }

        /** Sets the version (default v2). */
        public Builder version(Version version) {
            this.version = Objects.requireNonNull(version, "version");
            return this;
        }

        /** Sets the command (default PROXY). */
        public Builder command(Command command) {
            this.command = Objects.requireNonNull(command, "command");
            return this;
        }

        /** Sets the transport (default STREAM). */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Sets the family explicitly, e.g. INET6 for IPv4 addresses to be sent IPv4-mapped.
         * By default it follows the addresses (INET when both are IPv4).
         */
        public Builder family(Family family) {
            this.family = Objects.requireNonNull(family, "family");
            return this;
        }

        /** Sets the client and destination IP addresses; both must be resolved. */
        public Builder addresses(InetSocketAddress source, InetSocketAddress destination) {
            if (source.isUnresolved() || destination.isUnresolved()) {
                throw new IllegalArgumentException("addresses must be resolved IP addresses");
            }
            this.source = source;
            this.destination = destination;
            this.sourcePath = null;
            this.destinationPath = null;
            return this;
        }

        /** Sets UNIX socket paths (v2 only, at most 107 bytes each in UTF-8). */
        public Builder paths(String sourcePath, String destinationPath) {
            this.sourcePath = Objects.requireNonNull(sourcePath, "sourcePath");
            this.destinationPath = Objects.requireNonNull(destinationPath, "destinationPath");
            this.source = null;
            this.destination = null;
            return this;
        }

        /** Appends a TLV (v2 only). */
        public Builder tlv(ProxyTlv tlv) {
            tlvs.add(Objects.requireNonNull(tlv, "tlv"));
            return this;
        }

        /** Appends a TLV (v2 only). */
        public Builder tlv(int type, byte[] value) {
            return tlv(ProxyTlv.of(type, value));
        }

        /** Appends a TLV whose value is UTF-8 text (v2 only). */
        public Builder tlv(int type, String value) {
            return tlv(ProxyTlv.of(type, value));
        }

        /** Appends a CRC32C TLV; the encoder fills in the checksum of the whole header. */
        public Builder crc32c() {
            return tlv(ProxyTlv.of(ProxyTlv.CRC32C, new byte[4]));
        }

        /** Builds the header, checking that its parts fit together. */
        public ProxyHeader build() {
            Family fam = family;
            if (fam == null) {
                if (source != null) {
                    boolean v4 = source.getAddress() instanceof Inet4Address
                            && destination.getAddress() instanceof Inet4Address;
                    fam = v4 ? Family.INET : Family.INET6;
                } else if (sourcePath != null) {
                    fam = Family.UNIX;
                } else {
                    fam = Family.UNSPEC;
                }
            }
            boolean needsInet = fam == Family.INET || fam == Family.INET6;
            if (needsInet && source == null) {
                throw new IllegalStateException(fam + " needs addresses");
            }
            if (fam == Family.INET && !(source.getAddress() instanceof Inet4Address
                    && destination.getAddress() instanceof Inet4Address)) {
                throw new IllegalStateException("INET needs IPv4 addresses");
            }
            if (fam == Family.UNIX && sourcePath == null) {
                throw new IllegalStateException("UNIX needs paths");
            }
            // The wire has no byte for UNSPEC family with a transport, or the reverse.
            Transport tr = fam == Family.UNSPEC ? Transport.UNSPEC : transport;
            if (tr == Transport.UNSPEC && fam != Family.UNSPEC) {
                throw new IllegalStateException(fam + " needs a STREAM or DGRAM transport");
            }
            if (version == Version.V1) {
                if (!tlvs.isEmpty() || fam == Family.UNIX || command == Command.LOCAL
                        || (needsInet && tr != Transport.STREAM)) {
                    throw new IllegalStateException("v1 carries only PROXY TCP4/TCP6/UNKNOWN, no TLVs");
                }
            }
            boolean keep = command == Command.PROXY;
            return new ProxyHeader(version, command, fam, tr,
                    keep && needsInet ? source : null, keep && needsInet ? destination : null,
                    keep && fam == Family.UNIX ? sourcePath : null,
                    keep && fam == Family.UNIX ? destinationPath : null,
                    Collections.unmodifiableList(new ArrayList<>(tlvs)), 0);
        }
    }
}
