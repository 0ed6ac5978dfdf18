package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.testing.Hex;
import io.github.proxycodec.udp.UdpDropReason;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.github.proxycodec.hardening.Bytes.INET6_BLOCK;
import static io.github.proxycodec.hardening.Bytes.flip;
import static io.github.proxycodec.hardening.Bytes.spp;
import static io.github.proxycodec.testing.ByteArrays.ascii;
import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.ByteArrays.repeat;
import static io.github.proxycodec.testing.V2Bytes.LOCAL;
import static io.github.proxycodec.testing.V2Bytes.PROXY;
import static io.github.proxycodec.testing.V2Bytes.header;
import static io.github.proxycodec.testing.V2Bytes.headerWithLength;
import static io.github.proxycodec.testing.V2Bytes.inet;
import static io.github.proxycodec.testing.V2Bytes.inet6;
import static io.github.proxycodec.testing.V2Bytes.tlv;
import static io.github.proxycodec.testing.V2Bytes.tlvWithLength;
import static io.github.proxycodec.testing.V2Bytes.unix;
import static io.github.proxycodec.testing.V2Bytes.withCrc32c;

/**
 * The UDP half of the malformed-input corpus: datagrams for {@code SppCodec} and the two modes
 * of {@code ProxyV2DatagramCodec}, each named for the rule it breaks, with the drop reason (and
 * for INVALID_HEADER the parser's reason) it must be counted under.
 */
final class UdpCorpus {

    /** A Cloudflare edge (inside 162.158.0.0/15), trusted by the default configuration. */
    static final InetSocketAddress EDGE = Bytes.addr("162.158.1.1", 41000);
    /** Not a trusted edge. */
    static final InetSocketAddress STRANGER = Bytes.addr("192.0.2.99", 5555);
    /** Not a trusted edge either. */
    static final InetSocketAddress STRANGER6 = Bytes.addr("2001:db8::99", 5555);

    /** Which codec a case goes through. */
    enum Codec { SPP, PER_DATAGRAM, FIRST_DATAGRAM }

    /**
     * One malformed datagram.
     *
     * @param name         the rule broken
     * @param codec        the codec it is sent through
     * @param bytes        the datagram's content
     * @param sender       who sends it
     * @param reason       the drop reason it must be counted under
     * @param headerReason the parser's reason for INVALID_HEADER (and others the parser decided), else null
     */
    record Case(String name, Codec codec, byte[] bytes, InetSocketAddress sender, UdpDropReason reason,
                Reason headerReason) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final byte[] DNS_QUERY = Hex.decode("12340100000100000000000003777777076578616d706c6503636f6d0000010001");
    private static final byte[] INET_DGRAM = inet("192.0.2.10", "198.51.100.1", 12345, 53);

    private UdpCorpus() {
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        sppCases(c);
        perDatagramCases(c);
        firstDatagramCases(c);
        return c;
    }

    private static void add(List<Case> c, String name, Codec codec, byte[] bytes, UdpDropReason reason) {
        c.add(new Case(name, codec, bytes, EDGE, reason, null));
    }

    private static void add(List<Case> c, String name, Codec codec, byte[] bytes, UdpDropReason reason,
                            Reason headerReason) {
        c.add(new Case(name, codec, bytes, EDGE, reason, headerReason));
    }

    private static byte[] sppWith(int magic, String client, String proxy, int clientPort, int proxyPort) {
        return concat(spp(magic, client, proxy, clientPort, proxyPort), DNS_QUERY);
    }

