package io.github.proxycodec.haproxy;

import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolEvent;
import io.github.proxycodec.ProxyProtocolHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessage;

/**
 * Lets handlers written for Netty's {@code HAProxyMessageDecoder} run unchanged behind
 * {@link ProxyProtocolHandler}: once that handler accepts a header, this one passes on the
 * {@link HAProxyMessage} Netty's decoder would have produced for the same bytes
 * ({@link HAProxyMessages#of}), then removes itself.
 *
 * <pre>{@code
 * ProxyProtocolConfig proxy = ProxyProtocolConfig.defaults();
 * protected void initChannel(SocketChannel ch) {
 *     HAProxyMessageBridge.addFirst(ch.pipeline(), proxy);   // ProxyProtocolHandler, then the bridge
 *     ch.pipeline().addLast(new MyHAProxyMessageHandler());  // unchanged: msg instanceof HAProxyMessage
 * }
 * }</pre>
 *
 * <table border="1">
 * <caption>What reaches the next handler</caption>
 * <tr><td>header accepted</td><td>the {@link ProxyProtocolEvent}, then one {@link HAProxyMessage}
 *     through {@code channelRead}, then the client's bytes in order</td></tr>
 * <tr><td>no header (OPTIONAL policy), or an untrusted peer served directly</td><td>the event
 *     and the client's bytes; no message (as with Netty's decoder, which sees no header)</td></tr>
 * <tr><td>refused (untrusted, malformed, timeout)</td><td>the failure event only; no message,
 *     no bytes; the channel is closed</td></tr>
 * </table>
 *
 * <p><b>Ownership.</b> The message has a reference count of 1 and belongs to the handler that
 * receives it, exactly as with Netty's decoder: that handler releases it (e.g. with
 * {@code ReferenceCountUtil.release(msg)}), which also releases its TLVs. If no handler takes
 * it, the pipeline's tail releases it.
 *
 * <p>One instance per channel, added right after {@link ProxyProtocolHandler} and before the
 * channel's first read. The core {@code proxy-codec} does not need this module or
 * {@code netty-codec-haproxy}; only applications that opt in do.
 */
public final class HAProxyMessageBridge extends ChannelInboundHandlerAdapter {

    /** Creates a bridge; add it right after a {@link ProxyProtocolHandler}. */
    public HAProxyMessageBridge() {
    }

    /**
     * Adds a {@link ProxyProtocolHandler} with {@code config} and a bridge after it at the
     * front of {@code pipeline}, so that they see the connection's first bytes.
     *
     * @param pipeline a new channel's pipeline
     * @param config the shared configuration of the handler
     * @return {@code pipeline}
     */
    public static ChannelPipeline addFirst(ChannelPipeline pipeline, ProxyProtocolConfig config) {
        return pipeline.addFirst(new ProxyProtocolHandler(config), new HAProxyMessageBridge());
    }

    /**
     * Puts a {@link ProxyProtocolHandler} with {@code config}, and a bridge after it, in the
     * place of the handler named {@code decoderName}: how a framework that installs Netty's
     * {@code HAProxyMessageDecoder} under a known name (reactor-netty's
     * {@code NettyPipeline.ProxyProtocolDecoder}) gets this library's decoding instead, while its
     * own reader of {@link HAProxyMessage} stays as it is.
     *
     * @param pipeline a new channel's pipeline
     * @param decoderName the name of the handler to replace
     * @param config the shared configuration of the handler
     * @return {@code pipeline}
     * @throws java.util.NoSuchElementException if no handler has that name
     */
    public static ChannelPipeline replace(ChannelPipeline pipeline, String decoderName, ProxyProtocolConfig config) {
        pipeline.replace(decoderName, decoderName, new ProxyProtocolHandler(config));
        return pipeline.addAfter(decoderName, null, new HAProxyMessageBridge());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ProxyProtocolEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        ProxyProtocolEvent event = (ProxyProtocolEvent) evt;
        // The handler fires its one event before passing on the bytes after the header, so the
        // message goes out between the two, where Netty's decoder would put it.
        ctx.pipeline().remove(this);
        ctx.fireUserEventTriggered(event);
        if (event.outcome() == ProxyProtocolEvent.Outcome.HEADER) {
            // Ownership passes to the next handler that takes the message.
            ctx.fireChannelRead(HAProxyMessages.of(event.header()));
        }
    }
}
