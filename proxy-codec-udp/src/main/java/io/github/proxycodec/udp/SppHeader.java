package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
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

    private final byte[] raw;
    private final InetSocketAddress client;
    private final InetSocketAddress proxy;

    private SppHeader(byte[] raw) {
        this.raw = raw;
        this.client = new InetSocketAddress(address(raw, CLIENT_ADDRESS_OFFSET), port(raw, CLIENT_PORT_OFFSET));
        this.proxy = new InetSocketAddress(address(raw, PROXY_ADDRESS_OFFSET), port(raw, PROXY_PORT_OFFSET));
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
        byte[] raw = new byte[LENGTH];
        in.getBytes(r, raw);
        return new SppHeader(raw);
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
        return new SppHeader(raw);
    }

    /** Returns the real client's address and port. */
    public InetSocketAddress client() {
        return client;
    }

    /** Returns the Cloudflare address and port the client sent to. */
    public InetSocketAddress proxy() {
        return proxy;
    }

    /** Returns whether either address is unspecified ({@code 0.0.0.0}, {@code ::}) or either port is 0. */
    public boolean hasUnspecifiedAddress() {
        return client.getAddress().isAnyLocalAddress() || proxy.getAddress().isAnyLocalAddress()
                || client.getPort() == 0 || proxy.getPort() == 0;
    }

    /** Returns a copy of the 38 bytes as received. */
    public byte[] toByteArray() {
        return raw.clone();
    }

    /** Writes the 38 bytes, exactly as received, to {@code out}; returns {@code out}. */
    public ByteBuf writeTo(ByteBuf out) {
        return out.writeBytes(raw);
    }

    private static InetAddress address(byte[] raw, int at) {
        try {
            // ::ffff:a.b.c.d is an IPv4 client: built from its last 4 bytes as an Inet4Address.
            boolean mapped = Arrays.equals(raw, at, at + 12, V4_MAPPED_PREFIX, 0, 12);
            return InetAddress.getByAddress(mapped
                    ? Arrays.copyOfRange(raw, at + 12, at + 16) : Arrays.copyOfRange(raw, at, at + 16));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong array length
        }
    }

    /**
     * Whether this header's 38 bytes, read as big-endian words at 0, 8, 16, 24 and 30 (the last
     * two overlap), are these.
     */
    boolean matches(long b0, long b8, long b16, long b24, long b30) {
        return b0 == bytesAt(0, 8) && b8 == bytesAt(8, 8) && b16 == bytesAt(16, 8) && b24 == bytesAt(24, 8)
                && b30 == bytesAt(30, 8);
    }

    /** Returns {@code n} (at most 8) bytes from {@code at} as a big-endian number. */
    long bytesAt(int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = v << 8 | (raw[at + i] & 0xFF);
        }
        return v;
    }

    private static int port(byte[] raw, int at) {
        return ((raw[at] & 0xFF) << 8) | (raw[at + 1] & 0xFF);
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
        return o == this || (o instanceof SppHeader && Arrays.equals(raw, ((SppHeader) o).raw));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return "SppHeader{client=" + client + ", proxy=" + proxy + '}';
    }
}
