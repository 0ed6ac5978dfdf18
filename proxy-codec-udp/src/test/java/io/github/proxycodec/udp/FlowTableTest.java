package io.github.proxycodec.udp;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.github.proxycodec.udp.Udp.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FlowTableTest {

    private static final InetSocketAddress A = addr("192.0.2.1", 1);
    private static final InetSocketAddress B = addr("192.0.2.2", 2);
    private static final InetSocketAddress C = addr("2001:db8::3", 3);
    private static final InetSocketAddress D = addr("192.0.2.4", 4);

    private final MockTicker clock = Ticker.newMockTicker();
    private final List<String> removed = new ArrayList<>();
    private final FlowTable<Integer> table = new FlowTable<>(3, TimeUnit.SECONDS.toNanos(10), clock,
            (k, v, expired) -> removed.add((expired ? "expired " : "evicted ") + k.getPort() + "=" + v));

    @Test
    void neverHoldsMoreThanItsBoundAndEvictsTheLeastRecentlyUsed() {
        table.put(A, 1);
        table.put(B, 2);
        table.put(C, 3);
        assertEquals(1, table.get(A)); // A is now the most recently used
        table.put(D, 4);
        assertEquals(3, table.size());
        assertNull(table.get(B));
        assertEquals(List.of("evicted 2=2"), removed);
        assertEquals(1, table.evictions());
        for (int i = 0; i < 10_000; i++) {
            table.put(addr("10.0." + (i >> 8) + "." + (i & 255), 5), i);
        }
        assertEquals(3, table.size());
        assertEquals(10_001, table.evictions());
    }

    @Test
    void entriesExpireAfterTheIdleTimeout() {
        table.put(A, 1);
        clock.advance(9, TimeUnit.SECONDS);
        table.put(B, 2);
        assertEquals(1, table.get(A)); // used at 9 s: lives until 19 s
        clock.advance(9, TimeUnit.SECONDS);
        assertEquals(1, table.get(A));
        clock.advance(10, TimeUnit.SECONDS);
        assertNull(table.get(A));
        assertNull(table.get(B));
        assertEquals(0, table.size());
        assertEquals(2, table.expirations());
        assertEquals(0, table.evictions());
        assertEquals(List.of("expired 2=2", "expired 1=1"), removed);
    }

    @Test
    void putReplacesTheValueAndRefreshes() {
        table.put(A, 1);
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(1, table.put(A, 2));
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(2, table.get(A));
        assertEquals(1, table.size());
    }

    @Test
    void removeIsSilent() {
        table.put(A, 1);
        assertEquals(1, table.remove(A));
        assertNull(table.remove(A));
        assertEquals(0, table.size());
        assertEquals(List.of(), removed);
    }

    @Test
    void unresolvedAddressesAreNeverFound() {
        assertNull(table.get(InetSocketAddress.createUnresolved("example.com", 1)));
    }

    @Test
    void addressesChosenToCollideInHashCodeDoNotCollideInTheTable() {
        // InetSocketAddress.hashCode() is address + port for IPv4: (a + k, p - k) all collide.
        Set<Integer> javaHashes = new HashSet<>();
        Set<Integer> tableHashes = new HashSet<>();
        long seed = 0x5DEECE66DL;
        for (int k = 0; k < 1000; k++) {
            InetSocketAddress a = addr("10.0." + (k >> 8) + "." + (k & 255), 40000 - k);
            javaHashes.add(a.hashCode());
            tableHashes.add(FlowTable.seededHash(a, seed));
        }
        assertEquals(1, javaHashes.size(), "the attack works on plain hashCode()");
        assertTrue(tableHashes.size() > 990, "seeded hashes spread: " + tableHashes.size());
        assertTrue(FlowTable.seededHash(A, 1) != FlowTable.seededHash(A, 2), "the seed changes the hash");
    }
}
