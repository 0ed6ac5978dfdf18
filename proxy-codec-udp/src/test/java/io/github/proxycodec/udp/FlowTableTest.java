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

    /** A flow holding a number. */
    static final class N extends FlowTable.Node<N> {
        final int value;

        N(InetSocketAddress key, int value) {
            super(key);
            this.value = value;
        }
    }

    private final MockTicker clock = Ticker.newMockTicker();
    private final List<String> removed = new ArrayList<>();
    private final FlowTable<N> table = new FlowTable<>(3, TimeUnit.SECONDS.toNanos(10), clock::nanoTime,
            (n, expired) -> removed.add((expired ? "expired " : "evicted ") + n.key.getPort() + "=" + n.value));

    private Integer put(InetSocketAddress key, int value) {
        N old = table.put(new N(key, value));
        return old == null ? null : old.value;
    }

    private Integer get(InetSocketAddress key) {
        N n = table.get(key);
        return n == null ? null : n.value;
    }

    @Test
    void neverHoldsMoreThanItsBoundAndEvictsTheLeastRecentlyUsed() {
        put(A, 1);
        put(B, 2);
        put(C, 3);
        assertEquals(1, get(A)); // A is now the most recently used
        put(D, 4);
        assertEquals(3, table.size());
        assertNull(get(B));
        assertEquals(List.of("evicted 2=2"), removed);
        assertEquals(1, table.evictions());
        for (int i = 0; i < 10_000; i++) {
            put(addr("10.0." + (i >> 8) + "." + (i & 255), 5), i);
        }
        assertEquals(3, table.size());
        assertEquals(10_001, table.evictions());
    }

    /** A table of 16 nodes (probation's reserve: 2) that reports evictions by value. */
    private FlowTable<N> sixteen() {
        return new FlowTable<>(16, TimeUnit.SECONDS.toNanos(10), clock::nanoTime,
                (n, expired) -> removed.add("evicted " + n.value));
    }

    @Test
    void promotedNodesAreEvictedOnlyAfterEveryNodeOnProbation() {
        FlowTable<N> t = sixteen();
        for (int i = 0; i < 5; i++) {
            N n = new N(addr("192.0.2." + (i + 1), 7), i);
            t.put(n);
            t.promote(t.get(n.key)); // its second datagram
            assertTrue(t.isProtected(n));
        }
        for (int i = 0; i < 10_000; i++) {
            t.put(new N(addr("10.0." + (i >> 8) + "." + (i & 255), 5), 100 + i));
        }
        assertTrue(removed.stream().noneMatch(r -> r.matches("evicted [0-4]")), "a promoted node was evicted");
        assertEquals(10_000 + 5 - 16, removed.size());
        assertEquals(16, t.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(i, t.get(addr("192.0.2." + (i + 1), 7)).value);
        }
    }

    @Test
    void protectedNodesMakeRoomOnlyWhileProbationIsShortOfItsReserve() {
        FlowTable<N> t = sixteen();
        for (int i = 0; i < 20; i++) {
            N n = new N(addr("192.0.2." + (i + 1), 7), i);
            t.put(n);
            t.promote(n);
        }
        assertEquals(16, t.size()); // probation empty: the four least recently used protected nodes went
        assertEquals(List.of("evicted 0", "evicted 1", "evicted 2", "evicted 3"), removed);
    }

    @Test
    void entriesExpireAfterTheIdleTimeout() {
        put(A, 1);
        clock.advance(9, TimeUnit.SECONDS);
        put(B, 2);
        assertEquals(1, get(A)); // used at 9 s: lives until 19 s
        clock.advance(9, TimeUnit.SECONDS);
        assertEquals(1, get(A));
        clock.advance(10, TimeUnit.SECONDS);
        assertNull(get(A));
        assertNull(get(B));
        assertEquals(0, table.size());
        assertEquals(2, table.expirations());
        assertEquals(0, table.evictions());
        assertEquals(List.of("expired 2=2", "expired 1=1"), removed);
    }

    @Test
    void putReplacesTheValueAndRefreshes() {
        put(A, 1);
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(1, put(A, 2));
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(2, get(A));
        assertEquals(1, table.size());
    }

    @Test
    void removeIsSilent() {
        put(A, 1);
        assertEquals(1, table.remove(A).value);
        assertNull(table.remove(A));
        assertEquals(0, table.size());
        assertEquals(List.of(), removed);
    }

    @Test
    void unresolvedAddressesAreNeverFound() {
        assertNull(get(InetSocketAddress.createUnresolved("example.com", 1)));
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
    @Test
    void aLookupMakesANodeTheMostRecentlyUsed() {
        table.put(new N(A, 1));
        table.put(new N(B, 2));
        assertEquals(1, get(A)); // A becomes the most recently used: B goes first
        table.put(new N(C, 3));
        table.put(new N(D, 4));
        assertNull(get(B));
        assertEquals(1, get(A));
    }

    @Test
    void theRememberedNodeIsForgottenWhenRemoved() {
        table.put(new N(A, 1));
        assertEquals(1, get(A)); // A is now the remembered node
        table.remove(A);
        assertNull(get(A), "same key instance, but removed");
        table.put(new N(A, 2));
        clock.advance(10, TimeUnit.SECONDS);
        assertNull(get(A), "expired, though remembered");
    }

    @Test
    void behavesLikeAnAccessOrderedMapUnderRandomOperations() {
        // A reference model (LinkedHashMap in access order) against the table, with evictions,
        // expiry, removals, replacements, resizes and bucket chains, in a fixed random order.
        java.util.Random random = new java.util.Random(7);
        int max = 100;
        long idle = TimeUnit.SECONDS.toNanos(100);
        List<InetSocketAddress> keys = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            keys.add(i % 3 == 0 ? addr("2001:db8::" + Integer.toHexString(i + 1), 7) : addr("10.1." + (i >> 8) + "." + (i & 255), i));
        }
        java.util.LinkedHashMap<InetSocketAddress, long[]> model = new java.util.LinkedHashMap<>(16, 0.75f, true);
        List<String> gone = new ArrayList<>();
        FlowTable<N> t = new FlowTable<>(max, idle, clock::nanoTime,
                (n, expired) -> gone.add((expired ? "x" : "e") + n.key + "=" + n.value), 99);
        for (int step = 0; step < 50_000; step++) {
            clock.advance(random.nextInt(1000), TimeUnit.MILLISECONDS);
            long now = clock.nanoTime();
            InetSocketAddress k = keys.get(random.nextInt(keys.size()));
            int op = random.nextInt(10);
            List<String> expected = new ArrayList<>();
            // Model expiry, on lookups and inserts (not removals): from the least recently used while idle.
            for (var it = model.entrySet().iterator(); op < 9 && it.hasNext(); ) {
                var e = it.next();
                if (now - e.getValue()[1] < idle) {
                    break;
                }
                expected.add("x" + e.getKey() + "=" + e.getValue()[0]);
                it.remove();
            }
            gone.clear();
            if (op < 5) {
                N n = t.get(k);
                long[] m = model.get(k);
                assertEquals(m == null ? null : (int) m[0], n == null ? null : n.value, "get " + k + " at " + step);
                if (m != null) {
                    m[1] = now;
                }
            } else if (op < 9) {
                int v = step;
                N old = t.put(new N(k, v));
                long[] m = model.remove(k);
                assertEquals(m == null ? null : (int) m[0], old == null ? null : old.value, "put " + k);
                model.put(k, new long[] {v, now});
                if (model.size() > max) {
                    var eldest = model.entrySet().iterator().next();
                    expected.add("e" + eldest.getKey() + "=" + eldest.getValue()[0]);
                    model.remove(eldest.getKey());
                }
            } else {
                N n = t.remove(k);
                long[] m = model.remove(k);
                assertEquals(m == null ? null : (int) m[0], n == null ? null : n.value, "remove " + k);
            }
            assertEquals(expected, gone, "removals at step " + step);
            assertEquals(model.size(), t.size(), "size at step " + step);
        }
        assertTrue(t.evictions() > 0 && t.expirations() > 0, "both removal paths ran: "
                + t.evictions() + " evictions, " + t.expirations() + " expirations");
    }
}
