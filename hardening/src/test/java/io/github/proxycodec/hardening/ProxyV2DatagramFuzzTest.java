package io.github.proxycodec.hardening;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Arrays;

/**
 * Fuzz target: {@code ProxyV2DatagramCodec} in either mode (the first byte's low bit picks
 * PER_DATAGRAM or FIRST_DATAGRAM), played a script of datagrams, replies and idle gaps
 * ({@link DatagramScript}). Each datagram is passed on with its header's client and exactly its
 * payload, absorbed (a header-only first datagram), or dropped and counted once; a headerless
 * datagram is only ever attributed to the client whose header opened its edge port's flow;
 * replies leave unchanged toward the client's edge or are refused with a reason; every buffer
 * is released.
 */
class ProxyV2DatagramFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void proxyV2Datagrams(byte[] data) {
        if (data.length == 0) {
            return;
        }
        UdpCorpus.Codec mode = (data[0] & 1) == 0 ? UdpCorpus.Codec.PER_DATAGRAM : UdpCorpus.Codec.FIRST_DATAGRAM;
        new DatagramScript(mode).play(Arrays.copyOfRange(data, 1, data.length));
    }
}
