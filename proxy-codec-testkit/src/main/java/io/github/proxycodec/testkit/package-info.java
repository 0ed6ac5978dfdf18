/**
 * Test helpers for applications behind proxy-codec, for any test framework (failures are
 * {@link java.lang.AssertionError}s): {@link io.github.proxycodec.testkit.ProxiedChannel}, a TCP
 * connection from a trusted proxy with a real header written through the real handler;
 * {@link io.github.proxycodec.testkit.TestHeaders}, headers and TLVs as bytes;
 * {@link io.github.proxycodec.testkit.SppEdge} and {@link io.github.proxycodec.testkit.ProxyV2Edge},
 * UDP edges that deliver datagrams from a client and check each reply as the edge would.
 */
package io.github.proxycodec.testkit;
