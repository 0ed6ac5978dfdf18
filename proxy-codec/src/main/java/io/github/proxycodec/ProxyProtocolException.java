package io.github.proxycodec;

import io.netty.handler.codec.DecoderException;

/**
 * Why a PROXY protocol header (or the connection carrying it) was refused.
 *
 * <p>Every refusal carries one {@link Reason}; the message adds detail for humans. The exception
 * has no stack trace: it describes bad input, not a bug, and a hostile client must not be able
 * to make the server spend time filling stack traces or fill logs with them.
 */
public final class ProxyProtocolException extends DecoderException {

    private static final long serialVersionUID = 1L;

    /** The specific rule a header or connection broke. */
    public enum Reason {
        /** The first bytes cannot begin a v1 ({@code "PROXY "}) or v2 (12-byte signature) header. */
        NOT_A_PROXY_HEADER,
        /** A v1 line breaks the grammar: fields, single spaces, protocol name, lone CR or LF. */
        V1_MALFORMED,
        /** A v1 address is not a canonical literal of the line's family. */
        V1_INVALID_ADDRESS,
        /** A v1 port is not a decimal 0..65535 without sign or leading zeros. */
        V1_INVALID_PORT,
        /** A v1 line has no CRLF within 107 bytes. */
        V1_TOO_LONG,
        /** The v2 version nibble is not 2. */
        V2_UNSUPPORTED_VERSION,
        /** The v2 command nibble is neither LOCAL (0) nor PROXY (1). */
        V2_UNSUPPORTED_COMMAND,
        /** The v2 family/transport byte is not one of 0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32. */
        V2_UNSUPPORTED_FAMILY,
        /** The v2 length is smaller than the address block its family needs. */
        V2_ADDRESS_TRUNCATED,
        /** A v2 TLV runs past the header end, or a standard TLV has an impossible shape. */
        V2_TLV_MALFORMED,
        /** A v2 TLV exceeds its cap (AUTHORITY 255 bytes, UNIQUE_ID 128 bytes). */
        V2_TLV_TOO_LONG,
        /** The whole v2 header exceeds the configured maximum length. */
        V2_TOO_LONG,
        /** The v2 CRC32C TLV does not match the header. */
        V2_CRC_MISMATCH,
        /** The header's transport (e.g. DGRAM on a TCP connection) is not accepted here. */
        TRANSPORT_NOT_ALLOWED,
        /** The header's version (v1 or v2) is valid but not enabled in the configuration. */
        VERSION_NOT_ACCEPTED,
        /** A PROXY command with the UNSPEC family, refused by configuration. */
        UNSPEC_NOT_ALLOWED,
        /** The header did not complete within the configured header timeout. */
        TIMEOUT,
        /** The peer is not a trusted proxy: refused outright, or it sent a header it may not send. */
        UNTRUSTED_SOURCE,
        /** Too many connections are still waiting for their header. */
        TOO_MANY_PENDING,
        /** The configured {@link HeaderValidator} refused the header (or threw). */
        REJECTED_BY_POLICY
    }

    /** Why the input was refused. */
    private final Reason reason;

    /**
     * Creates an exception for {@code reason} with a human-readable detail.
     *
     * @param reason the rule that was broken
     * @param detail what exactly was wrong, for logs
     */
    public ProxyProtocolException(Reason reason, String detail) {
        super(reason + ": " + detail, null);
        this.reason = reason;
    }

    /** Returns the rule that was broken. */
    public Reason reason() {
        return reason;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
