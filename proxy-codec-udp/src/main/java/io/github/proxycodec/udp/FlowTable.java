package io.github.proxycodec.udp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * A bounded table of flows keyed by socket address, with scan-resistant eviction and idle
 * expiry: where {@link ProxyV2DatagramCodec} keeps its per-client state, so a flood of spoofed
 * clients cannot grow memory past {@code maxEntries}, nor push out established clients.
 * ({@link SppCodec}, whose flows are all alike, keeps them flat in a {@link SppFlowTable}
 * under the same rules.)
 *
 * <p>A segmented LRU: a node starts on probation and {@link #promote} (its client's second
 * datagram) moves it to the protected segment. A full table evicts the least recently used
 * node on probation, never the one just added; only while probation holds fewer than 1/8 of
 * the bound (besides the new node) does the least recently used protected node go instead.
 *
 * <p>Confined to one channel's event loop: no locks. The table is intrusive: a codec's flow
 * class extends {@link Node}, which carries the key and the table's links, so each flow is one
 * object, sitting in a chained hash table and, at the same time, in a doubly linked list in
 * order of last use (least recently used first). With many live flows every object touched
 * per datagram is a likely cache miss, which is what this layout keeps down. Expiry is lazy,
 * checked from the front on every lookup or insert, and costs O(1) amortised (each node is
 * removed once). Only the counters and the size are safe to read from other threads.
 *
 * <p>A lookup allocates nothing, and the node last found or added is remembered: the reply
 * that usually follows a request belongs to it, and a lookup by the very
 * {@code InetSocketAddress} instance of its key finds it without hashing.
 *
 * <p>Keys are socket addresses that an attacker can choose (spoofed UDP sources travel through
 * the proxy into the header), so they are hashed with a secret per-table seed: addresses whose
 * {@code hashCode()} collide on purpose do not collide here, and lookups stay O(1).
 *
 * @param <F> the flow type
 */
final class FlowTable<F extends FlowTable.Node<F>> {

    /** Told about each node removed by eviction or expiry (not by {@link #remove} or replacement). */
    interface RemovalListener<F> {
        void removed(F node, boolean expired);
    }

    /**
     * What a flow needs to live in a table: its key and the table's links. A node is in at most
     * one table, once.
     */
    abstract static class Node<F extends Node<F>> {
        final InetSocketAddress key;
        /** This table's hash of the key, set when the node is added. */
        int hash;
        long lastSeen;
        /** The next node in the same bucket. */
        F next;
        /** Neighbours in the use order of its segment: toward the least and the most recently used. */
        F older;
        F newer;
        /** Whether the node is in the protected segment rather than on probation. */
        boolean promoted;

        Node(InetSocketAddress key) {
            if (key.isUnresolved()) {
                throw new IllegalArgumentException("unresolved address: " + key);
            }
            this.key = key;
        }
    }

    private static final int INITIAL_BUCKETS = 16;
    private static final int MAX_BUCKETS = 1 << 30;
    /** IPv4 addresses are hashed in their IPv4-mapped IPv6 form, as SPP carries them. */
    private static final int V4_MAPPED_WORD = 0x0000FFFF;

    /** The two segments' use orders: least and most recently used first, and their sizes. */
    private static final class Segment<F> {
        F eldest;
        F youngest;
        int count;

        void clear() {
            eldest = null;
            youngest = null;
            count = 0;
        }
    }

    private F[] buckets = newBuckets(INITIAL_BUCKETS);
    private final Segment<F> probation = new Segment<>();
    private final Segment<F> protectedNodes = new Segment<>();
    /** The node last found or added, or null; never a removed one. */
    private F recent;
    private int count;

    private final int maxEntries;
    /** How many nodes probation keeps (besides a new one) before protected nodes are evicted. */
    private final int probationReserve;
    private final long idleNanos;
    private final LongSupplier clock;
    private final RemovalListener<F> listener;
    private final long seed;

    // Written only by the event loop; volatile so metrics threads see recent values.
    private volatile long evictions;
    private volatile long expirations;
    private volatile int size;

