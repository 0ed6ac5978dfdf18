package io.github.proxycodec.hardening;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolConfig.HeaderPolicy;
import io.github.proxycodec.ProxyProtocolConfig.UntrustedPolicy;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.TrustedProxies;
import io.github.proxycodec.testing.Hex;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import static io.github.proxycodec.hardening.Bytes.INET6_BLOCK;
import static io.github.proxycodec.hardening.Bytes.INET_BLOCK;
import static io.github.proxycodec.hardening.Bytes.flip;
import static io.github.proxycodec.testing.ByteArrays.ascii;
import static io.github.proxycodec.testing.ByteArrays.concat;
import static io.github.proxycodec.testing.ByteArrays.repeat;
import static io.github.proxycodec.testing.V2Bytes.LOCAL;
import static io.github.proxycodec.testing.V2Bytes.PROXY;
import static io.github.proxycodec.testing.V2Bytes.header;
import static io.github.proxycodec.testing.V2Bytes.headerWithLength;
import static io.github.proxycodec.testing.V2Bytes.tlv;
import static io.github.proxycodec.testing.V2Bytes.tlvWithLength;
import static io.github.proxycodec.testing.V2Bytes.unix;
import static io.github.proxycodec.testing.V2Bytes.withCrc32c;

/**
 * The TCP half of the malformed-input corpus: each case is named for the rule it breaks and
 * states the one reason the handler must give.
 */
final class TcpCorpus {

    /** A trusted proxy on loopback. */
    static final InetSocketAddress PROXY_PEER = Bytes.addr("127.0.0.1", 40000);
    /** Not a trusted proxy. */
    static final InetSocketAddress STRANGER = Bytes.addr("192.0.2.99", 40000);

    /**
     * One malformed connection.
     *
     * @param name    the rule broken
     * @param bytes   what the peer sends (the test appends application bytes unless {@code waitForTimeout})
     * @param reason  the only acceptable refusal
     * @param peer    who connects
     * @param config  changes to the base configuration (trust loopback, defaults otherwise)
     * @param waitForTimeout whether the refusal comes from the header timeout
     */
    record Case(String name, byte[] bytes, Reason reason, InetSocketAddress peer,
                UnaryOperator<ProxyProtocolConfig.Builder> config, boolean waitForTimeout) {
        @Override
        public String toString() {
            return name;
        }

        ProxyProtocolConfig buildConfig() {
            return config.apply(ProxyProtocolConfig.builder().trustedProxies(TrustedProxies.of("127.0.0.0/8")))
                    .build();
        }
    }

    private static final String V1_TAIL = " 198.51.100.1 12345 443\r\n";

    private TcpCorpus() {
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        v1Cases(c);
        v2Cases(c);
        connectionCases(c);
        return c;
    }

    private static void add(List<Case> c, String name, byte[] bytes, Reason reason) {
        c.add(new Case(name, bytes, reason, PROXY_PEER, b -> b, false));
    }

    private static void add(List<Case> c, String name, byte[] bytes, Reason reason,
                            UnaryOperator<ProxyProtocolConfig.Builder> config) {
        c.add(new Case(name, bytes, reason, PROXY_PEER, config, false));
    }

