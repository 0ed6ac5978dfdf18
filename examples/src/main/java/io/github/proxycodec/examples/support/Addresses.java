package io.github.proxycodec.examples.support;

import io.netty.util.NetUtil;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** Writes and reads addresses the way every output line shows them: {@code ip:port}. */
public final class Addresses {

    private static final byte[] V4_MAPPED = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF};

    private Addresses() {
    }

    /**
     * Returns {@code a.b.c.d:port} or {@code [v6]:port} (RFC 5952 short form); an IPv4-mapped
     * IPv6 address is written as the IPv4 dotted quad.
     */
    public static String format(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            return String.valueOf(address);
        }
        InetSocketAddress a = (InetSocketAddress) address;
        InetAddress ip = a.getAddress();
        if (ip == null) {
            return a.getHostString() + ':' + a.getPort();
        }
        ip = unmap(ip);
        if (ip instanceof Inet6Address) {
            return '[' + NetUtil.toAddressString(ip) + "]:" + a.getPort();
        }
        return ip.getHostAddress() + ':' + a.getPort();
    }

    /** Returns the IPv4 address inside an IPv4-mapped IPv6 address, or {@code ip} itself. */
    public static InetAddress unmap(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            if (Arrays.equals(b, 0, 12, V4_MAPPED, 0, 12)) {
                try {
                    return InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16));
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return ip;
    }

    /** Returns {@code address} with an IPv4-mapped IP turned into IPv4. */
    public static InetSocketAddress unmap(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address || ip == null) {
            return address;
        }
        InetAddress u = unmap(ip);
        return u == ip ? address : new InetSocketAddress(u, address.getPort());
    }

    /**
     * Parses {@code ip:port}, {@code [v6]:port} or {@code host:port} (a name is resolved once,
     * at start-up, never on an event loop).
     *
     * @throws IllegalArgumentException if it is not of that form
     */
    public static InetSocketAddress parse(String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("expected ip:port or [ipv6]:port, got '" + text + "'");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("an IPv6 address needs brackets: [" + host + "]:port");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + text + "'");
        }
        return new InetSocketAddress(host(host), port);
    }

    /** Parses an IP literal, or resolves a host name (at start-up only). */
    public static InetAddress host(String host) {
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
        try {
            return literal != null ? InetAddress.getByAddress(literal) : InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
    }
}
