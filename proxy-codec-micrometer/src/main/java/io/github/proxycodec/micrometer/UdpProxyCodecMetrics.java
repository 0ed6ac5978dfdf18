package io.github.proxycodec.micrometer;

import io.github.proxycodec.udp.AbstractUdpProxyCodec;
import io.github.proxycodec.udp.UdpDropReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters for UDP proxy codecs ({@code SppCodec}, {@code ProxyV2DatagramCodec}): the
 * sums over every codec {@linkplain #add added}, one per channel, read from the counters the
 * codecs always keep. Nothing is added to a codec's datagram path.
 *
 * <pre>{@code
 * UdpProxyCodecMetrics metrics = new UdpProxyCodecMetrics();
 * metrics.bindTo(registry);
 * new Bootstrap().handler(new ChannelInitializer<DatagramChannel>() {
 *     protected void initChannel(DatagramChannel ch) {
 *         SppCodec codec = metrics.add(new SppCodec(config));
 *         ch.closeFuture().addListener(f -> metrics.remove(codec));
 *         ch.pipeline().addLast(codec, new MyHandler());
 *     }
 * });
 * }</pre>
 *
 * <table border="1">
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>counts</th></tr>
 * <tr><td>{@code proxy.udp.flows}</td><td>gauge</td><td></td><td>flows (clients) known now</td></tr>
 * <tr><td>{@code proxy.udp.drops}</td><td>counter</td><td>{@code reason} (an inbound
 *     {@link UdpDropReason} in lower case)</td><td>datagrams received and dropped</td></tr>
 * <tr><td>{@code proxy.udp.replies.refused}</td><td>counter</td><td>{@code reason}
 *     ({@code no_flow_for_reply}, {@code reply_too_large})</td><td>replies never sent</td></tr>
 * <tr><td>{@code proxy.udp.flow.evictions}</td><td>counter</td><td></td>
 *     <td>flows removed to stay within {@code maxFlows}</td></tr>
 * <tr><td>{@code proxy.udp.flow.expirations}</td><td>counter</td><td></td>
 *     <td>flows removed after their idle timeout</td></tr>
 * </table>
 *
 * <p>{@link #remove} folds a closed channel's counts into the totals, so counters never go
 * back and the closed codec (and its flow table) can be collected. Thread-safe.
 */
public final class UdpProxyCodecMetrics implements MeterBinder {

    private static final UdpDropReason[] REASONS = UdpDropReason.values();

    private final Iterable<Tag> tags;
    private final List<AbstractUdpProxyCodec> codecs = new ArrayList<>();
    /** Counts of removed codecs, by reason ordinal. */
    private final long[] removedDrops = new long[REASONS.length];
    private long removedEvictions;
    private long removedExpirations;

    /** Creates the metrics with no tags of their own. */
    public UdpProxyCodecMetrics() {
        this(Tags.empty());
    }

    /** Creates the metrics with {@code tags} added to every meter (e.g. the port or protocol). */
    public UdpProxyCodecMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(tags);
    }

    /** Counts {@code codec} from now on (with what it counted before); returns it. */
    public synchronized <C extends AbstractUdpProxyCodec> C add(C codec) {
        codecs.add(Objects.requireNonNull(codec, "codec"));
        return codec;
    }

    /**
     * Stops reading {@code codec}, keeping its counts in the totals; call it once its channel
     * is closed. Does nothing if it was not added.
     */
    public synchronized void remove(AbstractUdpProxyCodec codec) {
        if (!codecs.remove(codec)) {
            return;
        }
        for (UdpDropReason reason : REASONS) {
            removedDrops[reason.ordinal()] += codec.drops(reason);
        }
        removedEvictions += codec.evictions();
        removedExpirations += codec.expirations();
    }

    /** Returns the number of codecs counted now. */
    public synchronized int codecs() {
        return codecs.size();
    }

    synchronized long drops(UdpDropReason reason) {
        return removedDrops[reason.ordinal()] + sum(c -> c.drops(reason));
    }

    synchronized long evictions() {
        return removedEvictions + sum(AbstractUdpProxyCodec::evictions);
    }

    synchronized long expirations() {
        return removedExpirations + sum(AbstractUdpProxyCodec::expirations);
    }

    synchronized long flows() {
        return sum(AbstractUdpProxyCodec::flows);
    }

    private long sum(ToLongFunction<AbstractUdpProxyCodec> count) {
        long total = 0;
        for (AbstractUdpProxyCodec codec : codecs) {
            total += count.applyAsLong(codec);
        }
        return total;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        // The gauge holds this object strongly: the counters' weak references then stay valid.
        Gauge.builder("proxy.udp.flows", this, m -> m.flows())
                .tags(tags)
                .description("Flows (clients) the UDP proxy codecs know now")
                .baseUnit("flows")
                .strongReference(true)
                .register(registry);
        for (UdpDropReason reason : REASONS) {
            boolean reply = reason.isOutbound();
            FunctionCounter.builder(reply ? "proxy.udp.replies.refused" : "proxy.udp.drops", this, m -> m.drops(reason))
                    .tags(tags).tag("reason", ProxyProtocolHandlerMetrics.tagValue(reason))
                    .description(reply ? "Replies refused by the UDP proxy codecs, never sent"
                            : "Datagrams dropped by the UDP proxy codecs, never passed on")
                    .baseUnit("datagrams")
                    .register(registry);
        }
        FunctionCounter.builder("proxy.udp.flow.evictions", this, m -> m.evictions())
                .tags(tags)
                .description("Flows removed to stay within the configured maximum")
                .baseUnit("flows")
                .register(registry);
        FunctionCounter.builder("proxy.udp.flow.expirations", this, m -> m.expirations())
                .tags(tags)
                .description("Flows removed after their idle timeout")
                .baseUnit("flows")
                .register(registry);
    }

    @Override
    public String toString() {
        return "UdpProxyCodecMetrics" + tags;
    }
}
