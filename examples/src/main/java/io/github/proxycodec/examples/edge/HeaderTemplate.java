package io.github.proxycodec.examples.edge;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.examples.support.Addresses;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * What the edge puts in each PROXY header it sends: the version, the TLVs chosen on the command
 * line, and per connection (or flow) the client's real address, the edge's own address, and
 * optionally a fresh UNIQUE_ID and a CRC32C.
 */
public final class HeaderTemplate {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Version version;
    private final boolean mapped;
    private final List<ProxyTlv> tlvs;
    private final boolean uniqueId;
    private final boolean crc32c;

    /**
     * @param version  v1 or v2
     * @param mapped   write IPv4 addresses IPv4-mapped in an INET6 (TCP6) header
     * @param tlvs     TLVs added to every v2 header, in order
     * @param uniqueId add a random 16-byte UNIQUE_ID per connection or flow
     * @param crc32c   add a CRC32C TLV (the encoder computes it)
     */
    public HeaderTemplate(Version version, boolean mapped, List<ProxyTlv> tlvs, boolean uniqueId, boolean crc32c) {
        this.version = version;
        this.mapped = mapped;
        this.tlvs = List.copyOf(tlvs);
        this.uniqueId = uniqueId;
        this.crc32c = crc32c;
        if (version == Version.V1 && (!tlvs.isEmpty() || uniqueId || crc32c)) {
            throw new IllegalArgumentException("v1 carries no TLVs: --tlv, --ssl, --unique-id and --crc32c need v2");
        }
    }

    /** A plain header of {@code version}: no TLVs. */
    public static HeaderTemplate plain(Version version) {
        return new HeaderTemplate(version, false, List.of(), false, false);
    }

    /** Returns the header for one connection or flow. */
    public ProxyHeader build(InetSocketAddress client, InetSocketAddress destination, Transport transport) {
        ProxyHeader.Builder b = ProxyHeader.builder()
                .version(version)
                .transport(transport)
                .addresses(Addresses.unmap(client), Addresses.unmap(destination));
        if (mapped) {
            b.family(ProxyHeader.Family.INET6);
        }
        for (ProxyTlv t : tlvs) {
            b.tlv(t);
        }
        if (uniqueId) {
            byte[] id = new byte[16];
            RANDOM.nextBytes(id);
            b.tlv(ProxyTlv.UNIQUE_ID, id);
        }
        if (crc32c) {
            b.crc32c();
        }
        return b.build();
    }

    /** Returns a description for the start-up message. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add(version.name().toLowerCase(java.util.Locale.ROOT));
        if (mapped) {
            parts.add("IPv4-mapped");
        }
        for (ProxyTlv t : tlvs) {
            parts.add(t.typeName());
        }
        if (uniqueId) {
            parts.add("UNIQUE_ID (random)");
        }
        if (crc32c) {
            parts.add("CRC32C");
        }
        return String.join(" + ", parts);
    }
}
