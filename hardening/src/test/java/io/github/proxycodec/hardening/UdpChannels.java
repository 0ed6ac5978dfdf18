package io.github.proxycodec.hardening;

import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.ProxyV2DatagramCodec;
import io.github.proxycodec.udp.SppCodec;
import io.github.proxycodec.udp.UdpProxyConfig;
import io.github.proxycodec.udp.UdpProxyEvent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/** A UDP codec on an embedded channel whose buffers come from a tracking allocator, with its events recorded. */
final class UdpChannels {

    /** The origin's own socket. */
    static final InetSocketAddress ORIGIN = Bytes.addr("10.1.1.1", 2408);

    final AbstractUdpProxyCodec codec;
    final EmbeddedChannel channel;
    final List<UdpProxyEvent> events = new ArrayList<>();

    UdpChannels(UdpCorpus.Codec kind, UdpProxyConfig config, TrackingAllocator alloc) {
        switch (kind) {
            case SPP:
                codec = new SppCodec(config);
                break;
            case PER_DATAGRAM:
                codec = new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.PER_DATAGRAM);
                break;
            default:
                codec = new ProxyV2DatagramCodec(config, ProxyV2DatagramCodec.Mode.FIRST_DATAGRAM);
                break;
        }
        channel = new EmbeddedChannel(codec, new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof UdpProxyEvent) {
                    events.add((UdpProxyEvent) evt);
                }
                ctx.fireUserEventTriggered(evt);
            }
        });
        channel.config().setAllocator(alloc);
    }

    List<UdpProxyEvent> events(UdpProxyEvent.Kind kind) {
        List<UdpProxyEvent> out = new ArrayList<>();
        for (UdpProxyEvent e : events) {
            if (e.kind() == kind) {
                out.add(e);
            }
        }
        return out;
    }
}
