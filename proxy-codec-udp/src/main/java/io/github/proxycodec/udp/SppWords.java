package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;

/**
 * The 38 bytes of an SPP header as read from a datagram: big-endian words at 0, 8, 16, 24 and
 * 30 (the last two overlap by two bytes). A codec keeps one and reads every datagram's header
 * into it, so the header is compared with its flow and copied into it without an object or a
 * byte array per datagram. Confined to the codec's event loop.
 */
final class SppWords {

    long b0;
    long b8;
    long b16;
    long b24;
    long b30;

    /** Reads the 38 bytes at {@code at}, which the caller has checked are there. */
    SppWords read(ByteBuf in, int at) {
        b0 = in.getLong(at);
        b8 = in.getLong(at + 8);
        b16 = in.getLong(at + 16);
        b24 = in.getLong(at + 24);
        b30 = in.getLong(at + 30);
        return this;
    }

    /** Whether the header starts with the SPP magic number. */
    boolean hasMagic() {
        return b0 >>> 48 == SppHeader.MAGIC;
    }

    /** A new address of the client (bytes 2 to 17, port bytes 34 and 35). */
    InetSocketAddress client() {
        return SppHeader.client(b0, b8, b16, b30);
    }

    /** The header these words are, as an object. */
    SppHeader toHeader() {
        return SppHeader.ofWords(b0, b8, b16, b24, b30);
    }

    /** Sets these words to {@code header}'s; returns this. */
    SppWords set(SppHeader header) {
        header.copyTo(this);
        return this;
    }

    /** Sets these words to the given ones; returns this. */
    SppWords set(long w0, long w8, long w16, long w24, long w30) {
        b0 = w0;
        b8 = w8;
        b16 = w16;
        b24 = w24;
        b30 = w30;
        return this;
    }

    /** Whether {@code other} holds the same 38 bytes. */
    boolean sameAs(SppWords other) {
        return b0 == other.b0 && b8 == other.b8 && b16 == other.b16 && b24 == other.b24 && b30 == other.b30;
    }

    /** Writes the 38 bytes to {@code out}. */
    void writeTo(ByteBuf out) {
        out.writeLong(b0).writeLong(b8).writeLong(b16).writeLong(b24).writeInt((int) (b30 >>> 16))
                .writeShort((int) b30);
    }
}
