package io.github.proxycodec;

import io.github.proxycodec.ProxyProtocolException.Reason;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The TLVs of a v2 header, read from one copy of the whole header: the walk that checks every
 * length against the header's end, the caps of AUTHORITY and UNIQUE_ID, the SSL TLV's sub-TLVs,
 * and the CRC32C over the header. {@link #check} runs once at parse time, so that
 * {@link #list} and {@link #sslInfo} can later walk the same bytes without checking again.
 */
final class TlvReader {

    /** Stands in for the CRC32C value while the checksum is computed (spec section 2.2.5). */
    private static final byte[] ZERO4 = new byte[4];

    private TlvReader() {
    }

    /**
     * Validates every TLV in {@code t[from..end)} (bounds, caps, SSL shape) and the CRC32C over
     * {@code t[0..end)} if one is present, without building them.
     *
     * @throws ProxyProtocolException on the first TLV that is wrong
     */
    static void check(byte[] t, int from, int end) {
        int crcAt = -1;
        int i = from;
        while (i < end) {
            if (end - i < 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "truncated TLV header at offset " + i);
            }
            int type = t[i] & 0xFF;
            int vlen = u16(t, i + 1);
            int v = i + 3;
            if (vlen > end - v) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED,
                        ProxyTlv.typeName(type) + " TLV of " + vlen + " bytes runs past the header end");
            }
            if (type == ProxyTlv.CRC32C) {
                crcAt = crcPosition(crcAt, v, vlen);
            } else {
                checkValue(t, type, v, vlen);
            }
            i = v + vlen;
        }
        if (crcAt >= 0) {
            checkCrc(t, end, crcAt);
        }
    }

    /** Returns where the one CRC32C value starts, refusing a second one or a wrong length. */
    private static int crcPosition(int previous, int v, int vlen) {
        if (vlen != 4) {
            throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "CRC32C TLV of " + vlen + " bytes, not 4");
        }
        if (previous >= 0) {
            throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "more than one CRC32C TLV");
        }
        return v;
    }

    /** Checks the value of a TLV whose type has a cap or an inner shape; any other is accepted. */
    private static void checkValue(byte[] t, int type, int v, int vlen) {
        switch (type) {
            case ProxyTlv.AUTHORITY:
                if (vlen > ProxyHeaderParser.AUTHORITY_MAX_LENGTH) {
                    throw new ProxyProtocolException(Reason.V2_TLV_TOO_LONG, "AUTHORITY of " + vlen + " bytes");
                }
                break;
            case ProxyTlv.UNIQUE_ID:
                if (vlen > ProxyHeaderParser.UNIQUE_ID_MAX_LENGTH) {
                    throw new ProxyProtocolException(Reason.V2_TLV_TOO_LONG, "UNIQUE_ID of " + vlen + " bytes");
                }
                break;
            case ProxyTlv.SSL:
                checkSsl(t, v, vlen);
                break;
            default:
                break;
        }
    }

    private static void checkCrc(byte[] t, int end, int crcAt) {
        long expected = u32(t, crcAt);
        CRC32C crc = new CRC32C();
        crc.update(t, 0, crcAt);
        crc.update(ZERO4, 0, 4);
        crc.update(t, crcAt + 4, end - crcAt - 4);
        if (crc.getValue() != expected) {
            throw new ProxyProtocolException(Reason.V2_CRC_MISMATCH,
                    String.format("header says %08x, computed %08x", expected, crc.getValue()));
        }
    }

    /** Checks an SSL TLV's value: client byte, 32-bit verify result, then sub-TLVs that fit it. */
    private static void checkSsl(byte[] t, int v, int vlen) {
        if (vlen < 5) {
            throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "SSL TLV of " + vlen + " bytes, less than 5");
        }
        int end = v + vlen;
        int i = v + 5;
        while (i < end) {
            if (end - i < 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED, "truncated SSL sub-TLV header");
            }
            int slen = u16(t, i + 1);
            if (slen > end - i - 3) {
                throw new ProxyProtocolException(Reason.V2_TLV_MALFORMED,
                        ProxyTlv.typeName(t[i] & 0xFF) + " sub-TLV runs past the SSL TLV");
            }
            i += 3 + slen;
        }
    }

    /** Builds the TLVs of a header already checked by {@link #check}. */
    static List<ProxyTlv> list(byte[] t, int from, int end) {
        ArrayList<ProxyTlv> list = new ArrayList<>(4);
        for (int i = from; i < end; ) {
            int vlen = u16(t, i + 1);
            list.add(new ProxyTlv(t[i] & 0xFF, t, i + 3, vlen));
            i += 3 + vlen;
        }
        return List.copyOf(list);
    }

    /** Typed view of an SSL TLV; null if its shape is invalid (only possible for built headers). */
    static ProxySslInfo sslInfo(ProxyTlv tlv) {
        byte[] t = tlv.array();
        int v = tlv.arrayOffset();
        int vlen = tlv.length();
        try {
            checkSsl(t, v, vlen);
        } catch (ProxyProtocolException e) {
            return null;
        }
        int client = t[v] & 0xFF;
        long verify = u32(t, v + 1);
        List<ProxyTlv> subs = new ArrayList<>();
        int end = v + vlen;
        int i = v + 5;
        while (i < end) {
            int slen = u16(t, i + 1);
            subs.add(new ProxyTlv(t[i] & 0xFF, t, i + 3, slen));
            i += 3 + slen;
        }
        return new ProxySslInfo(client, verify, Collections.unmodifiableList(subs));
    }

    private static int u16(byte[] t, int i) {
        return ((t[i] & 0xFF) << 8) | (t[i + 1] & 0xFF);
    }

    private static long u32(byte[] t, int i) {
        return ((t[i] & 0xFFL) << 24) | ((t[i + 1] & 0xFF) << 16) | ((t[i + 2] & 0xFF) << 8) | (t[i + 3] & 0xFF);
    }
}