    private static void v1Cases(List<Case> c) {
        // Detection and grammar
        add(c, "v1_lowercase_proxy_word", ascii("proxy TCP4 192.0.2.10" + V1_TAIL), Reason.NOT_A_PROXY_HEADER);
        add(c, "v1_no_space_after_proxy_word", ascii("PROXYTCP4 192.0.2.10" + V1_TAIL), Reason.NOT_A_PROXY_HEADER);
        add(c, "v1_two_spaces_after_proxy_word", ascii("PROXY  TCP4 192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_protocol_lowercase_tcp4", ascii("PROXY tcp4 192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_protocol_tcp5", ascii("PROXY TCP5 192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_protocol_udp4", ascii("PROXY UDP4 192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_protocol_missing", ascii("PROXY \r\n"), Reason.V1_MALFORMED);
        add(c, "v1_protocol_unknownx", ascii("PROXY UNKNOWNX\r\n"), Reason.V1_MALFORMED);
        add(c, "v1_tab_after_protocol", ascii("PROXY TCP4\t192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_two_spaces_after_protocol", ascii("PROXY TCP4  192.0.2.10" + V1_TAIL), Reason.V1_MALFORMED);
        add(c, "v1_two_spaces_between_addresses", ascii("PROXY TCP4 192.0.2.10  198.51.100.1 12345 443\r\n"),
                Reason.V1_MALFORMED);
        add(c, "v1_two_spaces_between_ports", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345  443\r\n"),
                Reason.V1_MALFORMED);
        add(c, "v1_space_before_crlf", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 443 \r\n"),
                Reason.V1_MALFORMED);
        add(c, "v1_extra_field", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 443 80\r\n"), Reason.V1_MALFORMED);
        add(c, "v1_destination_port_missing", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345\r\n"),
                Reason.V1_MALFORMED);
        add(c, "v1_destination_port_empty", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 \r\n"),
                Reason.V1_MALFORMED);
        add(c, "v1_only_source_address", ascii("PROXY TCP4 192.0.2.10\r\n"), Reason.V1_MALFORMED);
        add(c, "v1_lf_without_cr", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 443\n"), Reason.V1_MALFORMED);
        add(c, "v1_cr_without_lf", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 443\rX"), Reason.V1_MALFORMED);
        add(c, "v1_lf_inside_line", ascii("PROXY TCP4 192.0.2.10\n198.51.100.1 12345 443\r\n"), Reason.V1_MALFORMED);
        add(c, "v1_binary_after_prefix", concat(ascii("PROXY "), Hex.decode("00FF00FF")), Reason.V1_MALFORMED);
        // Length
        add(c, "v1_no_crlf_within_107_bytes", concat(ascii("PROXY TCP4 "), repeat('1', 200)), Reason.V1_TOO_LONG);
        add(c, "v1_unknown_line_of_108_bytes",
                concat(ascii("PROXY UNKNOWN "), repeat('x', 108 - 14 - 2), ascii("\r\n")), Reason.V1_TOO_LONG);
        // Addresses
        add(c, "v1_tcp4_octet_256", ascii("PROXY TCP4 256.0.2.10" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_octet_leading_zero", ascii("PROXY TCP4 192.0.2.010" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_three_octets", ascii("PROXY TCP4 192.0.2" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_five_octets", ascii("PROXY TCP4 192.0.2.10.5" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_trailing_dot", ascii("PROXY TCP4 192.0.2.10." + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_hex_octet", ascii("PROXY TCP4 0x7f.0.0.1" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_host_name", ascii("PROXY TCP4 localhost" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_with_ipv6_source", ascii("PROXY TCP4 2001:db8::10" + V1_TAIL), Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_destination_octet_300", ascii("PROXY TCP4 192.0.2.10 198.51.100.300 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp4_address_with_nul", concat(ascii("PROXY TCP4 192.0.2.1"), Hex.decode("00"), ascii(V1_TAIL)),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_with_ipv4_source", ascii("PROXY TCP6 192.0.2.10 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_two_double_colons", ascii("PROXY TCP6 2001:db8::1::2 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_nine_groups", ascii("PROXY TCP6 2001:db8:0:0:0:0:0:0:1 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_group_of_five_digits", ascii("PROXY TCP6 12345::1 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_zone_id", ascii("PROXY TCP6 fe80::1%eth0 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_brackets", ascii("PROXY TCP6 [2001:db8::10] 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_trailing_colon", ascii("PROXY TCP6 2001:db8::10: 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_leading_single_colon", ascii("PROXY TCP6 :2001:db8::10 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_embedded_ipv4_octet_300", ascii("PROXY TCP6 ::ffff:192.0.2.300 2001:db8::1 12345 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        add(c, "v1_tcp6_seven_groups_without_compression", ascii("PROXY TCP6 2001:db8:1:2:3:4:5 2001:db8::1 1 443\r\n"),
                Reason.V1_INVALID_ADDRESS);
        // Ports
        add(c, "v1_source_port_65536", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 65536 443\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_source_port_leading_zero", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 080 443\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_source_port_plus_sign", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 +80 443\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_source_port_negative", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 -1 443\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_source_port_hex", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 0x50 443\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_destination_port_six_digits", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 100000\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_destination_port_with_letter", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 44a\r\n"),
                Reason.V1_INVALID_PORT);
        add(c, "v1_destination_port_99999", ascii("PROXY TCP4 192.0.2.10 198.51.100.1 12345 99999\r\n"),
                Reason.V1_INVALID_PORT);
        // Configuration
        add(c, "v1_when_only_v2_is_accepted", ascii("PROXY TCP4 192.0.2.10" + V1_TAIL), Reason.VERSION_NOT_ACCEPTED,
                b -> b.acceptV1(false));
    }

    private static void v2Cases(List<Case> c) {
        byte[] good = header(PROXY, 0x11, INET_BLOCK);
        // Signature, version, command, family
        add(c, "v2_signature_first_byte_0c", flip(good, 0, 0x01), Reason.NOT_A_PROXY_HEADER);
        add(c, "v2_signature_nul_byte_wrong", flip(good, 4, 0x01), Reason.NOT_A_PROXY_HEADER);
        add(c, "v2_signature_last_byte_wrong", flip(good, 11, 0x01), Reason.NOT_A_PROXY_HEADER);
        add(c, "v2_version_0", header(0x01, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_VERSION);
        add(c, "v2_version_1", header(0x11, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_VERSION);
        add(c, "v2_version_3", header(0x31, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_VERSION);
        add(c, "v2_version_15", header(0xF1, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_VERSION);
        add(c, "v2_command_2", header(0x22, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_COMMAND);
        add(c, "v2_command_15", header(0x2F, 0x11, INET_BLOCK), Reason.V2_UNSUPPORTED_COMMAND);
        add(c, "v2_family_inet_transport_3", header(PROXY, 0x13, INET_BLOCK), Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "v2_family_inet_transport_unspec", header(PROXY, 0x10, INET_BLOCK), Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "v2_family_unspec_transport_stream", header(PROXY, 0x01), Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "v2_family_4", header(PROXY, 0x41, INET_BLOCK), Reason.V2_UNSUPPORTED_FAMILY);
        add(c, "v2_family_byte_ff", header(LOCAL, 0xFF), Reason.V2_UNSUPPORTED_FAMILY);
        // Lengths
        add(c, "v2_inet_length_11", header(PROXY, 0x11, java.util.Arrays.copyOf(INET_BLOCK, 11)),
                Reason.V2_ADDRESS_TRUNCATED);
        add(c, "v2_inet_length_0", header(PROXY, 0x11), Reason.V2_ADDRESS_TRUNCATED);
        add(c, "v2_inet6_length_35", header(PROXY, 0x21, java.util.Arrays.copyOf(INET6_BLOCK, 35)),
                Reason.V2_ADDRESS_TRUNCATED);
        add(c, "v2_inet6_with_inet_sized_block", header(PROXY, 0x21, INET_BLOCK), Reason.V2_ADDRESS_TRUNCATED);
        add(c, "v2_unix_length_215", header(PROXY, 0x31, java.util.Arrays.copyOf(unix("/a", "/b"), 215)),
                Reason.V2_ADDRESS_TRUNCATED);
        add(c, "v2_length_over_default_cap_4096", headerWithLength(PROXY, 0x11, 4081, INET_BLOCK), Reason.V2_TOO_LONG);
        add(c, "v2_length_65535", headerWithLength(PROXY, 0x11, 0xFFFF, INET_BLOCK), Reason.V2_TOO_LONG);
        add(c, "v2_length_over_configured_cap_64", header(PROXY, 0x11, INET_BLOCK, tlv(0x04, new byte[34])),
                Reason.V2_TOO_LONG, b -> b.maxV2HeaderLength(64));
        // TLVs
        add(c, "v2_tlv_header_cut_to_1_byte", header(PROXY, 0x11, INET_BLOCK, Hex.decode("04")), Reason.V2_TLV_MALFORMED);
        add(c, "v2_tlv_header_cut_to_2_bytes", header(PROXY, 0x11, INET_BLOCK, Hex.decode("0400")), Reason.V2_TLV_MALFORMED);
        add(c, "v2_tlv_length_one_past_header_end", header(PROXY, 0x11, INET_BLOCK, tlvWithLength(0x01, 3, ascii("h2"))),
                Reason.V2_TLV_MALFORMED);
        add(c, "v2_tlv_length_65535", header(PROXY, 0x11, INET_BLOCK, tlvWithLength(0xE0, 0xFFFF, new byte[8])),
                Reason.V2_TLV_MALFORMED);
        add(c, "v2_second_tlv_runs_past_header_end",
                header(PROXY, 0x11, INET_BLOCK, tlv(0x01, ascii("h2")), tlvWithLength(0x02, 20, ascii("example"))),
                Reason.V2_TLV_MALFORMED);
        add(c, "v2_crc32c_of_3_bytes", header(PROXY, 0x11, INET_BLOCK, tlv(0x03, new byte[3])), Reason.V2_TLV_MALFORMED);
        add(c, "v2_crc32c_of_5_bytes", header(PROXY, 0x11, INET_BLOCK, tlv(0x03, new byte[5])), Reason.V2_TLV_MALFORMED);
        add(c, "v2_crc32c_empty", header(PROXY, 0x11, INET_BLOCK, tlv(0x03, new byte[0])), Reason.V2_TLV_MALFORMED);
        add(c, "v2_crc32c_twice", withCrc32c(header(PROXY, 0x11, INET_BLOCK, tlv(0x03, new byte[4]), tlv(0x03, new byte[4])),
                31), Reason.V2_TLV_MALFORMED);
        byte[] crc = withCrc32c(header(PROXY, 0x11, INET_BLOCK, tlv(0x03, new byte[4]), tlv(0x04, new byte[4])), 31);
        add(c, "v2_crc32c_value_wrong", flip(crc, 34, 0x01), Reason.V2_CRC_MISMATCH);
        add(c, "v2_crc32c_covers_the_address_block", flip(crc, 16, 0x80), Reason.V2_CRC_MISMATCH);
        add(c, "v2_crc32c_covers_later_tlvs", flip(crc, 38, 0x01), Reason.V2_CRC_MISMATCH);
        add(c, "v2_crc32c_computed_without_zeroing_its_value",
                withCrcOverValue(header(PROXY, 0x11, INET_BLOCK, tlv(0x03, Hex.decode("DEADBEEF")))), Reason.V2_CRC_MISMATCH);
        add(c, "v2_authority_256_bytes", header(PROXY, 0x11, INET_BLOCK, tlv(0x02, repeat('a', 256))),
                Reason.V2_TLV_TOO_LONG);
        add(c, "v2_unique_id_129_bytes", header(PROXY, 0x11, INET_BLOCK, tlv(0x05, new byte[129])),
                Reason.V2_TLV_TOO_LONG);
        add(c, "v2_ssl_tlv_empty", header(PROXY, 0x11, INET_BLOCK, tlv(0x20, new byte[0])), Reason.V2_TLV_MALFORMED);
        add(c, "v2_ssl_tlv_of_4_bytes", header(PROXY, 0x11, INET_BLOCK, tlv(0x20, Hex.decode("01000000"))),
                Reason.V2_TLV_MALFORMED);
        add(c, "v2_ssl_sub_tlv_runs_past_ssl_end",
                header(PROXY, 0x11, INET_BLOCK, tlv(0x20, concat(Hex.decode("0100000000"), tlvWithLength(0x21, 8, ascii("TLSv1.3"))))),
                Reason.V2_TLV_MALFORMED);
        add(c, "v2_ssl_sub_tlv_header_cut_to_2_bytes",
                header(PROXY, 0x11, INET_BLOCK, tlv(0x20, concat(Hex.decode("0100000000"), Hex.decode("2100")))),
                Reason.V2_TLV_MALFORMED);
        // Transport and configuration
        add(c, "v2_dgram_inet_on_tcp", header(PROXY, 0x12, INET_BLOCK), Reason.TRANSPORT_NOT_ALLOWED);
        add(c, "v2_dgram_inet6_on_tcp", header(PROXY, 0x22, INET6_BLOCK), Reason.TRANSPORT_NOT_ALLOWED);
        add(c, "v2_dgram_unix_on_tcp", header(PROXY, 0x32, unix("/a", "/b")), Reason.TRANSPORT_NOT_ALLOWED);
        add(c, "v2_proxy_unspec_when_refused", header(PROXY, 0x00), Reason.UNSPEC_NOT_ALLOWED,
                b -> b.rejectUnspecProxy(true));
        add(c, "v2_when_only_v1_is_accepted", good, Reason.VERSION_NOT_ACCEPTED, b -> b.acceptV2(false));
    }

    private static void connectionCases(List<Case> c) {
        add(c, "tcp_http_request_instead_of_header", ascii("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"),
                Reason.NOT_A_PROXY_HEADER);
        add(c, "tcp_tls_client_hello_instead_of_header", Hex.decode("160301020001000100"), Reason.NOT_A_PROXY_HEADER);
        add(c, "tcp_ssh_banner_instead_of_header", ascii("SSH-2.0-OpenSSH_9.9\r\n"), Reason.NOT_A_PROXY_HEADER);
        add(c, "tcp_crlf_then_text_is_not_a_v2_signature", ascii("\r\nPING\r\n"), Reason.NOT_A_PROXY_HEADER);
        add(c, "tcp_optional_policy_still_refuses_a_bad_v1_header", ascii("PROXY TCP4 192.0.2.256" + V1_TAIL),
                Reason.V1_INVALID_ADDRESS, b -> b.headerPolicy(HeaderPolicy.OPTIONAL));
        c.add(new Case("tcp_silent_until_header_timeout", new byte[0], Reason.TIMEOUT, PROXY_PEER, b -> b, true));
        c.add(new Case("tcp_partial_v1_until_header_timeout", ascii("PROXY TCP4 192.0.2"), Reason.TIMEOUT,
                PROXY_PEER, b -> b, true));
        c.add(new Case("tcp_partial_v2_until_header_timeout", java.util.Arrays.copyOf(header(PROXY, 0x11, INET_BLOCK), 20),
                Reason.TIMEOUT, PROXY_PEER, b -> b, true));
        c.add(new Case("tcp_untrusted_peer_is_closed", new byte[0], Reason.UNTRUSTED_SOURCE, STRANGER, b -> b, false));
        c.add(new Case("tcp_untrusted_peer_served_directly_sends_v1", ascii("PROXY TCP4 192.0.2.10" + V1_TAIL),
                Reason.UNTRUSTED_SOURCE, STRANGER, b -> b.untrustedPolicy(UntrustedPolicy.SERVE_DIRECT), false));
        c.add(new Case("tcp_untrusted_peer_served_directly_sends_v2", header(PROXY, 0x11, INET_BLOCK),
                Reason.UNTRUSTED_SOURCE, STRANGER, b -> b.untrustedPolicy(UntrustedPolicy.SERVE_DIRECT), false));
    }

    /** A CRC computed over the header with the wrong value still in place (not zeroed first). */
    private static byte[] withCrcOverValue(byte[] header) {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(header);
        long v = crc.getValue();
        byte[] h = header.clone();
        h[31] = (byte) (v >>> 24);
        h[32] = (byte) (v >>> 16);
        h[33] = (byte) (v >>> 8);
        h[34] = (byte) v;
        return h;
    }
}
