package io.github.proxycodec.examples.support;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

import java.util.concurrent.TimeUnit;

/** The life of a server subcommand: announce the bound address, wait for the stop, close. */
public final class Servers {

    private Servers() {
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
