package io.github.proxycodec.examples.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** The life of a server subcommand: announce the bound address, wait for the stop, close. */
public final class Servers {

    private Servers() {
    }

    /**
     * Waits for {@code bind} and returns its channel; a failure (port in use, address not on
     * this host) becomes one line naming {@code address}.
     */
    public static Channel listen(ChannelFuture bind, InetSocketAddress address) throws InterruptedException {
        bind.await();
        if (!bind.isSuccess()) {
            throw new IllegalStateException("cannot listen on " + Addresses.format(address) + ": " + describe(bind.cause()));
        }
        return bind.channel();
    }

    /**
     * Returns a short text for a socket failure, without the native call or the exception's
     * class: {@code bind(..) failed with error(-98): Address already in use} says
     * {@code Address already in use}.
     */
    public static String describe(Throwable cause) {
        String m = cause.getMessage();
        if (m == null || m.isBlank()) {
            return cause instanceof ConnectException ? "connection refused" : "unexpected failure";
        }
        int nativeCall = m.indexOf("): ");
        if (m.contains("failed with error(") && nativeCall >= 0) {
            m = m.substring(nativeCall + 3);
        }
        int at = m.indexOf(": /");
        return at > 0 ? m.substring(0, at) : m;   // NIO appends the address, which the line already names
    }

    /** Prints the {@code listening} line: always a server's first line on stdout. */
    public static void announce(Console console, String transport, Channel channel) {
        console.print(Console.event("listening")
                .put("transport", transport)
                .put("address", Addresses.format(channel.localAddress())));
    }

    /** Waits for SIGINT/SIGTERM (or a test's stop), then closes the group without a stack trace. */
    public static void runUntilStopped(Console console, EventLoopGroup group) throws InterruptedException {
        try {
            console.awaitStop();
        } finally {
            shutdown(group);
        }
    }

    /** Closes every channel of {@code group} and waits (bounded) for its threads to end. */
    public static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
