package io.github.proxycodec.testkit;

import io.netty.util.NetUtil;

import java.net.InetSocketAddress;

/** Addresses for tests, built from IP literals without any DNS lookup. */
public final class TestAddresses {

    /** An address inside Cloudflare's published ranges (173.245.48.0/20), as an edge would connect from. */
    public static final InetSocketAddress CLOUDFLARE_EDGE = address("173.245.48.1", 40000);
    /** A client in the IPv4 documentation range (RFC 5737). */
    public static final InetSocketAddress CLIENT = address("192.0.2.10", 12345);
    /** A client in the IPv6 documentation range (RFC 3849). */
    public static final InetSocketAddress CLIENT6 = address("2001:db8::10", 23456);

    private TestAddresses() {
    }

    /**
     * Returns {@code ip:port} for an IPv4 or IPv6 literal, never resolving a name.
     *
     * @throws IllegalArgumentException if {@code ip} is not an IP literal
     */
    public static InetSocketAddress address(String ip, int port) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("not an IP literal: " + ip);
        }
        return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), port);
    }
}
