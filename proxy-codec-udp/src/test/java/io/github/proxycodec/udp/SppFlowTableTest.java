package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.github.proxycodec.udp.Udp.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SppFlowTableTest {

    private static final InetSocketAddress PROXY = addr("198.51.100.1", 53);
    private static final InetSocketAddress EDGE = addr("127.0.0.1", 40000);
    private static final InetSocketAddress EDGE2 = addr("127.0.0.2", 40000);
    private static final InetSocketAddress EDGE6 = addr("::1", 40000);
    private static final long IDLE = TimeUnit.SECONDS.toNanos(10);

    private final MockTicker clock = Ticker.newMockTicker();
    private final List<String> removed = new ArrayList<>();

    private SppFlowTable table(int max, long seed) {
        return new SppFlowTable(max, IDLE, clock::nanoTime,
                (client, edge, expired) -> removed.add((expired ? "expired " : "evicted ") + client + " via " + edge),
                seed);
    }

    /** A header as the five words a datagram's header is read as. */
    private static SppWords words(InetSocketAddress client, InetSocketAddress proxy) {
        ByteBuf b = Unpooled.buffer(SppHeader.LENGTH);
        try {
            SppHeader.of(client, proxy).writeTo(b);
            return new SppWords().read(b, 0);
        } finally {
            b.release();
        }
    }

    private static int put(SppFlowTable t, InetSocketAddress client, InetSocketAddress proxy, InetSocketAddress edge,
                           long now) {
        return t.put(words(client, proxy), edge, now);
    }

    private static int hash(SppFlowTable t, SppWords w) {
        return t.hash(w);
    }

    /** The decoder's lookup: the exact header through this edge. */
    private static int find(SppFlowTable t, InetSocketAddress client, InetSocketAddress proxy, InetSocketAddress edge) {
        return t.find(words(client, proxy), edge, t.edgeKey(edge));
    }

    @Test
    void aClientsFlowIsFoundByItsHeaderAndEdgeOrByItsAddress() {
        SppFlowTable t = table(10, 1);
        InetSocketAddress a = addr("192.0.2.1", 1000);
        InetSocketAddress b = addr("2001:db8::2", 2000);
        put(t, a, PROXY, EDGE, t.now());
        put(t, b, PROXY, EDGE6, t.now());
        assertEquals(2, t.size());
        int sa = find(t, a, PROXY, EDGE);
        int sb = find(t, b, PROXY, EDGE6);
        assertNotEquals(SppFlowTable.NONE, sa);
        assertNotEquals(SppFlowTable.NONE, sb);
        assertEquals(SppHeader.of(a, PROXY), t.header(sa));
        assertEquals(SppHeader.of(b, PROXY), t.header(sb));
        assertEquals(EDGE6, t.edge(sb));
        assertEquals(sa, t.find(a));
        assertEquals(sb, t.find(b));
        // Another edge, another proxy port, another client port or address: not this flow.
        assertEquals(SppFlowTable.NONE, find(t, a, PROXY, EDGE2));
        assertEquals(SppFlowTable.NONE, find(t, b, PROXY, addr("::2", 40000)));
        assertEquals(SppFlowTable.NONE, find(t, a, addr("198.51.100.1", 54), EDGE));
        assertEquals(SppFlowTable.NONE, t.find(addr("192.0.2.1", 1001)));
        assertEquals(SppFlowTable.NONE, t.find(addr("192.0.2.2", 1000)));
        assertEquals(SppFlowTable.NONE, t.find(addr("2001:db8::3", 2000)));
        assertEquals(SppFlowTable.NONE, t.find(InetSocketAddress.createUnresolved("example.com", 1000)));
        // A new header for a known client replaces its flow, without a report.
        put(t, a, addr("198.51.100.1", 54), EDGE2, t.now());
        assertEquals(2, t.size());
        assertEquals(SppFlowTable.NONE, find(t, a, PROXY, EDGE));
        assertEquals(EDGE2, t.edge(t.find(a)));
        assertEquals(List.of(), removed);
    }

    @Test
    void aHeaderHashesAsItsClientAddressDoes() {
        SppFlowTable t = table(10, 42);
        for (InetSocketAddress client : new InetSocketAddress[] {addr("192.0.2.1", 1), addr("2001:db8::3", 3)}) {
            int h = hash(t, words(client, PROXY));
            assertEquals(FlowTable.seededHash(client, 42), h);
            assertNotEquals(h, hash(t, words(addr(client.getAddress().getHostAddress(), client.getPort() + 1), PROXY)));
            assertEquals(h, hash(t, words(client, addr("198.51.100.2", 54))), "only the client counts");
        }
    }

    @Test
    void twoEdgesWhoseDigestsCollideAreStillTwoEdges() {
        // Non-IPv4 edges are keyed by a 32-bit digest: find two with the same key under this
        // table's seed (about 77 000 tries for even odds), and check that the key alone does not
        // make them one edge.
        SppFlowTable t = table(10, 3);
        Map<Long, InetSocketAddress> seen = new java.util.HashMap<>();
        InetSocketAddress a = null;
        InetSocketAddress b = null;
        for (int i = 0; a == null; i++) {
            InetSocketAddress e = addr("2001:db8::" + Integer.toHexString(i >>> 16), 1 + (i & 0xFFFF) % 65535);
            InetSocketAddress earlier = seen.putIfAbsent(t.edgeKey(e), e);
            if (earlier != null && !earlier.equals(e)) {
                a = earlier;
                b = e;
            }
        }
        assertEquals(t.edgeKey(a), t.edgeKey(b));
        InetSocketAddress client = addr("192.0.2.9", 999);
        put(t, client, PROXY, a, t.now());
        assertNotEquals(SppFlowTable.NONE, find(t, client, PROXY, a));
        assertEquals(SppFlowTable.NONE, find(t, client, PROXY, b));
    }

    @Test
    void onlyHeadersStartingWithTheMagicNumberAreAdded() {
        SppFlowTable t = table(10, 1);
        SppWords notSpp = new SppWords();
        notSpp.b0 = 0x0D0A_0D0A_0000_0000L; // a PROXY v2 signature where the magic number belongs
        assertThrows(IllegalArgumentException.class, () -> t.put(notSpp, EDGE, 0));
        assertEquals(0, t.size());
    }

    @Test
    void theLeastRecentlyUsedIsEvictedAndIdleFlowsExpire() {
        SppFlowTable t = table(3, 7);
        InetSocketAddress a = addr("192.0.2.1", 1);
        InetSocketAddress b = addr("192.0.2.2", 2);
        InetSocketAddress c = addr("2001:db8::3", 3);
        InetSocketAddress d = addr("192.0.2.4", 4);
        put(t, a, PROXY, EDGE, t.now());
        put(t, b, PROXY, EDGE, t.now());
        put(t, c, PROXY, EDGE6, t.now());
        t.use(find(t, a, PROXY, EDGE), t.now(), null); // a's second datagram: a is protected
        assertTrue(t.isProtected(find(t, a, PROXY, EDGE)));
        put(t, d, PROXY, EDGE, t.now());
        assertEquals(List.of("evicted " + b + " via " + EDGE), removed);
        assertEquals(1, t.evictions());
        assertEquals(3, t.size());
        clock.advance(9, TimeUnit.SECONDS);
        t.use(t.find(c), t.now(), null);
        clock.advance(1, TimeUnit.SECONDS);
        t.now();
        // Probation is swept first, then the protected flows.
        assertEquals(List.of("evicted " + b + " via " + EDGE, "expired " + d + " via " + EDGE,
                "expired " + a + " via " + EDGE), removed);
        assertEquals(2, t.expirations());
        assertEquals(1, t.size());
        clock.advance(9, TimeUnit.SECONDS);
        t.now(); // c was last used 10 s ago
        assertEquals(SppFlowTable.NONE, t.find(c));
        assertEquals(0, t.size());
        assertEquals(3, t.expirations());
    }

    @Test
    void aFloodOfNewClientsEvictsOnlyFlowsOnProbation() {
        SppFlowTable t = table(64, 11);
        InetSocketAddress[] established = new InetSocketAddress[20];
        for (int i = 0; i < established.length; i++) {
            established[i] = addr("192.0.2." + (i + 1), 4000);
            put(t, established[i], PROXY, EDGE, t.now());
            t.use(find(t, established[i], PROXY, EDGE), t.now(), EDGE); // its second datagram
        }
        for (int i = 0; i < 10_000; i++) {
            InetSocketAddress spoofed = addr("10." + (i >> 16) + "." + (i >> 8 & 255) + "." + (i & 255), 9);
            int slot = put(t, spoofed, PROXY, EDGE, t.now());
            t.touch(slot, t.now(), EDGE); // answered, which does not promote it
        }
        assertEquals(64, t.size());
        for (InetSocketAddress client : established) {
            assertNotEquals(SppFlowTable.NONE, t.find(client), client + " was evicted by the flood");
        }
    }

    @Test
    void protectedFlowsMakeRoomOnlyWhileProbationIsShortOfItsReserve() {
        SppFlowTable t = table(16, 12); // probation's reserve: 2
        for (int i = 0; i < 20; i++) {
            InetSocketAddress c = addr("192.0.2." + (i + 1), 4000);
            put(t, c, PROXY, EDGE, t.now());
            t.use(find(t, c, PROXY, EDGE), t.now(), EDGE);
        }
        assertEquals(16, t.size()); // probation empty: the four least recently used protected flows went
        assertEquals(4, t.evictions());
        assertEquals(SppFlowTable.NONE, t.find(addr("192.0.2.4", 4000)));
        assertNotEquals(SppFlowTable.NONE, t.find(addr("192.0.2.5", 4000)));
        for (int i = 0; i < 100; i++) { // a flood: once probation holds its reserve, it alone is evicted
            put(t, addr("10.0.0." + i, 9), PROXY, EDGE, t.now());
        }
        assertEquals(104, t.evictions(), "two protected flows made room, then probation alone");
        assertEquals(16, t.size());
        assertNotEquals(SppFlowTable.NONE, t.find(addr("192.0.2.7", 4000)));
        assertEquals(SppFlowTable.NONE, t.find(addr("192.0.2.6", 4000)));
    }

    /**
     * Random operations against a model (two access-ordered maps, probation and protected) in
     * small and growing tables:
     * collisions, deletions from the middle of runs, resizes and evictions must keep every
     * flow findable, the use order exact and the reports the model's.
     */
    @Test
    void behavesLikeAnAccessOrderedMapUnderRandomOperations() {
        for (long seed = 0; seed < 12; seed++) {
            for (int max : new int[] {1, 5, 40, 2000}) {
                model(seed, max);
            }
        }
    }

    private record Flow(InetSocketAddress proxy, InetSocketAddress edge, long seen) {
    }

    private void model(long seed, int max) {
        removed.clear();
        Random r = new Random(seed * 31 + max);
        SppFlowTable t = table(max, seed);
        // In order of last use: a use is a remove and a put.
        Model model = new Model(max);
        List<String> expected = new ArrayList<>();
        InetSocketAddress[] edges = {EDGE, EDGE2, EDGE6};
        InetSocketAddress[] proxies = {PROXY, addr("198.51.100.1", 54), addr("2001:db8:cf::1", 53)};
        int clients = Math.max(3, max * 3 / 2);
        for (int step = 0; step < 3000; step++) {
            InetSocketAddress client = r.nextBoolean()
                    ? addr("10.0." + (r.nextInt(clients) >> 8) + "." + (r.nextInt(clients) & 255), 1000 + r.nextInt(3))
                    : addr("2001:db8::" + Integer.toHexString(r.nextInt(clients)), 1000 + r.nextInt(3));
            InetSocketAddress proxy = proxies[r.nextInt(proxies.length)];
            InetSocketAddress edge = edges[r.nextInt(edges.length)];
            if (r.nextInt(20) == 0) {
                clock.advance(r.nextInt(6), TimeUnit.SECONDS);
            }
            long now = t.now();
            model.expire(now, expected);
            Flow f = model.get(client);
            switch (r.nextInt(3)) {
                case 0: { // a datagram: found by its exact header and edge, else a new flow
                    int slot = find(t, client, proxy, edge);
                    boolean known = f != null && f.proxy.equals(proxy) && f.edge.equals(edge);
                    assertEquals(known, slot != SppFlowTable.NONE, "seed " + seed + " step " + step);
                    if (known) {
                        t.use(slot, now, edge);
                        model.use(client, now, expected);
                    } else {
                        put(t, client, proxy, edge, now);
                        model.add(client, new Flow(proxy, edge, now), expected);
                    }
                    break;
                }
                case 1: { // a reply: found by the client's address
                    int slot = t.find(client);
                    assertEquals(f != null, slot != SppFlowTable.NONE, "seed " + seed + " step " + step);
                    if (f != null) {
                        assertEquals(SppHeader.of(client, f.proxy), t.header(slot));
                        assertEquals(f.edge, t.edge(slot));
                        t.touch(slot, now, null);
                        model.touch(client, now);
                    }
                    break;
                }
                default: // a reply to a client that may have no flow: refused, nothing changes
                    if (f == null) {
                        assertEquals(SppFlowTable.NONE, t.find(client));
                    }
            }
            assertEquals(expected, removed, "seed " + seed + " max " + max + " step " + step);
            assertEquals(model.size(), t.size());
            assertTrue(t.size() <= t.capacity() / 2 + 1);
            // The remembered flow follows its flow when slots move, and so does its edge.
            int recent = t.recent();
            if (recent != SppFlowTable.NONE) {
                InetSocketAddress c = t.header(recent).client();
                assertEquals(model.get(c).edge, t.edge(recent), "seed " + seed + " step " + step);
                assertEquals(model.get(c).proxy, t.header(recent).proxy());
            }
            // Every flow (or, in a large table, a few) findable by address, with its header and edge.
            List<InetSocketAddress> keys = model.clients();
            for (int i = 0; i < Math.min(keys.size(), 40); i++) {
                InetSocketAddress c = keys.get(keys.size() <= 40 ? i : r.nextInt(keys.size()));
                int slot = t.find(c);
                assertEquals(SppHeader.of(c, model.get(c).proxy), t.header(slot), "seed " + seed + " step " + step);
                assertEquals(model.get(c).edge, t.edge(slot), "seed " + seed + " step " + step);
            }
        }
        // Every flow is still findable, with its header and edge.
        t.now();
        for (InetSocketAddress c : model.clients()) {
            Flow e = model.get(c);
            int slot = find(t, c, e.proxy, e.edge);
            assertNotEquals(SppFlowTable.NONE, slot);
            assertEquals(e.edge, t.edge(slot));
            assertEquals(model.isProtected(c), t.isProtected(slot));
        }
    }

    /** The rules, written as plainly as possible: two maps in order of last use. */
    private static final class Model {
        private final LinkedHashMap<InetSocketAddress, Flow> probation = new LinkedHashMap<>();
        private final LinkedHashMap<InetSocketAddress, Flow> protectedFlows = new LinkedHashMap<>();
        private final int max;
        private final int reserve;

        Model(int max) {
            this.max = max;
            this.reserve = Math.max(1, max / 8);
        }

        Flow get(InetSocketAddress c) {
            Flow f = probation.get(c);
            return f != null ? f : protectedFlows.get(c);
        }

        boolean isProtected(InetSocketAddress c) {
            return protectedFlows.containsKey(c);
        }

        int size() {
            return probation.size() + protectedFlows.size();
        }

        List<InetSocketAddress> clients() {
            List<InetSocketAddress> all = new ArrayList<>(probation.keySet());
            all.addAll(protectedFlows.keySet());
            return all;
        }

        /** A new or rebuilt flow: on probation; the table over its bound evicts. */
        void add(InetSocketAddress c, Flow f, List<String> expected) {
            probation.remove(c);
            protectedFlows.remove(c);
            probation.put(c, f);
            if (size() > max) {
                boolean probationFull = probation.size() - 1 >= reserve || protectedFlows.isEmpty();
                evictEldest(probationFull ? probation : protectedFlows, expected);
            }
        }

        /** A datagram of a known flow: promotes it. */
        void use(InetSocketAddress c, long now, List<String> expected) {
            Flow f = get(c);
            probation.remove(c);
            protectedFlows.remove(c);
            protectedFlows.put(c, new Flow(f.proxy, f.edge, now));
        }

        /** A reply: the flow stays in its segment. */
        void touch(InetSocketAddress c, long now) {
            LinkedHashMap<InetSocketAddress, Flow> segment = isProtected(c) ? protectedFlows : probation;
            Flow f = segment.remove(c);
            segment.put(c, new Flow(f.proxy, f.edge, now));
        }

        void expire(long now, List<String> expected) {
            expire(probation, now, expected);
            expire(protectedFlows, now, expected);
        }

        private static void evictEldest(LinkedHashMap<InetSocketAddress, Flow> segment, List<String> expected) {
            Iterator<Map.Entry<InetSocketAddress, Flow>> it = segment.entrySet().iterator();
            Map.Entry<InetSocketAddress, Flow> eldest = it.next();
            expected.add("evicted " + eldest.getKey() + " via " + eldest.getValue().edge);
            it.remove();
        }

        private static void expire(LinkedHashMap<InetSocketAddress, Flow> segment, long now, List<String> expected) {
            Iterator<Map.Entry<InetSocketAddress, Flow>> it = segment.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<InetSocketAddress, Flow> e = it.next();
                if (now - e.getValue().seen < IDLE) {
                    break;
                }
                expected.add("expired " + e.getKey() + " via " + e.getValue().edge);
                it.remove();
            }
        }
    }

    @Test
    void aFullTableEvictsWithoutGrowing() {
        SppFlowTable t = table(64, 5);
        for (int i = 0; i < 1000; i++) {
            put(t, addr("10.2." + (i >> 8) + "." + (i & 255), 6000), PROXY, EDGE, t.now());
        }
        assertEquals(64, t.size());
        assertEquals(936, t.evictions());
        assertEquals(128, t.capacity()); // the smallest power of two at least twice the bound
    }

    @Test
    void clearEmptiesTheTableWithoutReports() {
        SppFlowTable t = table(100, 3);
        for (int i = 0; i < 50; i++) {
            put(t, addr("10.1.0." + i, 5000), PROXY, EDGE, t.now());
        }
        assertTrue(t.capacity() >= 100);
        t.clear();
        assertEquals(0, t.size());
        assertEquals(SppFlowTable.NONE, t.recent());
        assertEquals(SppFlowTable.NONE, t.find(addr("10.1.0.1", 5000)));
        assertEquals(List.of(), removed);
        put(t, addr("10.1.0.1", 5000), PROXY, EDGE, t.now());
        assertEquals(1, t.size());
    }
}
