package io.github.proxycodec.udp;

import io.netty.buffer.ByteBuf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * {@link SppCodec}'s flows, one per client, each kept in one 64-byte slot of a flat array: the
 * header's 38 bytes (as the five words a datagram's header is read as), the time of last use,
 * the links of the use order and a key of the edge it came through. With many clients, the
 * state a datagram needs is then one random read of memory, where a table of flow objects
 * costs a bucket, the flow object and the objects it points to.
 *
 * <p>Bounded by {@code maxEntries} and scan-resistant (a segmented LRU): a new flow starts on
 * probation, and its client's second datagram ({@link #use}) promotes it to the protected
 * segment. A full table evicts the least recently used flow on probation, so a flood of
 * one-datagram (spoofed) clients only evicts its own kind, never an established client between
 * two of its datagrams; only while probation holds fewer than 1/8 of the bound (besides the
 * new flow) does the least recently used protected flow make room instead, which keeps room
 * for new clients to get their second datagram in. Each segment is kept in order of
 * last use; flows idle for the idle timeout are expired lazily from the old ends on every
 * {@link #now()}. Clients are hashed with a secret per-table seed, and the flow last used is
 * remembered ({@link #recent()}). Open addressing with linear probing, at
 * most half full, and deletion by shifting back the slots after the hole, so there are no
 * tombstones. A slot's index is valid until the next call that adds or removes a flow
 * (including {@link #now()}); {@link #recent()} follows its flow.
 *
 * <p>Confined to one channel's event loop; only the counters and the size are safe to read
 * from other threads.
 */
final class SppFlowTable {

    /** No slot. */
    static final int NONE = -1;

    private static final int WORDS = 8;
    // The words of a slot. W0 is never 0 in a used slot (it starts with the magic number), so a
    // free slot is one whose W0 is 0.
    private static final int W0 = 0;
    private static final int W8 = 1;
    private static final int W16 = 2;
    private static final int W24 = 3;
    private static final int W30 = 4;
    private static final int SEEN = 5;
    /** The older and the newer neighbour's index, as two ints (each written on its own). */
    private static final int LINKS = 6;
    private static final int EDGE = 7;
    private static final int OLDER_AT = LINKS * 8;
    private static final int NEWER_AT = LINKS * 8 + 4;
    private static final int SLOT_BYTES = WORDS * 8;
    // The slots are bytes seen through long and int views (native order: only this class reads
    // them): a neighbour's link is then one plain int store. A read-modify-write of a long would
    // load the neighbour's slot, a likely cache miss, and wait for it.
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private static final int MIN_SLOTS = 16;
    /**
     * 16 Mi slots, a 1 GiB array (the largest power of two a byte array can hold): at this size
     * the table fills to 7/8 (14 680 064 flows) and then evicts.
     */
    private static final int MAX_SLOTS = 1 << 24;
    private static final long IPV4_EDGE = 1L << 62;
    private static final long OTHER_EDGE = 1L << 63;
    /** In the edge word, unused by either kind of edge key: the flow is in the protected segment. */
    private static final long PROTECTED_BIT = 1L << 61;
    private static final int PROBATION = 0;
    private static final int PROTECTED = 1;

    private byte[] slots;
    private InetSocketAddress[] edges;
    private int count;
    /** Per segment (PROBATION, PROTECTED): the least and the most recently used flow, and the count. */
    private final int[] eldest = {NONE, NONE};
    private final int[] youngest = {NONE, NONE};
    private final int[] counts = new int[2];
    private int recent = NONE;
    /** The edge object of the recent flow, when known without reading {@link #edges}. */
    private InetSocketAddress recentEdge;
    /**
     * At most the eldest flows' times of last use. Times of last use never decrease along a
     * segment's use order, so a floor taken from earlier eldests stays one; while it shows that
     * nothing can have expired, no eldest's slot is read. Where clients take turns (as with many
     * clients sending at one rate), the eldest changes with every datagram, and reading its
     * slot each time would be a cache miss each time.
     */
    private long eldestSeenFloor;

    private final int maxEntries;
    /** How many flows probation keeps (besides a new one) before protected flows are evicted. */
    private final int probationReserve;
    private final long idleNanos;
    private final LongSupplier clock;
    private final FlowRemovalListener listener;
    private final long seed;

    private volatile long evictions;
    private volatile long expirations;
    private volatile int size;

    SppFlowTable(int maxEntries, long idleNanos, LongSupplier clock, FlowRemovalListener listener) {
        this(maxEntries, idleNanos, clock, listener, ThreadLocalRandom.current().nextLong());
    }

    SppFlowTable(int maxEntries, long idleNanos, LongSupplier clock, FlowRemovalListener listener, long seed) {
        if (maxEntries < 1 || idleNanos <= 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", idleNanos " + idleNanos);
        }
        this.maxEntries = Math.min(maxEntries, MAX_SLOTS - MAX_SLOTS / 8);
        this.probationReserve = Math.max(1, this.maxEntries / 8);
        this.idleNanos = idleNanos;
        this.clock = clock;
        this.listener = listener;
        this.seed = seed;
        allocate(MIN_SLOTS);
    }

    private void allocate(int n) {
        slots = new byte[n * SLOT_BYTES];
        edges = new InetSocketAddress[n];
    }

    // ------------------------------------------------------------------ keys

    /**
     * Returns the key of an edge: an IPv4 edge's address and port exactly; for any other, a
     * seeded digest with the top bit set, which {@link #find} confirms against the edge itself.
     */
    long edgeKey(InetSocketAddress edge) {
        InetAddress ip = edge.getAddress();
        if (ip instanceof Inet4Address) {
            // An IPv4 address's hashCode is the address itself.
            return IPV4_EDGE | (ip.hashCode() & 0xFFFF_FFFFL) << 16 | edge.getPort();
        }
        return OTHER_EDGE | FlowTable.seededHash(edge, ~seed) & 0xFFFF_FFFFL;
    }

    /** This table's hash of the client in a header. */
    int hash(SppWords h) {
        return hash(h.b0, h.b8, h.b16, h.b30);
    }

    private int hash(long b0, long b8, long b16, long b30) {
        return FlowTable.hash(seed, (int) (b0 >>> 16), (int) (b0 << 16 | b8 >>> 48), (int) (b8 >>> 16),
                (int) (b8 << 16 | b16 >>> 48), (int) (b30 >>> 16) & 0xFFFF);
    }

    private int hashOf(byte[] s, int slot) {
        int o = slot * WORDS;
        return hash(get(s, o + W0), get(s, o + W8), get(s, o + W16), get(s, o + W30));
    }

    // ------------------------------------------------------------------ lookups

    /**
     * Returns the slot of the flow with exactly this header through {@code edge}, or
     * {@link #NONE}. {@code edgeKey} is {@link #edgeKey} of the edge. Call {@link #now()} first.
     */
    int find(SppWords h, InetSocketAddress edge, long edgeKey) {
        byte[] s = slots;
        int mask = edges.length - 1;
        for (int i = hash(h) & mask; ; i = (i + 1) & mask) {
            int o = i * WORDS;
            long w = get(s, o + W0);
            if (w == h.b0 && get(s, o + W8) == h.b8 && get(s, o + W16) == h.b16 && get(s, o + W24) == h.b24
                    && get(s, o + W30) == h.b30 && (get(s, o + EDGE) & ~PROTECTED_BIT) == edgeKey
                    && (edgeKey >= 0 || edge.equals(edges[i]))) { // a digest is confirmed
                return i;
            }
            if (w == 0) {
                return NONE;
            }
        }
    }

    /** Returns the slot of {@code client}'s flow, or {@link #NONE}. Call {@link #now()} first. */
    int find(InetSocketAddress client) {
        if (client.isUnresolved()) {
            return NONE; // only ever filled from datagrams, which carry IP addresses
        }
        int r = recent;
        if (r != NONE && isClient(r, client)) {
            return r;
        }
        byte[] s = slots;
        int mask = edges.length - 1;
        for (int i = FlowTable.seededHash(client, seed) & mask; ; i = (i + 1) & mask) {
            if (get(s, i * WORDS + W0) == 0) {
                return NONE;
            }
            if (isClient(i, client)) {
                return i;
            }
        }
    }

    /** Whether the flow in {@code slot} is {@code client}'s. */
    boolean isClient(int slot, InetSocketAddress client) {
        int o = slot * WORDS;
        long b0 = get(slots, o + W0);
        long b8 = get(slots, o + W8);
        long b16 = get(slots, o + W16);
        if (client.getPort() != ((int) (get(slots, o + W30) >>> 16) & 0xFFFF)) {
            return false;
        }
        InetAddress ip = client.getAddress();
        if (ip instanceof Inet4Address) {
            // IPv4-mapped: ten zero bytes and 0xFFFF after the magic number, then the address.
            return (b0 & 0xFFFF_FFFF_FFFFL) == 0 && b8 >>> 16 == 0xFFFFL
                    && (int) (b8 << 16 | b16 >>> 48) == ip.hashCode();
        }
        byte[] a = ip.getAddress();
        if (a.length != 16) {
            return false;
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (a[i] & 0xFF);
            lo = lo << 8 | (a[8 + i] & 0xFF);
        }
        // The client address is bytes 2 to 17 of the header.
        return hi == (b0 << 16 | b8 >>> 48) && lo == (b8 << 16 | b16 >>> 48);
    }

    /** Copies the header of the flow in {@code slot} into {@code into}; returns it. */
    SppWords header(int slot, SppWords into) {
        int o = slot * WORDS;
        byte[] s = slots;
        return into.set(get(s, o + W0), get(s, o + W8), get(s, o + W16), get(s, o + W24), get(s, o + W30));
    }

    /** The header of the flow in {@code slot}. */
    SppHeader header(int slot) {
        int o = slot * WORDS;
        byte[] s = slots;
        return SppHeader.ofWords(get(s, o + W0), get(s, o + W8), get(s, o + W16), get(s, o + W24),
                get(s, o + W30));
    }

    /** The edge the flow in {@code slot} came through. */
    InetSocketAddress edge(int slot) {
        return slot == recent && recentEdge != null ? recentEdge : edges[slot];
    }

    /**
     * Returns the slot of the flow last found, used or added, or {@link #NONE} once it has left
     * the table. Call {@link #now()} first, so that it is not an expired one.
     */
    int recent() {
        return recent;
    }

    // ------------------------------------------------------------------ changes

    /** Reads the clock and removes every flow idle for at least the idle timeout; returns the time read. */
    long now() {
        long now = clock.getAsLong();
        expireIdle(now);
        return now;
    }

    /** Removes every flow idle for at least the idle timeout. */
    void expireIdle(long now) {
        if (count == 0 || now - eldestSeenFloor < idleNanos) {
            return; // use order: if the eldests are still live, so is everything else
        }
        long floor = now;
        for (int segment = PROBATION; segment <= PROTECTED; segment++) {
            int e;
            while ((e = eldest[segment]) != NONE && now - seen(e) >= idleNanos) {
                report(e, true);
            }
            if (e != NONE) {
                floor = Math.min(floor, seen(e));
            }
        }
        eldestSeenFloor = floor;
        size = count;
    }

    /**
     * Marks the flow in {@code slot} used by a datagram from its client at {@code now} (from
     * {@link #now()}): a flow on probation is promoted. {@code edge} is the object the flow was
     * matched with (equal to its edge), or {@code null}.
     */
    void use(int slot, long now, InetSocketAddress edge) {
        if (isProtected(slot)) {
            touch(slot, now, edge);
            return;
        }
        set(slots, slot * WORDS + SEEN, now);
        recent = slot;
        recentEdge = edge;
        unlink(slot);
        setProtected(slot, true);
        linkYoungest(slot);
    }

    /**
     * Marks the flow in {@code slot} used at {@code now} by a reply, which keeps it in its
     * segment: a server's answers do not promote a flow (a spoofed client gets answers too).
     */
    void touch(int slot, long now, InetSocketAddress edge) {
        set(slots, slot * WORDS + SEEN, now);
        recent = slot;
        recentEdge = edge;
        if (slot != youngest[segment(slot)]) {
            unlink(slot);
            linkYoungest(slot);
        }
    }

    /**
     * Adds the flow of a header (read as words, starting with the magic number) through
     * {@code edge}, on probation and marked used at {@code now}, in place of the client's flow
     * if it has one; if the table is over its bound, evicts the least recently used flow on
     * probation (never the new one), or the least recently used protected flow while probation
     * is short of its reserve.
     *
     * @return the new flow's slot
     */
    int put(SppWords h, InetSocketAddress edge, long now) {
        if (!h.hasMagic()) {
            throw new IllegalArgumentException("not an SPP header: " + Long.toHexString(h.b0));
        }
        int old = findClient(h);
        if (old != NONE) {
            remove(old);
        }
        // A full table evicts right after this insert, so it does not grow for it (one slot over
        // half full for a moment is fine: there is always a free slot).
        if (count >= edges.length / 2 && count < maxEntries && edges.length < MAX_SLOTS) {
            resize(edges.length * 2);
        }
        if (count == 0) {
            eldestSeenFloor = now; // this flow becomes the eldest
        }
        int i = freeSlot(hash(h));
        write(i, h, now, edgeKey(edge));
        edges[i] = edge;
        linkYoungest(i);
        count++;
        recent = i;
        recentEdge = edge;
        if (count > maxEntries) {
            evictions++;
            boolean probationFull = counts[PROBATION] - 1 >= probationReserve || counts[PROTECTED] == 0;
            int victim = probationFull ? eldest[PROBATION] : eldest[PROTECTED];
            report(victim, false); // may move the new flow's slot; recent follows it
        }
        size = count;
        return recent;
    }

    /** Removes every flow without counting or reporting. */
    void clear() {
        allocate(MIN_SLOTS);
        Arrays.fill(eldest, NONE);
        Arrays.fill(youngest, NONE);
        Arrays.fill(counts, 0);
        recent = NONE;
        recentEdge = null;
        count = 0;
        size = 0;
    }

    private int findClient(SppWords h) {
        byte[] s = slots;
        int mask = edges.length - 1;
        for (int i = hash(h) & mask; ; i = (i + 1) & mask) {
            int o = i * WORDS;
            long w = get(s, o + W0);
            if (w == 0) {
                return NONE;
            }
            // Client address: bytes 2 to 17; client port: bytes 34 and 35.
            if (w == h.b0 && get(s, o + W8) == h.b8 && get(s, o + W16) >>> 48 == h.b16 >>> 48
                    && (get(s, o + W30) >>> 16 & 0xFFFF) == (h.b30 >>> 16 & 0xFFFF)) {
                return i;
            }
        }
    }

    /** Returns the first free slot from the home of {@code hash}. */
    private int freeSlot(int hash) {
        int mask = edges.length - 1;
        int i = hash & mask;
        while (get(slots, i * WORDS + W0) != 0) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void write(int slot, SppWords h, long seen, long edgeKey) {
        int o = slot * WORDS;
        byte[] s = slots;
        set(s, o + W0, h.b0);
        set(s, o + W8, h.b8);
        set(s, o + W16, h.b16);
        set(s, o + W24, h.b24);
        set(s, o + W30, h.b30);
        set(s, o + SEEN, seen);
        set(s, o + EDGE, edgeKey);
    }

    /** Removes the flow in {@code slot} and tells the listener. */
    private void report(int slot, boolean expired) {
        InetSocketAddress client = header(slot).client();
        InetSocketAddress edge = edges[slot];
        remove(slot);
        if (expired) {
            expirations++;
        }
        listener.removed(client, edge, expired);
    }

    private void remove(int slot) {
        unlink(slot);
        count--;
        if (recent == slot) {
            recent = NONE;
            recentEdge = null;
        }
        // Shift back every following slot of the run whose home is at or before the hole, so
        // that no lookup meets a free slot before its flow.
        byte[] s = slots;
        int mask = edges.length - 1;
        int hole = slot;
        for (int j = (slot + 1) & mask; get(s, j * WORDS + W0) != 0; j = (j + 1) & mask) {
            int home = hashOf(s, j) & mask;
            if (((j - home) & mask) >= ((j - hole) & mask)) {
                move(j, hole);
                hole = j;
            }
        }
        Arrays.fill(s, hole * SLOT_BYTES, hole * SLOT_BYTES + SLOT_BYTES, (byte) 0);
        edges[hole] = null;
    }

    private void move(int from, int to) {
        byte[] s = slots;
        System.arraycopy(s, from * SLOT_BYTES, s, to * SLOT_BYTES, SLOT_BYTES);
        edges[to] = edges[from];
        int older = older(s, to);
        int newer = newer(s, to);
        int segment = segment(to);
        if (older == NONE) {
            eldest[segment] = to;
        } else {
            setNewer(older, to);
        }
        if (newer == NONE) {
            youngest[segment] = to;
        } else {
            setOlder(newer, to);
        }
        if (recent == from) {
            recent = to;
        }
    }

    private void resize(int n) {
        byte[] old = slots;
        InetSocketAddress[] oldEdges = edges;
        int[] from = eldest.clone();
        allocate(n);
        Arrays.fill(eldest, NONE);
        Arrays.fill(youngest, NONE);
        Arrays.fill(counts, 0);
        recent = NONE; // only put resizes, and it sets the recent flow after
        recentEdge = null;
        for (int e : from) {
            while (e != NONE) {
                int next = newer(old, e);
                int i = freeSlot(hashOf(old, e));
                // The whole slot: header, time of last use and the edge word with its segment bit.
                System.arraycopy(old, e * SLOT_BYTES, slots, i * SLOT_BYTES, SLOT_BYTES);
                edges[i] = oldEdges[e];
                linkYoungest(i);
                e = next;
            }
        }
    }

    /** Links {@code slot} as the most recently used flow of its segment. */
    private void linkYoungest(int slot) {
        int segment = segment(slot);
        int y = youngest[segment];
        setOlder(slot, y);
        setNewer(slot, NONE);
        if (y == NONE) {
            eldest[segment] = slot;
        } else {
            setNewer(y, slot);
        }
        youngest[segment] = slot;
        counts[segment]++;
    }

    private void unlink(int slot) {
        int segment = segment(slot);
        int older = older(slots, slot);
        int newer = newer(slots, slot);
        if (older == NONE) {
            eldest[segment] = newer;
        } else {
            setNewer(older, newer);
        }
        if (newer == NONE) {
            youngest[segment] = older;
        } else {
            setOlder(newer, older);
        }
        counts[segment]--;
    }

    /** Whether the flow in {@code slot} has been promoted out of probation. */
    boolean isProtected(int slot) {
        return (get(slots, slot * WORDS + EDGE) & PROTECTED_BIT) != 0;
    }

    private int segment(int slot) {
        return isProtected(slot) ? PROTECTED : PROBATION;
    }

    private void setProtected(int slot, boolean promoted) {
        int at = slot * WORDS + EDGE;
        long w = get(slots, at);
        set(slots, at, promoted ? w | PROTECTED_BIT : w & ~PROTECTED_BIT);
    }

    private long seen(int slot) {
        return get(slots, slot * WORDS + SEEN);
    }

    private static long get(byte[] s, int word) {
        return (long) LONG.get(s, word << 3);
    }

    private static void set(byte[] s, int word, long value) {
        LONG.set(s, word << 3, value);
    }

    private static int older(byte[] s, int slot) {
        return (int) INT.get(s, slot * SLOT_BYTES + OLDER_AT);
    }

    private static int newer(byte[] s, int slot) {
        return (int) INT.get(s, slot * SLOT_BYTES + NEWER_AT);
    }

    private void setOlder(int slot, int older) {
        INT.set(slots, slot * SLOT_BYTES + OLDER_AT, older);
    }

    private void setNewer(int slot, int newer) {
        INT.set(slots, slot * SLOT_BYTES + NEWER_AT, newer);
    }

    // ------------------------------------------------------------------ counters

    int size() {
        return size;
    }

    long evictions() {
        return evictions;
    }

    long expirations() {
        return expirations;
    }

    /** The number of slots, for tests. */
    int capacity() {
        return edges.length;
    }
}
