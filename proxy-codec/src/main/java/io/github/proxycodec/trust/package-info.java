/**
 * Trust lists that change while a server runs, kept apart from the handler's package because
 * they read files and the network, which the handler never does.
 *
 * <pre>
 *  TrustFile (a file, polled) ──┐
 *                               ├──► ReloadableTrust ──► ProxyProtocolConfig / UdpProxyConfig .trustSource(...)
 *  CloudflareRefresher (HTTP) ──┘        (replace() swaps the whole list; readers take no lock)
 * </pre>
 *
 * <ul>
 * <li>{@link io.github.proxycodec.trust.TrustFile}: one CIDR per line, {@code #} comments, the
 *     word {@code cloudflare}; a bad, empty or unreadable file keeps the last good list.</li>
 * <li>{@link io.github.proxycodec.trust.CloudflareRefresher} and
 *     {@link io.github.proxycodec.trust.CloudflareRanges}: Cloudflare's published ranges, from
 *     its IPs API or plain lists, never shrunk to nothing by a bad answer.</li>
 * <li>{@link io.github.proxycodec.trust.TrustUpdate}: the outcome of each reload, for the
 *     application to log.</li>
 * </ul>
 */
package io.github.proxycodec.trust;
