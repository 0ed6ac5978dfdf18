package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyTlv;
import io.github.proxycodec.testing.ByteArrays;
import io.github.proxycodec.testing.V2Bytes;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Generators for every header the model ({@link ProxyHeader#builder()}) can express: v1 TCP4,
 * TCP6 and UNKNOWN; v2 LOCAL and PROXY in every family and transport, with random TLVs (each
 * standard type within its cap, SSL with sub-TLVs, custom and unknown types) and an optional
 * CRC32C at a random position.
 */
final class HeaderArbitraries {

    private HeaderArbitraries() {
    }

    static Arbitrary<InetAddress> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4).map(HeaderArbitraries::address);
    }

    /** IPv6 addresses, with the special ones (::, ::1, IPv4-mapped) well represented. */
    static Arbitrary<InetAddress> ipv6() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<byte[]> mapped = Arbitraries.bytes().array(byte[].class).ofSize(4)
                .map(b -> ByteArrays.concat(new byte[10], new byte[] {(byte) 0xFF, (byte) 0xFF}, b));
        Arbitrary<byte[]> special = Arbitraries.of(new byte[16], V2Bytes.ip("::1", 16), V2Bytes.ip("2001:db8::", 16),
                V2Bytes.ip("fe80::1", 16), V2Bytes.ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 16));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, random), net.jqwik.api.Tuple.of(2, mapped), net.jqwik.api.Tuple.of(2, special))
                .map(HeaderArbitraries::address);
    }

    static Arbitrary<Integer> ports() {
        return Arbitraries.oneOf(Arbitraries.integers().between(0, 65535), Arbitraries.of(0, 1, 443, 65535));
    }

    static Arbitrary<InetSocketAddress> socket(Arbitrary<InetAddress> ips) {
        return Combinators.combine(ips, ports()).as(InetSocketAddress::new);
    }

    /** Any v1 header: TCP4, TCP6 (IPv4 written IPv4-mapped when mixed), or UNKNOWN. */
    static Arbitrary<ProxyHeader> v1() {
        Arbitrary<ProxyHeader> tcp4 = Combinators.combine(socket(ipv4()), socket(ipv4()))
                .as((s, d) -> ProxyHeader.builder().version(Version.V1).addresses(s, d).build());
        Arbitrary<ProxyHeader> tcp6 = Combinators.combine(socket(ipv6()), socket(ipv6()))
                .as((s, d) -> ProxyHeader.builder().version(Version.V1).family(Family.INET6).addresses(s, d).build());
        Arbitrary<ProxyHeader> unknown = Arbitraries.just(ProxyHeader.builder().version(Version.V1).build());
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, tcp4), net.jqwik.api.Tuple.of(4, tcp6),
                net.jqwik.api.Tuple.of(1, unknown));
    }

    /** Any v2 header the builder accepts, with up to six random TLVs and maybe a CRC32C. */
    static Arbitrary<ProxyHeader> v2() {
        Arbitrary<Command> commands = Arbitraries.of(Command.class);
        Arbitrary<Family> families = Arbitraries.of(Family.class);
        Arbitrary<Transport> transports = Arbitraries.of(Transport.STREAM, Transport.DGRAM);
        Arbitrary<List<ProxyTlv>> tlvs = tlv().list().ofMaxSize(6);
        Arbitrary<Integer> crcAt = Arbitraries.integers().between(-1, 6);
        Arbitrary<InetSocketAddress[]> inet = Combinators.combine(socket(ipv4()), socket(ipv4()))
                .as((a, b) -> new InetSocketAddress[] {a, b});
        Arbitrary<InetSocketAddress[]> inet6 = Combinators.combine(socket(ipv6()), socket(ipv6()))
                .as((a, b) -> new InetSocketAddress[] {a, b});
        Arbitrary<String> path = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789/._-")
                .ofMinLength(0).ofMaxLength(107);
        return Combinators.combine(commands, families, transports, tlvs, crcAt, inet, inet6,
                Combinators.combine(path, path).as((a, b) -> new String[] {a, b}))
                .as((command, family, transport, list, crc, four, six, paths) -> {
                    ProxyHeader.Builder b = ProxyHeader.builder().command(command).transport(transport).family(family);
                    switch (family) {
                        case INET:
                            b.addresses(four[0], four[1]);
                            break;
                        case INET6:
                            b.addresses(six[0], six[1]);
                            break;
                        case UNIX:
                            b.paths(paths[0], paths[1]);
                            break;
                        default:
                            break;
                    }
                    for (int i = 0; i < list.size(); i++) {
                        if (i == crc) {
                            b.crc32c();
                        }
                        b.tlv(list.get(i));
                    }
                    if (crc >= list.size()) {
                        b.crc32c();
                    }
                    return b.build();
                });
    }

    /** One TLV of any type the parser accepts, within its cap (never CRC32C: the builder adds that). */
    static Arbitrary<ProxyTlv> tlv() {
        Arbitrary<byte[]> small = Arbitraries.bytes().array(byte[].class).ofMaxSize(48);
        Arbitrary<ProxyTlv> alpn = Arbitraries.of("h2", "http/1.1", "h3", "").map(s -> ProxyTlv.of(ProxyTlv.ALPN, s));
        Arbitrary<ProxyTlv> authority = Arbitraries.bytes().array(byte[].class).ofMaxSize(255)
                .map(v -> ProxyTlv.of(ProxyTlv.AUTHORITY, v));
        Arbitrary<ProxyTlv> uniqueId = Arbitraries.bytes().array(byte[].class).ofMaxSize(128)
                .map(v -> ProxyTlv.of(ProxyTlv.UNIQUE_ID, v));
        Arbitrary<ProxyTlv> noop = small.map(v -> ProxyTlv.of(ProxyTlv.NOOP, v));
        Arbitrary<ProxyTlv> ssl = Combinators.combine(Arbitraries.bytes().array(byte[].class).ofSize(5),
                Combinators.combine(Arbitraries.integers().between(0x21, 0x28), small)
                        .as((t, v) -> V2Bytes.tlv(t, v)).list().ofMaxSize(4))
                .as((head, subs) -> ProxyTlv.of(ProxyTlv.SSL, ByteArrays.concat(head, ByteArrays.concat(subs.toArray(new byte[0][])))));
        Arbitrary<ProxyTlv> other = Combinators.combine(
                Arbitraries.integers().between(0, 255).filter(t -> t != ProxyTlv.CRC32C && t != ProxyTlv.SSL
                        && t != ProxyTlv.AUTHORITY && t != ProxyTlv.UNIQUE_ID), small).as(ProxyTlv::of);
        return Arbitraries.oneOf(alpn, authority, uniqueId, noop, ssl, other);
    }

    private static InetAddress address(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
