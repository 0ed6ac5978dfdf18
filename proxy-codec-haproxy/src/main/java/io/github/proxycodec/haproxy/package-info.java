/**
 * Netty {@code HAProxyMessage} compatibility: {@link io.github.proxycodec.haproxy.HAProxyMessageBridge}
 * passes on the message Netty's {@code HAProxyMessageDecoder} would have produced, once
 * {@link io.github.proxycodec.ProxyProtocolHandler} has accepted a header, so that code written
 * for Netty's decoder (game proxies, reactor-netty) runs behind this library's trust list,
 * timeout and strict parsing.
 */
package io.github.proxycodec.haproxy;