    private static void sppCases(List<Case> c) {
        Codec s = Codec.SPP;
        add(c, "spp_magic_56ed", s, sppWith(0x56ED, "192.0.2.10", "198.51.100.1", 12345, 53), UdpDropReason.BAD_MAGIC);
        add(c, "spp_magic_byte_swapped_ec56", s, sppWith(0xEC56, "192.0.2.10", "198.51.100.1", 12345, 53),
                UdpDropReason.BAD_MAGIC);
        add(c, "spp_magic_0000", s, sppWith(0x0000, "192.0.2.10", "198.51.100.1", 12345, 53), UdpDropReason.BAD_MAGIC);
        add(c, "spp_proxy_v2_header_instead_of_spp", s, concat(header(PROXY, 0x12, INET_DGRAM), DNS_QUERY),
                UdpDropReason.BAD_MAGIC);
        add(c, "spp_v1_line_instead_of_spp", s, ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 53\r\nhello"),
                UdpDropReason.BAD_MAGIC);
        add(c, "spp_bare_payload_without_header", s, concat(DNS_QUERY, DNS_QUERY), UdpDropReason.BAD_MAGIC);
        add(c, "spp_empty_datagram", s, new byte[0], UdpDropReason.TOO_SHORT);
        add(c, "spp_magic_only", s, Hex.decode("56EC"), UdpDropReason.TOO_SHORT);
        add(c, "spp_header_cut_to_37_bytes", s,
                Arrays.copyOf(spp(0x56EC, "192.0.2.10", "198.51.100.1", 12345, 53), 37), UdpDropReason.TOO_SHORT);
        add(c, "spp_short_datagram_with_bad_magic_is_too_short_first", s, Hex.decode("0000"), UdpDropReason.TOO_SHORT);
        add(c, "spp_client_address_unspecified_ipv6", s, sppWith(0x56EC, "::", "198.51.100.1", 12345, 53),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "spp_client_address_unspecified_ipv4_mapped", s, sppWith(0x56EC, "0.0.0.0", "198.51.100.1", 12345, 53),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "spp_proxy_address_unspecified", s, sppWith(0x56EC, "192.0.2.10", "::", 12345, 53),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "spp_client_port_0", s, sppWith(0x56EC, "192.0.2.10", "198.51.100.1", 0, 53),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "spp_proxy_port_0", s, sppWith(0x56EC, "2001:db8::10", "2001:db8::1", 12345, 0),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        byte[] good = sppWith(0x56EC, "192.0.2.10", "198.51.100.1", 12345, 53);
        c.add(new Case("spp_from_untrusted_sender", s, good, STRANGER, UdpDropReason.UNTRUSTED_SENDER, null));
        c.add(new Case("spp_from_untrusted_ipv6_sender", s, good, STRANGER6, UdpDropReason.UNTRUSTED_SENDER, null));
        c.add(new Case("spp_untrusted_sender_is_checked_before_the_magic", s, Hex.decode("0000"), STRANGER,
                UdpDropReason.UNTRUSTED_SENDER, null));
    }

    private static void perDatagramCases(List<Case> c) {
        Codec p = Codec.PER_DATAGRAM;
        byte[] good = header(PROXY, 0x12, INET_DGRAM);
        add(c, "ppv2_per_datagram_no_header", p, DNS_QUERY, UdpDropReason.MISSING_HEADER, Reason.NOT_A_PROXY_HEADER);
        add(c, "ppv2_per_datagram_spp_header_instead", p, sppWith(0x56EC, "192.0.2.10", "198.51.100.1", 12345, 53),
                UdpDropReason.MISSING_HEADER, Reason.NOT_A_PROXY_HEADER);
        add(c, "ppv2_per_datagram_signature_last_byte_wrong", p, concat(flip(good, 11, 0x01), DNS_QUERY),
                UdpDropReason.MISSING_HEADER, Reason.NOT_A_PROXY_HEADER);
        add(c, "ppv2_per_datagram_v1_line", p, ascii("PROXY UDP4 192.0.2.10 198.51.100.1 12345 53\r\n"),
                UdpDropReason.INVALID_HEADER, Reason.VERSION_NOT_ACCEPTED);
        add(c, "ppv2_per_datagram_signature_only", p, Arrays.copyOf(good, 12), UdpDropReason.TOO_SHORT);
        add(c, "ppv2_per_datagram_fixed_part_cut_to_15_bytes", p, Arrays.copyOf(good, 15), UdpDropReason.TOO_SHORT);
        add(c, "ppv2_per_datagram_length_past_datagram_end", p, headerWithLength(PROXY, 0x12, 100, INET_DGRAM),
                UdpDropReason.TOO_SHORT);
        add(c, "ppv2_stream_inet_family_on_udp", p, concat(header(PROXY, 0x11, INET_DGRAM), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.TRANSPORT_NOT_ALLOWED);
        add(c, "ppv2_stream_inet6_family_on_udp", p, concat(header(PROXY, 0x21, INET6_BLOCK), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.TRANSPORT_NOT_ALLOWED);
        add(c, "ppv2_proxy_command_with_unspec_family", p, concat(header(PROXY, 0x00), DNS_QUERY),
                UdpDropReason.UNSPECIFIED_ADDRESS, Reason.UNSPEC_NOT_ALLOWED);
        add(c, "ppv2_unix_dgram_family_means_nothing_to_udp", p, concat(header(PROXY, 0x32, unix("/a", "/b")), DNS_QUERY),
                UdpDropReason.INVALID_HEADER);
        add(c, "ppv2_version_1", p, concat(header(0x11, 0x12, INET_DGRAM), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_UNSUPPORTED_VERSION);
        add(c, "ppv2_command_3", p, concat(header(0x23, 0x12, INET_DGRAM), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_UNSUPPORTED_COMMAND);
        add(c, "ppv2_family_inet6_transport_3", p, concat(header(PROXY, 0x23, INET6_BLOCK), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "ppv2_local_with_family_byte_ff", p, concat(header(LOCAL, 0xFF), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "ppv2_inet_dgram_length_11", p, concat(header(PROXY, 0x12, Arrays.copyOf(INET_DGRAM, 11)), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_ADDRESS_TRUNCATED);
        add(c, "ppv2_inet6_dgram_length_35", p, concat(header(PROXY, 0x22, Arrays.copyOf(INET6_BLOCK, 35)), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_ADDRESS_TRUNCATED);
        add(c, "ppv2_header_over_4096_bytes", p, concat(header(PROXY, 0x12, INET_DGRAM, tlv(0x04, new byte[4070]))),
                UdpDropReason.INVALID_HEADER, Reason.V2_TOO_LONG);
        add(c, "ppv2_tlv_runs_past_header_end", p,
                concat(header(PROXY, 0x12, INET_DGRAM, tlvWithLength(0x01, 9, ascii("dot"))), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_TLV_MALFORMED);
        byte[] crc = withCrc32c(header(PROXY, 0x12, INET_DGRAM, tlv(0x03, new byte[4])), 31);
        add(c, "ppv2_crc32c_mismatch", p, concat(flip(crc, 20, 0x01), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_CRC_MISMATCH);
        add(c, "ppv2_authority_256_bytes", p, concat(header(PROXY, 0x12, INET_DGRAM, tlv(0x02, repeat('a', 256))), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.V2_TLV_TOO_LONG);
        add(c, "ppv2_source_address_0_0_0_0", p, concat(header(PROXY, 0x12, inet("0.0.0.0", "198.51.100.1", 12345, 53)),
                DNS_QUERY), UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "ppv2_source_port_0", p, concat(header(PROXY, 0x12, inet("192.0.2.10", "198.51.100.1", 0, 53)),
                DNS_QUERY), UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "ppv2_destination_ipv6_unspecified", p, concat(header(PROXY, 0x22, inet6("2001:db8::10", "::", 12345, 53)),
                DNS_QUERY), UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "ppv2_destination_port_0", p, concat(header(PROXY, 0x12, inet("192.0.2.10", "198.51.100.1", 12345, 0)),
                DNS_QUERY), UdpDropReason.UNSPECIFIED_ADDRESS);
        c.add(new Case("ppv2_per_datagram_from_untrusted_sender", p, concat(good, DNS_QUERY), STRANGER,
                UdpDropReason.UNTRUSTED_SENDER, null));
    }

    private static void firstDatagramCases(List<Case> c) {
        Codec f = Codec.FIRST_DATAGRAM;
        byte[] good = header(PROXY, 0x12, INET_DGRAM);
        add(c, "ppv2_first_datagram_headerless_from_unknown_edge_port", f, DNS_QUERY, UdpDropReason.UNKNOWN_FLOW);
        add(c, "ppv2_first_datagram_truncated_signature_is_no_header", f, Arrays.copyOf(good, 8),
                UdpDropReason.UNKNOWN_FLOW);
        add(c, "ppv2_first_datagram_signature_mismatch_is_no_header", f, concat(flip(good, 6, 0x01), DNS_QUERY),
                UdpDropReason.UNKNOWN_FLOW);
        add(c, "ppv2_first_datagram_v1_line_is_no_header", f, ascii("PROXY TCP4 192.0.2.10 198.51.100.1 1 2\r\n"),
                UdpDropReason.UNKNOWN_FLOW);
        add(c, "ppv2_first_datagram_length_past_datagram_end", f, headerWithLength(PROXY, 0x12, 40, INET_DGRAM),
                UdpDropReason.TOO_SHORT);
        add(c, "ppv2_first_datagram_stream_family", f, concat(header(PROXY, 0x11, INET_DGRAM), DNS_QUERY),
                UdpDropReason.INVALID_HEADER, Reason.TRANSPORT_NOT_ALLOWED);
        byte[] crc = withCrc32c(header(PROXY, 0x12, INET_DGRAM, tlv(0x03, new byte[4])), 31);
        add(c, "ppv2_first_datagram_crc32c_mismatch", f, flip(crc, 31, 0x80),
                UdpDropReason.INVALID_HEADER, Reason.V2_CRC_MISMATCH);
        add(c, "ppv2_first_datagram_ssl_tlv_of_4_bytes", f, header(PROXY, 0x12, INET_DGRAM, tlv(0x20, Hex.decode("01000000"))),
                UdpDropReason.INVALID_HEADER, Reason.V2_TLV_MALFORMED);
        add(c, "ppv2_first_datagram_unique_id_129_bytes", f, header(PROXY, 0x12, INET_DGRAM, tlv(0x05, new byte[129])),
                UdpDropReason.INVALID_HEADER, Reason.V2_TLV_TOO_LONG);
        add(c, "ppv2_first_datagram_source_unspecified", f, header(PROXY, 0x22, inet6("::", "2001:db8::1", 12345, 53)),
                UdpDropReason.UNSPECIFIED_ADDRESS);
        add(c, "ppv2_first_datagram_proxy_unspec", f, header(PROXY, 0x00),
                UdpDropReason.UNSPECIFIED_ADDRESS, Reason.UNSPEC_NOT_ALLOWED);
        c.add(new Case("ppv2_first_datagram_from_untrusted_sender", f, concat(good, DNS_QUERY), STRANGER,
                UdpDropReason.UNTRUSTED_SENDER, null));
        c.add(new Case("ppv2_first_datagram_from_untrusted_ipv6_sender", f, concat(good, DNS_QUERY), STRANGER6,
                UdpDropReason.UNTRUSTED_SENDER, null));
    }
}
