package io.github.proxycodec.udp;

import io.github.proxycodec.testing.Vector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.Arrays;

import static io.github.proxycodec.udp.Udp.addr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SppHeaderTest {

    @Test
    void ipv4MappedVectorDecodesToIpv4Addresses() {
        Vector v = Vector.load("crafted/spp-ipv4-mapped");
        ByteBuf in = v.buffer();
        try {
            SppHeader h = SppHeader.decode(in);
            assertEquals(addr("192.0.2.10", 12345), h.client());
            assertEquals(addr("198.51.100.20", 53), h.proxy());
            assertTrue(h.client().getAddress() instanceof Inet4Address);
            assertTrue(h.proxy().getAddress() instanceof Inet4Address);
            assertEquals(0, in.readerIndex(), "decode must not move the reader index");
            assertEquals(38, v.headerLength());
            assertArrayEquals(Arrays.copyOf(v.bytes(), 38), h.toByteArray());
        } finally {
            in.release();
        }
    }

    @Test
    void ipv6VectorDecodes() {
        Vector v = Vector.load("crafted/spp-ipv6");
        ByteBuf in = v.buffer();
        try {
            SppHeader h = SppHeader.decode(in);
            assertEquals(addr("2001:db8::10", 23456), h.client());
            assertEquals(addr("2001:db8::20", 443), h.proxy());
            assertTrue(h.client().getAddress() instanceof Inet6Address);
        } finally {
            in.release();
        }
    }

    @Test
    void decodeReadsRelativeToTheReaderIndex() {
        byte[] vector = Vector.load("crafted/spp-ipv6").bytes();
        ByteBuf in = Unpooled.wrappedBuffer(Udp.concat(new byte[] {9, 9, 9}, vector));
        in.skipBytes(3);
        assertEquals(addr("2001:db8::10", 23456), SppHeader.decode(in).client());
        assertEquals(3, in.readerIndex());
    }

    @Test
    void fewerThan38BytesIsTooShort() {
        byte[] vector = Vector.load("crafted/spp-ipv4-mapped").bytes();
        for (int n : new int[] {0, 1, 2, 37}) {
            UdpProxyException e = assertThrows(UdpProxyException.class,
                    () -> SppHeader.decode(Unpooled.wrappedBuffer(Arrays.copyOf(vector, n))));
            assertEquals(UdpDropReason.TOO_SHORT, e.reason());
        }
    }

    @Test
    void exactly38BytesIsAHeaderWithAnEmptyPayload() {
        byte[] vector = Vector.load("crafted/spp-ipv4-mapped").bytes();
        assertEquals(53, SppHeader.decode(Unpooled.wrappedBuffer(Arrays.copyOf(vector, 38))).proxy().getPort());
    }

    @Test
    void wrongMagicIsRefused() {
        byte[] b = Vector.load("crafted/spp-ipv4-mapped").bytes();
        b[1] = (byte) 0xED;
        UdpProxyException e = assertThrows(UdpProxyException.class, () -> SppHeader.decode(Unpooled.wrappedBuffer(b)));
        assertEquals(UdpDropReason.BAD_MAGIC, e.reason());
        assertTrue(e.getMessage().contains("0x56ED"), e.getMessage());
        assertEquals(0, e.getStackTrace().length, "refusals carry no stack trace");
    }

    @Test
    void builtHeaderMatchesThePublishedLayoutByteForByte() {
        SppHeader built = SppHeader.of(addr("192.0.2.10", 12345), addr("198.51.100.20", 53));
        assertArrayEquals(Arrays.copyOf(Vector.load("crafted/spp-ipv4-mapped").bytes(), 38), built.toByteArray());
        SppHeader built6 = SppHeader.of(addr("2001:db8::10", 23456), addr("2001:db8::20", 443));
        assertArrayEquals(Arrays.copyOf(Vector.load("crafted/spp-ipv6").bytes(), 38), built6.toByteArray());
    }

    @Test
    void writeToReEmitsTheReceivedBytesUnchanged() {
        byte[] raw = Arrays.copyOf(Vector.load("crafted/spp-ipv6").bytes(), 38);
        SppHeader h = SppHeader.decode(Unpooled.wrappedBuffer(raw));
        ByteBuf out = Unpooled.buffer();
        h.writeTo(out);
        assertArrayEquals(raw, Udp.bytes(out));
        assertEquals(h, SppHeader.decode(out));
    }

    @Test
    void unspecifiedAddressOrPortZeroIsDetected() {
        assertFalse(SppHeader.of(addr("192.0.2.1", 1), addr("198.51.100.1", 2)).hasUnspecifiedAddress());
        assertTrue(SppHeader.of(addr("0.0.0.0", 1), addr("198.51.100.1", 2)).hasUnspecifiedAddress());
        assertTrue(SppHeader.of(addr("192.0.2.1", 1), addr("::", 2)).hasUnspecifiedAddress());
        assertTrue(SppHeader.of(addr("192.0.2.1", 0), addr("198.51.100.1", 2)).hasUnspecifiedAddress());
        assertTrue(SppHeader.of(addr("192.0.2.1", 1), addr("198.51.100.1", 0)).hasUnspecifiedAddress());
    }

    @Test
    void aHeaderFromTheWordsOfADatagramEqualsTheDecodedOneAndKeepsItsBytes() {
        for (SppHeader h : new SppHeader[] {SppHeader.of(addr("192.0.2.1", 1234), addr("198.51.100.9", 53)),
            SppHeader.of(addr("2001:db8::1", 65535), addr("2001:db8:cf::2", 1))}) {
            byte[] raw = h.toByteArray();
            ByteBuf b = Unpooled.wrappedBuffer(raw);
            SppHeader w = SppHeader.ofWords(b.getLong(0), b.getLong(8), b.getLong(16), b.getLong(24), b.getLong(30));
            assertEquals(h, w);
            assertEquals(h.hashCode(), w.hashCode());
            assertEquals(SppHeader.decode(b), w);
            assertArrayEquals(raw, w.toByteArray());
            assertEquals(h.client(), w.client());
            assertEquals(h.proxy(), w.proxy());
            assertEquals(h.client().getAddress().getClass(), w.client().getAddress().getClass());
            ByteBuf out = Unpooled.buffer();
            assertArrayEquals(raw, io.netty.buffer.ByteBufUtil.getBytes(w.writeTo(out)));
            out.release();
            b.release();
        }
        // Each of the 38 bytes counts.
        SppHeader h = SppHeader.of(addr("192.0.2.1", 1234), addr("198.51.100.9", 53));
        for (int i = 2; i < SppHeader.LENGTH; i++) {
            byte[] raw = h.toByteArray();
            raw[i] ^= 1;
            ByteBuf b = Unpooled.wrappedBuffer(raw);
            assertFalse(h.equals(SppHeader.decode(b)), "byte " + i);
            b.release();
        }
    }

    @Test
    void anSppDatagramGivenNoRecipientTakesItFromItsHeader() {
        SppHeader h = SppHeader.of(addr("192.0.2.1", 1234), addr("198.51.100.9", 53));
        ProxiedDatagram d = new ProxiedDatagram(Unpooled.buffer(1), null, h.client(), addr("127.0.0.1", 9), h, null);
        assertEquals(addr("198.51.100.9", 53), d.recipient());
        ProxiedDatagram dup = d.retainedDuplicate();
        assertEquals(d.recipient(), dup.recipient());
        dup.release();
        assertTrue(d.release());
        ProxiedDatagram given = new ProxiedDatagram(Unpooled.buffer(1), addr("127.0.0.1", 53), h.client(),
                addr("127.0.0.1", 9), h, null);
        assertEquals(addr("127.0.0.1", 53), given.recipient());
        assertTrue(given.release());
    }
}
