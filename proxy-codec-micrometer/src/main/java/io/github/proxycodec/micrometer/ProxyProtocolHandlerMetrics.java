package io.github.proxycodec.micrometer;

import io.github.proxycodec.ProxyHeader;
import io.github.proxycodec.ProxyProtocolConfig;
import io.github.proxycodec.ProxyProtocolException.Reason;
import io.github.proxycodec.ProxyProtocolHandler;
import io.github.proxycodec.ProxyProtocolMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Micrometer meters for every {@link ProxyProtocolHandler} of a {@link ProxyProtocolConfig}:
 * the counting hook the configuration calls, and the binder that publishes its counts.
 *
 * <pre>{@code
 * ProxyProtocolHandlerMetrics metrics = new ProxyProtocolHandlerMetrics();
 * ProxyProtocolConfig config = ProxyProtocolConfig.builder().metrics(metrics).build();
 * metrics.bindTo(registry);          // any number of registries, before or after traffic
 * // ... ch.pipeline().addLast(new ProxyProtocolHandler(config)) for each connection
 * }</pre>
 *
 * <table border="1">
 * <caption>Meters</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>counts</th></tr>
 * <tr><td>{@code proxy.protocol.headers}</td><td>counter</td><td>{@code version} (v1, v2),
 *     {@code command} (proxy, local)</td><td>headers accepted</td></tr>
 * <tr><td>{@code proxy.protocol.headers.absent}</td><td>counter</td><td></td>
 *     <td>connections served without a header (OPTIONAL policy, untrusted served directly)</td></tr>
 * <tr><td>{@code proxy.protocol.refusals}</td><td>counter</td><td>{@code reason} (the
 *     {@link Reason} in lower case)</td><td>connections refused and closed</td></tr>
 * <tr><td>{@code proxy.protocol.timeouts}</td><td>counter</td><td></td>
 *     <td>connections whose header did not complete in time (also refusals with reason timeout)</td></tr>
 * <tr><td>{@code proxy.protocol.pending}</td><td>gauge</td><td></td>
 *     <td>connections waiting for their header now</td></tr>
 * </table>
 *
 * <p>Counting is a {@link LongAdder} increment on the connection's event loop; the meters read
 * the sums when a registry publishes. Counts start when this object is created, so one
 * instance belongs with one configuration for the server's life.
 */
public final class ProxyProtocolHandlerMetrics implements ProxyProtocolMetrics, MeterBinder {

    private static final ProxyHeader.Version[] VERSIONS = ProxyHeader.Version.values();
    private static final ProxyHeader.Command[] COMMANDS = ProxyHeader.Command.values();
    private static final Reason[] REASONS = Reason.values();

    private final Iterable<Tag> tags;
    /** Accepted headers, indexed by version ordinal * commands + command ordinal. */
    private final LongAdder[] accepted = adders(VERSIONS.length * COMMANDS.length);
    private final LongAdder[] refused = adders(REASONS.length);
    private final LongAdder absent = new LongAdder();
    private final LongAdder pending = new LongAdder();

    /** Creates the metrics with no tags of their own. */
    public ProxyProtocolHandlerMetrics() {
        this(Tags.empty());
    }

    /** Creates the metrics with {@code tags} added to every meter (e.g. the listener's name). */
    public ProxyProtocolHandlerMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(tags);
    }

    private static LongAdder[] adders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    @Override
    public void waitingStarted() {
        pending.increment();
    }

    @Override
    public void waitingEnded() {
        pending.decrement();
    }

    @Override
    public void headerAccepted(ProxyHeader header) {
        accepted[header.version().ordinal() * COMMANDS.length + header.command().ordinal()].increment();
    }

    @Override
    public void headerAbsent() {
        absent.increment();
    }

    @Override
    public void refused(Reason reason) {
        refused[reason.ordinal()].increment();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (ProxyHeader.Version version : VERSIONS) {
            for (ProxyHeader.Command command : COMMANDS) {
                LongAdder count = accepted[version.ordinal() * COMMANDS.length + command.ordinal()];
                FunctionCounter.builder("proxy.protocol.headers", count, LongAdder::sum)
                        .tags(tags).tag("version", tagValue(version)).tag("command", tagValue(command))
                        .description("PROXY protocol headers accepted")
                        .baseUnit("headers")
                        .register(registry);
            }
        }
        for (Reason reason : REASONS) {
            FunctionCounter.builder("proxy.protocol.refusals", refused[reason.ordinal()], LongAdder::sum)
                    .tags(tags).tag("reason", tagValue(reason))
                    .description("Connections refused and closed by the PROXY protocol handler")
                    .baseUnit(BaseUnits.CONNECTIONS)
                    .register(registry);
        }
        FunctionCounter.builder("proxy.protocol.timeouts", refused[Reason.TIMEOUT.ordinal()], LongAdder::sum)
                .tags(tags)
                .description("Connections closed because their PROXY header did not complete in time")
                .baseUnit(BaseUnits.CONNECTIONS)
                .register(registry);
        FunctionCounter.builder("proxy.protocol.headers.absent", absent, LongAdder::sum)
                .tags(tags)
                .description("Connections served without a PROXY header (optional header absent, or served directly)")
                .baseUnit(BaseUnits.CONNECTIONS)
                .register(registry);
        Gauge.builder("proxy.protocol.pending", pending, LongAdder::sum)
                .tags(tags)
                .description("Connections from trusted proxies waiting for their PROXY header")
                .baseUnit(BaseUnits.CONNECTIONS)
                .strongReference(true)
                .register(registry);
    }

    /** Returns an enum constant as a tag value: its name in lower case ({@code v1}, {@code untrusted_source}). */
    static String tagValue(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "ProxyProtocolHandlerMetrics" + tags;
    }
}
