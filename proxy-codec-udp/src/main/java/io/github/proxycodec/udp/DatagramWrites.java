package io.github.proxycodec.udp;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.PromiseCombiner;

/**
 * The datagrams one reply is sent as (the segments of a segmented reply, sent one by one or in
 * several segmented sends): the reply's promise completes once every one of them is written,
 * and fails with the first failure. Used on the event loop only.
 */
final class DatagramWrites {

    private final ChannelHandlerContext ctx;
    private final ChannelPromise promise;
    /** Null for a void promise: nobody listens, so nothing is combined. */
    private final PromiseCombiner combiner;

    DatagramWrites(ChannelHandlerContext ctx, ChannelPromise promise) {
        this.ctx = ctx;
        this.promise = promise;
        this.combiner = promise.isVoid() ? null : new PromiseCombiner(ctx.executor());
    }

    /** Writes {@code packet}, which goes to the transport (it owns the packet from here). */
    void write(DatagramPacket packet) {
        if (combiner == null) {
            ctx.write(packet, promise);
        } else {
            combiner.add(ctx.write(packet));
        }
    }

    /** Ties the reply's promise to the writes made; call once, after the last {@link #write}. */
    void finish() {
        if (combiner != null) {
            combiner.finish(promise);
        }
    }
}
