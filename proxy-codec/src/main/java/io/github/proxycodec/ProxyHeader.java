package io.github.proxycodec;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

    private static final Version[] VERSIONS = Version.values();
    private static final Command[] COMMANDS = Command.values();
    private static final Family[] FAMILIES = Family.values();
    private static final Transport[] TRANSPORTS = Transport.values();

    // The parser stores the wire form and builds address objects only when asked, which keeps
    // a decoded header small: most applications read the source address and nothing else.
    /** Version, command, family and transport ordinals, two bits each. */
    private final int kind;
    /** IPv4 source and destination (INET). */
    private final int src4;
    private final int dst4;
    /** Source port in the high 16 bits, destination port in the low 16 bits. */
    private final int ports;
    /** INET6: the 16-byte source address; UNIX: the 108-byte source path; else null. */
    private final byte[] srcBytes;
    /** INET6: the 16-byte destination address; UNIX: the 108-byte destination path; else null. */
    private final byte[] dstBytes;
    /** The whole header as received when it has TLVs (their values point into it), else null. */
    private final byte[] raw;
    private final int headerLength;
    /** Built from {@link #raw} on first use (an immutable list, safe to publish racily). */
    private List<ProxyTlv> tlvs;
    // Built on first use (or given by the builder). Racy but benign: immutable values, final fields.
    private InetSocketAddress source;
    private InetSocketAddress destination;

    ProxyHeader(int kind, int src4, int dst4, int ports, byte[] srcBytes, byte[] dstBytes, byte[] raw,
                int headerLength) {
        this.kind = kind;
        this.src4 = src4;
        this.dst4 = dst4;
        this.ports = ports;
        this.srcBytes = srcBytes;
        this.dstBytes = dstBytes;
        this.raw = raw;
        this.headerLength = headerLength;
    }

    private ProxyHeader(int kind, InetSocketAddress source, InetSocketAddress destination, byte[] srcPath,
                        byte[] dstPath, List<ProxyTlv> tlvs) {
        this(kind, 0, 0, 0, srcPath, dstPath, null, 0);
        this.source = source;
        this.destination = destination;
        this.tlvs = tlvs;
    }

    static int kind(Version v, Command c, Family f, Transport t) {
        return v.ordinal() | c.ordinal() << 2 | f.ordinal() << 4 | t.ordinal() << 6;
    }

    /** Returns v1 or v2. */
    public Version version() {
        return VERSIONS[kind & 3];
    }

    /** Returns PROXY or LOCAL (v1 headers are always PROXY). */
    public Command command() {
        return COMMANDS[(kind >>> 2) & 3];
    }

    /** Returns the address family. */
    public Family family() {
        return FAMILIES[(kind >>> 4) & 3];
    }

    /** Returns the transport (v1 TCP4/TCP6 lines are STREAM). */
    public Transport transport() {
        return TRANSPORTS[(kind >>> 6) & 3];
    }

    /**
     * Returns whether this header carries the real client's IP address: a PROXY command with
     * the INET or INET6 family.
     */
    public boolean hasInetAddresses() {
        Family f = family();
        return command() == Command.PROXY && (f == Family.INET || f == Family.INET6);
    }

    /** Returns the client's address, or {@code null} unless {@link #hasInetAddresses()}. */
    public InetSocketAddress sourceAddress() {
        InetSocketAddress a = source;
        if (a == null && hasInetAddresses()) {
            a = address(src4, srcBytes, ports >>> 16);
            source = a;
        }
        return a;
    }

    /** Returns the address the client connected to, or {@code null} unless {@link #hasInetAddresses()}. */
    public InetSocketAddress destinationAddress() {
        InetSocketAddress a = destination;
        if (a == null && hasInetAddresses()) {
            a = address(dst4, dstBytes, ports & 0xFFFF);
            destination = a;
        }
        return a;
    }

    private static InetSocketAddress address(int v4, byte[] v6, int port) {
        byte[] b = v6 != null ? v6 : new byte[] {(byte) (v4 >>> 24), (byte) (v4 >>> 16), (byte) (v4 >>> 8), (byte) v4};
        try {
            // No DNS: an address built from bytes. IPv4-mapped IPv6 comes back as Inet4Address.
            return new InetSocketAddress(InetAddress.getByAddress(b), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only on a wrong array length
        }
    }

    private String path(byte[] b) {
        if (b == null || family() != Family.UNIX || command() != Command.PROXY) {
            return null;
        }
        int end = 0;
        while (end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.UTF_8);
    }

    /** Returns the client's UNIX socket path for a PROXY command of the UNIX family, else {@code null}. */
    public String sourcePath() {
        return path(srcBytes);
    }

    /** Returns the destination UNIX socket path for a PROXY command of the UNIX family, else {@code null}. */
    public String destinationPath() {
        return path(dstBytes);
    }

    /** Returns every TLV in the order received (empty for v1). */
    public List<ProxyTlv> tlvs() {
        List<ProxyTlv> list = tlvs;
        if (list == null) {
            list = raw == null ? List.of()
                    : TlvReader.list(raw, V2Parser.tlvStart(family()), raw.length);
            tlvs = list;
        }
        return list;
    }

    /** Returns the first TLV of {@code type}, if present. */
    public Optional<ProxyTlv> tlv(int type) {
        List<ProxyTlv> list = tlvs();
        for (int i = 0; i < list.size(); i++) {
            ProxyTlv t = list.get(i);
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
        return tlv(ProxyTlv.SSL).map(TlvReader::sslInfo);
    }

    /** Returns the network namespace (TLV 0x30). */
    public Optional<String> netns() {
        return tlv(ProxyTlv.NETNS).map(ProxyTlv::valueAsString);
    }

    /** Returns the AWS VPC endpoint id (TLV 0xEA with subtype 0x01). */
    public Optional<String> awsVpcEndpointId() {
        for (ProxyTlv t : tlvs()) {
            if (t.type() == ProxyTlv.AWS && t.hasVendorLayout()) {
                return Optional.of(new String(t.array(), t.arrayOffset() + 1, t.length() - 1,
                        StandardCharsets.US_ASCII));
            }
        }
        return Optional.empty();
    }

    /** Returns the Azure private link id (TLV 0xEE with subtype 0x01, u32 little-endian). */
    public OptionalLong azurePrivateLinkId() {
        for (ProxyTlv t : tlvs()) {
            if (t.type() == ProxyTlv.AZURE && t.hasVendorLayout()) {
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
        for (ProxyTlv t : tlvs()) {
            if (t.type() == ProxyTlv.GCP && t.hasVendorLayout()) {
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
        return kind == h.kind && Objects.equals(sourceAddress(), h.sourceAddress())
                && Objects.equals(destinationAddress(), h.destinationAddress())
                && Objects.equals(sourcePath(), h.sourcePath())
                && Objects.equals(destinationPath(), h.destinationPath()) && tlvs().equals(h.tlvs());
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, sourceAddress(), destinationAddress(), sourcePath(), destinationPath(), tlvs());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ProxyHeader{").append(version()).append(' ').append(command())
                .append(' ').append(family()).append(' ').append(transport());
        if (hasInetAddresses()) {
            sb.append(' ').append(sourceAddress()).append(" -> ").append(destinationAddress());
        } else if (sourcePath() != null) {
            sb.append(' ').append(sourcePath()).append(" -> ").append(destinationPath());
        }
        if (!tlvs().isEmpty()) {
            sb.append(' ').append(tlvs());
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
            byte[] srcPath = null;
            byte[] dstPath = null;
            if (keep && fam == Family.UNIX) {
                srcPath = sourcePath.getBytes(StandardCharsets.UTF_8);
                dstPath = destinationPath.getBytes(StandardCharsets.UTF_8);
                if (srcPath.length > 107 || dstPath.length > 107) {
                    throw new IllegalStateException("UNIX paths are at most 107 bytes");
                }
            }
            return new ProxyHeader(kind(version, command, fam, tr),
                    keep && needsInet ? source : null, keep && needsInet ? destination : null, srcPath, dstPath,
                    List.copyOf(tlvs));
        }
    }
}