    /**
     * @param clock nanoseconds, e.g. {@code ticker::nanoTime}; a codec passes its own, which
     *              reads its ticker once per datagram
     */
    FlowTable(int maxEntries, long idleNanos, LongSupplier clock, RemovalListener<F> listener) {
        this(maxEntries, idleNanos, clock, listener, ThreadLocalRandom.current().nextLong());
    }

    FlowTable(int maxEntries, long idleNanos, LongSupplier clock, RemovalListener<F> listener, long seed) {
        if (maxEntries < 1 || idleNanos <= 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", idleNanos " + idleNanos);
        }
        this.maxEntries = maxEntries;
        this.probationReserve = Math.max(1, maxEntries / 8);
        this.idleNanos = idleNanos;
        this.clock = clock;
        this.listener = listener;
        this.seed = seed;
    }

    @SuppressWarnings("unchecked")
    private static <F> F[] newBuckets(int n) {
        return (F[]) new Node<?>[n];
    }

    /** Returns the live node for {@code key}, marked used now in its segment, or {@code null}. */
    F get(InetSocketAddress key) {
        long now = now();
        F n = find(key);
        if (n != null) {
            use(n, now);
        }
        return n;
    }

    /**
     * Adds {@code node} on probation, marked used now, in place of any node with an equal key;
     * evicts a node (see the class comment) if the table is over its bound.
     *
     * @return the node replaced, or {@code null}
     */
    F put(F node) {
        long now = now();
        F old = find(node.key);
        if (old != null) {
            unlink(old);
        }
        int h = seededHash(node.key, seed);
        node.hash = h;
        node.lastSeen = now;
        int i = h & (buckets.length - 1);
        node.next = buckets[i];
        buckets[i] = node;
        node.promoted = false;
        linkYoungest(node);
        recent = node;
        count++;
        if (count > maxEntries) {
            boolean probationFull = probation.count - 1 >= probationReserve || protectedNodes.count == 0;
            evict(probationFull ? probation.eldest : protectedNodes.eldest);
        } else if (count > buckets.length - (buckets.length >>> 2) && buckets.length < MAX_BUCKETS) {
            resize();
        }
        size = count;
        return old;
    }

    /**
     * Moves {@code node}, which must be in this table, from probation to the protected segment
     * (a second datagram from its client). A protected node is left where it is.
     */
    void promote(F node) {
        if (node.promoted) {
            return;
        }
        unlinkOrder(node);
        node.promoted = true;
        linkYoungest(node);
    }

    /** Whether {@code node} is in the protected segment. */
    boolean isProtected(F node) {
        return node.promoted;
    }

    private void evict(F victim) {
        unlink(victim);
        evictions++;
        listener.removed(victim, false);
    }

    /** Removes the node for {@code key}; returns it or {@code null}. */
    F remove(InetSocketAddress key) {
        F n = find(key);
        if (n != null) {
            unlink(n);
            size = count;
        }
        return n;
    }

    /** Reads the clock and removes every node idle for at least the idle timeout; returns the time read. */
    long now() {
        long now = clock.getAsLong();
        expireIdle(now);
        return now;
    }

    /** Removes every node idle for at least the idle timeout. */
    void expireIdle(long now) {
        boolean removed = expireIdle(probation, now);
        removed |= expireIdle(protectedNodes, now); // both segments, whatever the first gave
        if (removed) {
            size = count;
        }
    }

    /** Removes the idle nodes of one segment, from its old end; returns whether there were any. */
    private boolean expireIdle(Segment<F> segment, long now) {
        F n = segment.eldest;
        if (n == null || now - n.lastSeen < idleNanos) {
            return false; // use order: if the eldest is still live, so is the rest of the segment
        }
        do {
            unlink(n);
            expirations++;
            listener.removed(n, true);
            n = segment.eldest;
        } while (n != null && now - n.lastSeen >= idleNanos);
        return true;
    }

    /** Removes every node without counting or reporting. */
    void clear() {
        buckets = newBuckets(INITIAL_BUCKETS);
        probation.clear();
        protectedNodes.clear();
        recent = null;
        count = 0;
        size = 0;
    }

    /** Marks {@code node}, which must be in this table, used at {@code now} (from {@link #now()}). */
    private void use(F node, long now) {
        node.lastSeen = now;
        recent = node;
        if (node != segmentOf(node).youngest) {
            unlinkOrder(node);
            linkYoungest(node);
        }
    }

    private Segment<F> segmentOf(F node) {
        return node.promoted ? protectedNodes : probation;
    }

    private F find(InetSocketAddress key) {
        F r = recent;
        if (r != null && r.key == key) {
            return r;
        }
        if (key.isUnresolved()) {
            return null; // only ever filled from datagrams, which carry IP addresses
        }
        int h = seededHash(key, seed);
        for (F n = buckets[h & (buckets.length - 1)]; n != null; n = n.next) {
            if (n.hash == h && n.key.equals(key)) {
                return n;
            }
        }
        return null;
    }

    private void linkYoungest(F node) {
        Segment<F> segment = segmentOf(node);
        node.older = segment.youngest;
        node.newer = null;
        if (segment.youngest == null) {
            segment.eldest = node;
        } else {
            segment.youngest.newer = node;
        }
        segment.youngest = node;
        segment.count++;
    }

    /** Takes {@code node} out of its segment's use order. */
    private void unlinkOrder(F node) {
        Segment<F> segment = segmentOf(node);
        if (node.older == null) {
            segment.eldest = node.newer;
        } else {
            node.older.newer = node.newer;
        }
        if (node.newer == null) {
            segment.youngest = node.older;
        } else {
            node.newer.older = node.older;
        }
        node.older = null;
        node.newer = null;
        segment.count--;
    }

    /** Takes {@code node} out of its bucket and its segment's use order. */
    private void unlink(F node) {
        int i = node.hash & (buckets.length - 1);
        F p = buckets[i];
        if (p == node) {
            buckets[i] = node.next;
        } else {
            while (p.next != node) {
                p = p.next;
            }
            p.next = node.next;
        }
        node.next = null;
        unlinkOrder(node);
        if (recent == node) {
            recent = null;
        }
        count--;
    }

    private void resize() {
        F[] old = buckets;
        F[] grown = newBuckets(old.length << 1);
        int mask = grown.length - 1;
        for (F head : old) {
            F n = head;
            while (n != null) {
                F next = n.next;
                int i = n.hash & mask;
                n.next = grown[i];
                grown[i] = n;
                n = next;
            }
        }
        buckets = grown;
    }

    /**
     * Hashes the address and port through a seeded mix, so that which addresses collide
     * depends on a secret the sender cannot see. IPv4 addresses hash as their IPv4-mapped form.
     */
    static int seededHash(InetSocketAddress a, long seed) {
        InetAddress ip = a.getAddress();
        if (ip instanceof Inet4Address) {
            // Per datagram: skip the byte[] copy getAddress() makes. An IPv4 address's hashCode
            // is the address itself; were it not, only the spread would suffer, never equality.
            return hash(seed, 0, 0, V4_MAPPED_WORD, ip.hashCode(), a.getPort());
        }
        byte[] b = ip.getAddress();
        return hash(seed, word(b, 0), word(b, 4), word(b, 8), word(b, 12), a.getPort());
    }

    private static int word(byte[] b, int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    static int hash(long seed, int w0, int w1, int w2, int w3, int port) {
        long h = mix(seed + ((long) w0 << 32 | (w1 & 0xFFFFFFFFL)));
        h = mix(h + ((long) w2 << 32 | (w3 & 0xFFFFFFFFL)));
        h = mix(h + port);
        return (int) (h ^ (h >>> 32));
    }

    /** The 64-bit finaliser of SplitMix64: a bijection that spreads every input bit. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    int size() {
        return size;
    }

    long evictions() {
        return evictions;
    }

    long expirations() {
        return expirations;
    }
}
