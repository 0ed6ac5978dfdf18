package io.github.proxycodec;

import io.github.proxycodec.ProxyHeader.Command;
import io.github.proxycodec.ProxyHeader.Family;
import io.github.proxycodec.ProxyHeader.Transport;
import io.github.proxycodec.ProxyHeader.Version;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.netty.buffer.ByteBuf;

import static io.github.proxycodec.ProxyHeaderParser.V2_FIXED_LENGTH;

/**
 * The binary v2 header (spec section 2.2): version and command, family and transport, length,
 * address block, then TLVs checked by {@link TlvReader}. Each field is judged as soon as it is
 * readable, so a bad header is refused before the rest of it arrives. Immutable.
 */
final class V2Parser {

    /** Offset of the version/command byte, right after the 12-byte signature. */
    private static final int VERSION_COMMAND = 12;
    /** Offset of the family/transport byte. */
    private static final int FAMILY_TRANSPORT = 13;
    /** Offset of the 16-bit length of what follows the fixed part. */
    private static final int LENGTH = 14;

    private static final Family[] FAMILIES = Family.values();
    private static final Transport[] TRANSPORTS = Transport.values();

    private final int maxV2HeaderLength;
    private final boolean allowStreamTransport;
    private final boolean allowDatagramTransport;
    private final boolean rejectUnspecProxy;

    V2Parser(int maxV2HeaderLength, boolean allowStreamTransport, boolean allowDatagramTransport,
             boolean rejectUnspecProxy) {
        this.maxV2HeaderLength = maxV2HeaderLength;
        this.allowStreamTransport = allowStreamTransport;
        this.allowDatagramTransport = allowDatagramTransport;
        this.rejectUnspecProxy = rejectUnspecProxy;
    }

    /** The v2 address block of {@code family}: INET 12 bytes, INET6 36, UNIX 216, UNSPEC none. */
    static int addressBlockLength(Family family) {
        switch (family) {
            case INET: return 12;
            case INET6: return 36;
            case UNIX: return 216;
            default: return 0;
        }
    }

    /** Where the TLVs start in a v2 header of {@code family} (after the fixed part and address block). */
    static int tlvStart(Family family) {
        return V2_FIXED_LENGTH + addressBlockLength(family);
    }

    /**
     * Parses the v2 header at the reader index (its signature already matched) without moving it.
     *
     * @return the header, or {@code null} if every byte so far is valid but it is incomplete
     */
    ProxyHeader parse(ByteBuf in) {
        final int r = in.readerIndex();
        final int n = in.readableBytes();
        if (n <= VERSION_COMMAND) {
            return null;
        }
        Command command = command(in.getUnsignedByte(r + VERSION_COMMAND));
        if (n <= FAMILY_TRANSPORT) {
            return null;
        }
        int famByte = in.getUnsignedByte(r + FAMILY_TRANSPORT);
        checkFamilyByte(famByte);
        Family family = FAMILIES[famByte >>> 4];
        Transport transport = TRANSPORTS[famByte & 0x0F];
        if (command == Command.PROXY) {
            checkAllowed(family, transport);
        }
        if (n < V2_FIXED_LENGTH) {
            return null;
        }
        int len = in.getUnsignedShort(r + LENGTH);
        int total = V2_FIXED_LENGTH + len;
        if (total > maxV2HeaderLength) {
            throw new ProxyProtocolException(Reason.V2_TOO_LONG,
                    total + " bytes, more than the " + maxV2HeaderLength + " allowed");
        }
        int addrLen = addressLength(command, family, len);
        if (n < total) {
            return null;
        }
        return read(in, command, family, transport, addrLen, total);
    }

    private static Command command(int verCmd) {
        if ((verCmd >>> 4) != 2) {
            throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_VERSION,
                    "version " + (verCmd >>> 4) + " (only 2 exists)");
        }
        switch (verCmd & 0x0F) {
            case 0:
                return Command.LOCAL;
            case 1:
                return Command.PROXY;
            default:
                throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_COMMAND, "command " + (verCmd & 0x0F));
        }
    }

    /**
     * Refuses a family/transport byte the spec does not define. The nibbles are the wire values,
     * which are also the ordinals of {@link Family} and {@link Transport}: only 0x00 (UNSPEC) and
     * INET, INET6 or UNIX with STREAM or DGRAM exist.
     */
    private static void checkFamilyByte(int famByte) {
        int family = famByte >>> 4;
        int transport = famByte & 0x0F;
        boolean known = famByte == 0x00 || (family >= 1 && family <= 3 && (transport == 1 || transport == 2));
        if (!known) {
            throw new ProxyProtocolException(Reason.V2_UNSUPPORTED_FAMILY,
                    String.format("family/transport byte 0x%02X", famByte));
        }
    }

    /** Applies this parser's policy to a PROXY command (a LOCAL one names no client). */
    private void checkAllowed(Family family, Transport transport) {
        if ((transport == Transport.STREAM && !allowStreamTransport)
                || (transport == Transport.DGRAM && !allowDatagramTransport)) {
            throw new ProxyProtocolException(Reason.TRANSPORT_NOT_ALLOWED, transport + " transport not accepted here");
        }
        if (family == Family.UNSPEC && rejectUnspecProxy) {
            throw new ProxyProtocolException(Reason.UNSPEC_NOT_ALLOWED, "PROXY command with UNSPEC family");
        }
    }

    /** Returns the length of the address block, refusing a PROXY header too short to hold it. */
    private static int addressLength(Command command, Family family, int len) {
        int addrLen = addressBlockLength(family);
        if (len >= addrLen) {
            return addrLen;
        }
        if (command == Command.LOCAL) {
            // LOCAL ignores the family and discards the address block (HAProxy's spec): a health
            // check that names a family but sends no addresses is still valid.
            return len;
        }
        throw new ProxyProtocolException(Reason.V2_ADDRESS_TRUNCATED,
                "length " + len + " is shorter than the " + addrLen + "-byte " + family + " address block");
    }

    /** Reads the addresses and checks the TLVs of a complete header of {@code total} bytes. */
    private static ProxyHeader read(ByteBuf in, Command command, Family family, Transport transport, int addrLen,
                                    int total) {
        final int r = in.readerIndex();
        final int a = r + V2_FIXED_LENGTH;
        int src4 = 0;
        int dst4 = 0;
        int ports = 0;
        byte[] srcBytes = null;
        byte[] dstBytes = null;
        if (command == Command.PROXY) {
            switch (family) {
                case INET:
                    src4 = in.getInt(a);
                    dst4 = in.getInt(a + 4);
                    ports = in.getInt(a + 8);
                    break;
                case INET6:
                    srcBytes = bytes(in, a, 16);
                    dstBytes = bytes(in, a + 16, 16);
                    ports = in.getInt(a + 32);
                    break;
                case UNIX:
                    srcBytes = bytes(in, a, 108);
                    dstBytes = bytes(in, a + 108, 108);
                    break;
                default:
                    break;
            }
        }
        byte[] raw = null;
        int tlvStart = V2_FIXED_LENGTH + addrLen;
        if (tlvStart < total) {
            // One copy of the whole header: TLV values point into it, and the CRC is computed on it.
            raw = bytes(in, r, total);
            TlvReader.check(raw, tlvStart, total);
        }
        int kind = ProxyHeader.kind(Version.V2, command, family, transport);
        return new ProxyHeader(kind, src4, dst4, ports, srcBytes, dstBytes, raw, total);
    }

    private static byte[] bytes(ByteBuf in, int index, int length) {
        byte[] b = new byte[length];
        in.getBytes(index, b);
        return b;
    }
}
