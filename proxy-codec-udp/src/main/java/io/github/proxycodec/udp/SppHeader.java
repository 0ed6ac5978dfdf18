package io.github.proxycodec.udp;

import io.github.proxycodec.ProxyHeader;
import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * A Cloudflare Simple Proxy Protocol (SPP) header: the 38 bytes Spectrum puts in front of
 * every UDP datagram, as an immutable value with no reference counting.
 *
 * <pre>
 * offset size field
 *  0      2   magic 0x56EC
 *  2     16   client address (IPv6, or IPv4-mapped ::ffff:a.b.c.d)
 * 18     16   proxy address (same encoding)
 * 34      2   client port
 * 36      2   proxy port        (all big-endian)
 * </pre>
 *
 * <p>The header keeps its 38 bytes exactly as received, because every reply toward the client
 * must carry them back unchanged; {@link #writeTo(ByteBuf)} re-emits them byte for byte. An
 * IPv4-mapped address is returned as an {@link Inet4Address}. Addresses are built from the
 * bytes, never resolved.
 */
public final class SppHeader {

    /** The length of the header in bytes. */
    public static final int LENGTH = 38;
    /** The magic number in the first two bytes. */
    public static final int MAGIC = 0x56EC;

    private static final int CLIENT_ADDRESS_OFFSET = 2;
    private static final int PROXY_ADDRESS_OFFSET = 18;
    private static final int CLIENT_PORT_OFFSET = 34;
    private static final int PROXY_PORT_OFFSET = 36;
    private static final byte[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};

    // The 38 bytes as big-endian words at 0, 8, 16, 24 and 30 (the last two overlap by two
    // bytes): how a datagram's header is read, compared and written back without a byte array.
    private final long b0;
    private final long b8;
    private final long b16;
    private final long b24;
    private final long b30;
    // Built from the words when first asked for. InetSocketAddress is immutable (final fields),
    // so a thread that races another here sees a complete address, at worst built twice.
    private InetSocketAddress client;
    private InetSocketAddress proxy;

    private SppHeader(long b0, long b8, long b16, long b24, long b30) {
        this.b0 = b0;
        this.b8 = b8;
        this.b16 = b16;
        this.b24 = b24;
        this.b30 = b30;
    }

    /**
     * Decodes the header at the reader index without moving it or taking ownership.
     *
     * @param in a datagram's content
     * @return the header; the payload starts {@link #LENGTH} bytes after the reader index
     * @throws UdpProxyException with {@link UdpDropReason#TOO_SHORT} or {@link UdpDropReason#BAD_MAGIC}
     */
    public static SppHeader decode(ByteBuf in) {
        int r = in.readerIndex();
        if (in.readableBytes() < LENGTH) {
            throw new UdpProxyException(UdpDropReason.TOO_SHORT,
                    in.readableBytes() + " bytes, fewer than the " + LENGTH + "-byte SPP header");
        }
        int magic = in.getUnsignedShort(r);
        if (magic != MAGIC) {
            throw new UdpProxyException(UdpDropReason.BAD_MAGIC, String.format("magic 0x%04X, not 0x56EC", magic));
        }
        return new SppHeader(in.getLong(r), in.getLong(r + 8), in.getLong(r + 16), in.getLong(r + 24),
                in.getLong(r + 30));
    }

    /**
     * Builds the header an edge would send for {@code client} reaching {@code proxy}, IPv4
     * addresses written IPv4-mapped. For edges, simulators and tests.
     */
    public static SppHeader of(InetSocketAddress client, InetSocketAddress proxy) {
        byte[] raw = new byte[LENGTH];
        raw[0] = (byte) (MAGIC >>> 8);
        raw[1] = (byte) MAGIC;
        putAddress(raw, CLIENT_ADDRESS_OFFSET, client);
        putAddress(raw, PROXY_ADDRESS_OFFSET, proxy);
        putPort(raw, CLIENT_PORT_OFFSET, client.getPort());
        putPort(raw, PROXY_PORT_OFFSET, proxy.getPort());
        return new SppHeader(word(raw, 0), word(raw, 8), word(raw, 16), word(raw, 24), word(raw, 30));
    }

    /**
     * The header whose bytes, read as big-endian words at 0, 8, 16, 24 and 30, are these: as
     * read from a datagram that starts with the magic number, so the overlapping bytes agree.
     */
    static SppHeader ofWords(long b0, long b8, long b16, long b24, long b30) {
        return new SppHeader(b0, b8, b16, b24, b30);
    }

    /** Returns the real client's address and port. */
    public InetSocketAddress client() {
        InetSocketAddress c = client;
        if (c == null) {
            client = c = client(b0, b8, b16, b30);
        }
        return c;
    }

    /** Returns the Cloudflare address and port the client sent to. */
    public InetSocketAddress proxy() {
        InetSocketAddress p = proxy;
        if (p == null) {
            // Proxy address: bytes 18 to 33; proxy port: bytes 36 and 37.
            proxy = p = address(b16 << 16 | b24 >>> 48, b24 << 16 | (b30 >>> 32 & 0xFFFF), (int) b30 & 0xFFFF);
        }
        return p;
    }

    /**
     * A new address of the client in a header read as words (see {@link #matches}): client
     * address bytes 2 to 17, client port bytes 34 and 35.
     */
    static InetSocketAddress client(long b0, long b8, long b16, long b30) {
        return address(b0 << 16 | b8 >>> 48, b8 << 16 | b16 >>> 48, (int) (b30 >>> 16) & 0xFFFF);
    }

    /**
     * The address whose 16 bytes are {@code hi} and {@code lo} (big-endian), with {@code port}:
     * an {@link Inet4Address} if they are IPv4-mapped ({@code ::ffff:a.b.c.d}).
     */
    private static InetSocketAddress address(long hi, long lo, int port) {
        byte[] b;
        if (hi == 0 && lo >>> 32 == 0xFFFFL) {
            int ip = (int) lo;
            b = new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
        } else {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(b), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong array length
        }
    }

    /**
     * Returns this header as the PROXY v2 DGRAM header with the same addresses and no TLVs
     * (client as source, Cloudflare's address as destination): what a header validator sees.
     */
    public ProxyHeader toProxyHeader() {
        return ProxyHeader.builder().transport(ProxyHeader.Transport.DGRAM).addresses(client(), proxy()).build();
    }

    /** Returns whether either address is unspecified ({@code 0.0.0.0}, {@code ::}) or either port is 0. */
    public boolean hasUnspecifiedAddress() {
        return client().getAddress().isAnyLocalAddress() || proxy().getAddress().isAnyLocalAddress()
                || client().getPort() == 0 || proxy().getPort() == 0;
    }

    /** Returns a copy of the 38 bytes as received. */
    public byte[] toByteArray() {
        byte[] raw = new byte[LENGTH];
        putWord(raw, 0, b0);
        putWord(raw, 8, b8);
        putWord(raw, 16, b16);
        putWord(raw, 24, b24);
        putWord(raw, 30, b30);
        return raw;
    }

    /** Writes the 38 bytes, exactly as received, to {@code out}; returns {@code out}. */
    public ByteBuf writeTo(ByteBuf out) {
        return out.writeLong(b0).writeLong(b8).writeLong(b16).writeLong(b24)
                .writeInt((int) (b30 >>> 16)).writeShort((int) b30);
    }

    /**
     * Whether this header's 38 bytes, read as big-endian words at 0, 8, 16, 24 and 30 (the last
     * two overlap), are these.
     */
    boolean matches(long b0, long b8, long b16, long b24, long b30) {
        return b0 == this.b0 && b8 == this.b8 && b16 == this.b16 && b24 == this.b24 && b30 == this.b30;
    }

    /** Copies the 38 bytes, as words, into {@code words}. */
    void copyTo(SppWords words) {
        words.set(b0, b8, b16, b24, b30);
    }

    private static long word(byte[] raw, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | (raw[at + i] & 0xFF);
        }
        return v;
    }

    private static void putWord(byte[] raw, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            raw[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static void putAddress(byte[] raw, int at, InetSocketAddress a) {
        Objects.requireNonNull(a, "address");
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + a);
        }
        byte[] b = a.getAddress().getAddress();
        if (b.length == 4) {
            System.arraycopy(V4_MAPPED_PREFIX, 0, raw, at, 12);
            System.arraycopy(b, 0, raw, at + 12, 4);
        } else {
            System.arraycopy(b, 0, raw, at, 16);
        }
    }

    private static void putPort(byte[] raw, int at, int port) {
        raw[at] = (byte) (port >>> 8);
        raw[at + 1] = (byte) port;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof SppHeader)) {
            return false;
        }
        SppHeader h = (SppHeader) o;
        return h.matches(b0, b8, b16, b24, b30);
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(b0);
        h = 31 * h + Long.hashCode(b8);
        h = 31 * h + Long.hashCode(b16);
        h = 31 * h + Long.hashCode(b24);
        return 31 * h + Long.hashCode(b30);
    }

    @Override
    public String toString() {
        return "SppHeader{client=" + client() + ", proxy=" + proxy() + '}';
    }
}
