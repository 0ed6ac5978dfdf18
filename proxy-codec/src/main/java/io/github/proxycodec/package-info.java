/**
 * Real client addresses for Netty TCP servers behind Cloudflare Spectrum, HAProxy, nginx, cloud
 * load balancers and any other proxy that speaks the PROXY protocol (v1 or v2).
 *
 * <p>Put a {@link io.github.proxycodec.ProxyProtocolHandler} first in the pipeline of every
 * accepted connection; it strips and strictly decodes the header, checks that the peer is a
 * trusted proxy, then removes itself, so every handler after it sees only the client's bytes:
 *
 * <pre>
 *  proxy ──► [ProxyProtocolHandler] ──► [TLS, HTTP, your codecs] ──► [your handler]
 *              │ trust list, timeout,     ProxyProtocol.clientAddress(channel)
 *              │ strict v1/v2 parse       ProxyProtocolEvent (userEventTriggered)
 * </pre>
 *
 * <pre>{@code
 * ProxyProtocolConfig config = ProxyProtocolConfig.defaults();   // Cloudflare's ranges trusted
 * ch.pipeline().addLast(new ProxyProtocolHandler(config), new MyHandler());
 * }</pre>
 *
 * <ul>
 * <li>{@link io.github.proxycodec.ProxyProtocolConfig}: the settings (trust, policies,
 *     timeout, caps), one immutable instance for the whole server.</li>
 * <li>{@link io.github.proxycodec.TrustedProxies}: the peers allowed to send a header.</li>
 * <li>{@link io.github.proxycodec.ProxyHeader}, {@link io.github.proxycodec.ProxyTlv},
 *     {@link io.github.proxycodec.ProxySslInfo}: the decoded header, an immutable value.</li>
 * <li>{@link io.github.proxycodec.ProxyProtocolException.Reason}: why a connection was
 *     refused; refusals are events, never log lines.</li>
 * <li>{@link io.github.proxycodec.ProxyHeaderEncoder}: writes headers, for proxies, clients
 *     and tests.</li>
 * </ul>
 */
package io.github.proxycodec;
