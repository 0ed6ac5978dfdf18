/**
 * Micrometer meters for proxy-codec: counts from the TCP handler and the UDP codecs, published
 * to any {@code MeterRegistry}.
 *
 * <pre>
 *  ProxyProtocolConfig.metrics(m) ──► every ProxyProtocolHandler calls m ──► m.bindTo(registry)
 *  UdpProxyCodecMetrics.add(codec) ──► reads the codec's own counters  ──► bindTo(registry)
 * </pre>
 *
 * <ul>
 * <li>{@link io.github.proxycodec.micrometer.ProxyProtocolHandlerMetrics}: headers accepted by
 *     version and command, refusals by reason, timeouts, connections waiting for a header.</li>
 * <li>{@link io.github.proxycodec.micrometer.UdpProxyCodecMetrics}: live flows, drops and
 *     refused replies by reason, evictions and expirations, summed over the codecs added.</li>
 * </ul>
 * Meter names and tags: docs/metrics.md.
 */
package io.github.proxycodec.micrometer;
