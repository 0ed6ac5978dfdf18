package io.github.proxycodec.hardening;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzz target: {@code SppCodec} with a three-flow table, played a script of datagrams from
 * trusted and untrusted senders, replies and idle gaps ({@link DatagramScript}). Each datagram
 * is passed on with exactly its payload and its header's client, or dropped and counted once;
 * each reply leaves with its own client's latest 38 bytes to that client's edge, or is refused
 * with a reason; the table never exceeds its bound; every buffer is released.
 */
class SppFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void spp(byte[] data) {
        new DatagramScript(UdpCorpus.Codec.SPP).play(data);
    }
}
