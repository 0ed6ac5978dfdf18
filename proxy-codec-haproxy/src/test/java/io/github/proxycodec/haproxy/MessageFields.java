package io.github.proxycodec.haproxy;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxySSLTLV;
import io.netty.handler.codec.haproxy.HAProxyTLV;

import java.util.ArrayList;
import java.util.List;

/**
 * Every field of an {@link HAProxyMessage} a handler can read, copied out so that the message
 * can be released: the two messages of a cross-check are compared through this.
 */
record MessageFields(String version, String command, String protocol, String source, String destination,
                     int sourcePort, int destinationPort, List<String> tlvs) {

    static MessageFields of(HAProxyMessage m) {
        List<String> tlvs = new ArrayList<>();
        for (HAProxyTLV t : m.tlvs()) {
            tlvs.add(describe(t));
        }
        return new MessageFields(m.protocolVersion().name(), m.command().name(), m.proxiedProtocol().name(),
                m.sourceAddress(), m.destinationAddress(), m.sourcePort(), m.destinationPort(), tlvs);
    }

    /**
     * Type, class and content of a TLV; for an SSL TLV its client flags, verify result and
     * sub-TLVs instead of its raw content, which the bridge cannot set (HAProxyMessages' Javadoc).
     */
    static String describe(HAProxyTLV t) {
        String head = String.format("0x%02X %s %s", t.typeByteValue() & 0xFF, t.type(), t.getClass().getSimpleName());
        if (t instanceof HAProxySSLTLV) {
            HAProxySSLTLV ssl = (HAProxySSLTLV) t;
            List<String> subs = new ArrayList<>();
            for (HAProxyTLV sub : ssl.encapsulatedTLVs()) {
                subs.add(describe(sub));
            }
            return head + String.format(" client=0x%02X verify=%d ", ssl.client() & 0xFF, ssl.verify()) + subs;
        }
        return head + " " + ByteBufUtil.hexDump(t.content());
    }
}
