package io.github.proxycodec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per rule of the trusted-proxy list. */
class TrustedProxiesTest {

    private static InetSocketAddress at(String ip) {
        return new InetSocketAddress(ip, 443);
    }

    @Test
    void cloudflarePresetHoldsEveryPublishedRangeAndNothingElse() {
        TrustedProxies cf = TrustedProxies.cloudflare();
        assertEquals(22, cf.cidrs().size(), "15 IPv4 and 7 IPv6 ranges as published");
        assertTrue(cf.contains(at("173.245.48.1")));
        assertTrue(cf.contains(at("104.23.255.255")), "last address of 104.16.0.0/13");
        assertTrue(cf.contains(at("104.27.255.255")), "last address of 104.24.0.0/14");
        assertFalse(cf.contains(at("104.28.0.0")), "first address after both");
        assertTrue(cf.contains(at("2a06:98c7:ffff::1")), "inside 2a06:98c0::/29");
        assertFalse(cf.contains(at("2a06:98c8::1")));
        assertFalse(cf.contains(at("127.0.0.1")));
    }

    @Test
    void prefixesMatchExactlyTheirRange() {
        TrustedProxies t = TrustedProxies.of("10.1.2.0/24", "2001:db8::1");
        assertTrue(t.contains(at("10.1.2.255")));
        assertFalse(t.contains(at("10.1.3.0")));
        assertTrue(t.contains(at("2001:db8::1")), "a bare address is one host");
        assertFalse(t.contains(at("2001:db8::2")));
    }

    @Test
    void namesAndBadPrefixesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("localhost"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("10.0.0.0/33"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("::/129"));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.of("10.0.0.0/x"));
    }

    @Test
    void onlyResolvedIpSocketAddressesAreTrusted() {
        TrustedProxies t = TrustedProxies.of("0.0.0.0/0");
        assertFalse(t.contains(InetSocketAddress.createUnresolved("10.0.0.1", 1)));
        assertFalse(t.contains(new io.netty.channel.local.LocalAddress("x")));
        assertTrue(TrustedProxies.any().contains(new io.netty.channel.local.LocalAddress("x")));
    }

    @Test
    void plusJoinsListsAndAnyAbsorbsThem() {
        TrustedProxies both = TrustedProxies.of("10.0.0.0/8").plus(TrustedProxies.of("192.0.2.0/24"));
        assertTrue(both.contains(at("10.9.9.9")));
        assertTrue(both.contains(at("192.0.2.9")));
        assertFalse(both.contains(at("198.51.100.1")));
        assertSame(TrustedProxies.any(), both.plus(TrustedProxies.any()));
    }

    @Test
    void fileListsIgnoreCommentsAndBlankLines(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("proxies.txt");
        Files.writeString(f, "# our load balancers\n\n10.0.0.0/8   # rack A\n  2001:db8::/32\n");
        TrustedProxies t = TrustedProxies.fromFile(f);
        assertEquals(2, t.cidrs().size());
        assertTrue(t.contains(at("10.1.1.1")));
        assertTrue(t.contains(at("2001:db8::5")));
    }

    @Test
    void writtenListsExpandTheCloudflareWord() {
        TrustedProxies t = TrustedProxies.parse("cloudflare, 10.0.0.0/8");
        assertTrue(t.contains(at("173.245.48.7")));
        assertTrue(t.contains(at("10.1.2.3")));
        assertFalse(t.contains(at("192.0.2.1")));
        assertSame(TrustedProxies.any(), TrustedProxies.parse(" any "));
    }

    @Test
    void anyMustStandAloneSoThatTrustIsNeverWidenedSilently(@TempDir Path dir) throws IOException {
        for (String list : new String[] {"any,10.0.0.0/8", "10.0.0.0/8,any", "cloudflare,ANY", "any,any"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(list));
            assertTrue(e.getMessage().contains("'any' must stand alone"), e.getMessage());
        }
        Path f = dir.resolve("proxies.txt");
        Files.writeString(f, "10.0.0.0/8\nany\n");
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.fromFile(f));
    }

    @Test
    void emptyEntriesInWrittenListsAreRefused() {
        for (String list : new String[] {"", " , ", "10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8,,::1"}) {
            assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(list), list);
        }
    }
}
