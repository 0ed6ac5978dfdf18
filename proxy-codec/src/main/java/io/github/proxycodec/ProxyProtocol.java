package io.github.proxycodec;

import io.netty.channel.Channel;
import io.netty.util.Attribute;
import io.netty.util.AttributeKey;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Where an application reads what {@link ProxyProtocolHandler} learned about a connection.
 *
 * <pre>{@code
 * InetSocketAddress client = ProxyProtocol.clientAddress(ctx.channel());
 * ProxyHeader header = ProxyProtocol.header(ctx.channel());   // null if none was received
 * }</pre>
 *
 * <p>Child channels (e.g. HTTP/2 stream channels) see their parent connection's header.
 */
public final class ProxyProtocol {

    private static final AttributeKey<ProxyHeader> HEADER = AttributeKey.valueOf(ProxyProtocol.class, "header");

    private ProxyProtocol() {
    }

    /** Returns the header accepted on {@code channel} or its nearest parent, or {@code null}. */
    public static ProxyHeader header(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            if (c.hasAttr(HEADER)) {
                ProxyHeader h = c.attr(HEADER).get();
                if (h != null) {
                    return h;
                }
            }
        }
        return null;
    }

    /**
     * Returns the real client's address: the header's source for a PROXY command with IP
     * addresses, otherwise (LOCAL, UNKNOWN, UNSPEC, UNIX, no header) the connection's own peer.
     * Returns {@code null} only if neither is an IP socket address.
     */
    public static InetSocketAddress clientAddress(Channel channel) {
        ProxyHeader h = header(channel);
        if (h != null && h.hasInetAddresses()) {
            return h.sourceAddress();
        }
        return inet(channel.remoteAddress());
    }

    /**
     * Returns the address the client connected to: the header's destination for a PROXY
     * command with IP addresses, otherwise the connection's own local address.
     */
    public static InetSocketAddress destinationAddress(Channel channel) {
        ProxyHeader h = header(channel);
        if (h != null && h.hasInetAddresses()) {
            return h.destinationAddress();
        }
        return inet(channel.localAddress());
    }

    static void setHeader(Channel channel, ProxyHeader header) {
        Attribute<ProxyHeader> a = channel.attr(HEADER);
        a.set(header);
    }

    private static InetSocketAddress inet(SocketAddress a) {
        return a instanceof InetSocketAddress ? (InetSocketAddress) a : null;
    }
}
