package io.github.proxycodec.hardening;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The corpus stays at least 80 cases, each with its own name (a copied case would hide a rule). */
class CorpusSizeTest {

    @Test
    void atLeast80UniquelyNamedCasesAcrossV1V2SppAndUdpV2() {
        Set<String> names = new HashSet<>();
        int v1 = 0;
        int v2 = 0;
        int spp = 0;
        int udpV2 = 0;
        for (TcpCorpus.Case c : TcpCorpus.cases()) {
            assertTrue(names.add(c.name()), "duplicate name " + c.name());
            v1 += c.name().startsWith("v1_") ? 1 : 0;
            v2 += c.name().startsWith("v2_") ? 1 : 0;
        }
        for (UdpCorpus.Case c : UdpCorpus.cases()) {
            assertTrue(names.add(c.name()), "duplicate name " + c.name());
            spp += c.name().startsWith("spp_") ? 1 : 0;
            udpV2 += c.name().startsWith("ppv2_") ? 1 : 0;
        }
        assertTrue(names.size() >= 80, names.size() + " cases");
        assertTrue(v1 >= 20 && v2 >= 20 && spp >= 10 && udpV2 >= 20,
                "every family is covered: v1 " + v1 + ", v2 " + v2 + ", spp " + spp + ", udp v2 " + udpV2);
        System.out.printf("malformed-input corpus: %d cases (v1 %d, v2 %d, tcp connection %d, spp %d, udp v2 %d)%n",
                names.size(), v1, v2, TcpCorpus.cases().size() - v1 - v2, spp, udpV2);
    }
}
