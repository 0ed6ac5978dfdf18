/**
 * Real client addresses for Netty UDP servers behind Cloudflare Spectrum, dnsdist, HAProxy and
 * other proxies that speak Cloudflare's Simple Proxy Protocol (SPP) or PROXY protocol v2 over UDP.
 *
 * <p>Add one codec per {@code DatagramChannel}, in front of the application:
 * <ul>
 * <li>{@link io.github.proxycodec.udp.SppCodec}: Spectrum's "Simple Proxy Protocol" setting;
 *     a 38-byte header on every datagram, echoed on every reply.</li>
 * <li>{@link io.github.proxycodec.udp.ProxyV2DatagramCodec} in
 *     {@link io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode#FIRST_DATAGRAM FIRST_DATAGRAM}
 *     mode: Spectrum's "Proxy Protocol v2" setting on a UDP application.</li>
 * <li>{@link io.github.proxycodec.udp.ProxyV2DatagramCodec} in
 *     {@link io.github.proxycodec.udp.ProxyV2DatagramCodec.Mode#PER_DATAGRAM PER_DATAGRAM}
 *     mode: dnsdist {@code useProxyProtocol}, HAProxy and PowerDNS.</li>
 * </ul>
 * The application then sees each datagram as a {@link io.github.proxycodec.udp.ProxiedDatagram}
 * from the real client and replies to {@code packet.sender()} as usual; the codec routes the
 * reply back through the proxy. Per-client state lives in a bounded, expiring flow table per
 * channel; settings are in {@link io.github.proxycodec.udp.UdpProxyConfig}; refusals are
 * counted per {@link io.github.proxycodec.udp.UdpDropReason} and reported as
 * {@link io.github.proxycodec.udp.UdpProxyEvent}s, never logged.
 */
package io.github.proxycodec.udp;
