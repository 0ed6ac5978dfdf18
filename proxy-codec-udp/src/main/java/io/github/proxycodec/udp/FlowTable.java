package io.github.proxycodec.udp;

import io.netty.util.concurrent.Ticker;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A bounded map with least-recently-used eviction and idle expiry: the only place the UDP
 * codecs keep per-client state, so a flood of spoofed clients cannot grow memory past
 * {@code maxEntries}.
 *
 * <p>Confined to one channel's event loop: no locks. Entries are kept in access order, so the
 * least recently used one is always first; expiry is lazy, checked from the front on every
 * lookup or insert, and costs O(1) amortised (each entry is removed once). Only the counters
 * and the size are safe to read from other threads.
 *
 * <p>Keys are socket addresses that an attacker can choose (spoofed UDP sources travel through
 * the proxy into the header), so they are hashed with a secret per-table seed: addresses whose
 * {@code hashCode()} collide on purpose do not collide here, and lookups stay O(1).
 */
final class FlowTable<V> {

    /** Told about each entry removed by eviction or expiry (not by {@link #remove} or replacement). */
    interface RemovalListener<V> {
        void removed(InetSocketAddress key, V value, boolean expired);
    }

    /** An address with its seeded hash. */
    private static final class Key {
        final InetSocketAddress address;
        final int hash;

        Key(InetSocketAddress address, long seed) {
            this.address = address;
            this.hash = seededHash(address, seed);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).address.equals(address);
        }
    }

    private static final class Slot<V> {
        V value;
        long lastSeen;

        Slot(V value, long lastSeen) {
            this.value = value;
            this.lastSeen = lastSeen;
        }
    }

    private final LinkedHashMap<Key, Slot<V>> map = new LinkedHashMap<>(16, 0.75f, true);
    private final int maxEntries;
    private final long idleNanos;
    private final Ticker ticker;
    private final RemovalListener<V> listener;
    private final long seed = ThreadLocalRandom.current().nextLong();

    // Written only by the event loop; volatile so metrics threads see recent values.
    private volatile long evictions;
    private volatile long expirations;
    private volatile int size;

    FlowTable(int maxEntries, long idleNanos, Ticker ticker, RemovalListener<V> listener) {
        if (maxEntries < 1 || idleNanos <= 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", idleNanos " + idleNanos);
        }
        this.maxEntries = maxEntries;
        this.idleNanos = idleNanos;
        this.ticker = ticker;
        this.listener = listener;
    }

    /** Returns the live value for {@code key} and marks it used now, or {@code null}. */
    V get(InetSocketAddress key) {
        long now = ticker.nanoTime();
        expireIdle(now);
        if (key.isUnresolved()) {
            return null; // only ever filled from datagrams, which carry IP addresses
        }
        Slot<V> s = map.get(new Key(key, seed));
        if (s == null) {
            return null;
        }
        s.lastSeen = now;
        return s.value;
    }

    /**
     * Maps {@code key} to {@code value}, marks it used now, and evicts the least recently used
     * entry if the table is over its bound.
     *
     * @return the previous live value, or {@code null} if the key was absent
     */
    V put(InetSocketAddress key, V value) {
        long now = ticker.nanoTime();
        expireIdle(now);
        Key k = new Key(key, seed);
        Slot<V> s = map.get(k);
        if (s != null) {
            V old = s.value;
            s.value = value;
            s.lastSeen = now;
            return old;
        }
        map.put(k, new Slot<>(value, now));
        if (map.size() > maxEntries) {
            Iterator<Map.Entry<Key, Slot<V>>> it = map.entrySet().iterator();
            Map.Entry<Key, Slot<V>> eldest = it.next();
            it.remove();
            evictions++;
            listener.removed(eldest.getKey().address, eldest.getValue().value, false);
        }
        size = map.size();
        return null;
    }

    /** Removes {@code key}; returns its value or {@code null}. */
    V remove(InetSocketAddress key) {
        if (key.isUnresolved()) {
            return null;
        }
        Slot<V> s = map.remove(new Key(key, seed));
        size = map.size();
        return s == null ? null : s.value;
    }

    /** Removes every entry idle for at least the idle timeout. */
    void expireIdle(long now) {
        if (map.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<Key, Slot<V>>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Slot<V>> e = it.next();
            if (now - e.getValue().lastSeen < idleNanos) {
                break; // access order: everything after this was used more recently
            }
            it.remove();
            expirations++;
            listener.removed(e.getKey().address, e.getValue().value, true);
        }
        size = map.size();
    }

    /** Removes every entry without counting or reporting. */
    void clear() {
        map.clear();
        size = 0;
    }

    /**
     * Hashes the address bytes and port through a seeded mix, so that which addresses collide
     * depends on a secret the sender cannot see.
     */
    static int seededHash(InetSocketAddress a, long seed) {
        InetAddress ip = a.getAddress();
        long h = seed;
        if (ip instanceof Inet4Address) {
            // Per datagram: skip the byte[] copy getAddress() makes. An IPv4 address's hashCode
            // is the address itself; were it not, only the spread would suffer, never equality.
            h = mix(h + (ip.hashCode() & 0xFFFFFFFFL));
            h = mix(h + ((long) 4 << 16 | a.getPort()));
            return (int) (h ^ (h >>> 32));
        }
        byte[] b = ip.getAddress();
        for (int i = 0; i < b.length; i += 4) {
            int word = ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            h = mix(h + (word & 0xFFFFFFFFL));
        }
        h = mix(h + ((long) b.length << 16 | a.getPort()));
        return (int) (h ^ (h >>> 32));
    }

    /** The 64-bit finaliser of SplitMix64: a bijection that spreads every input bit. */
    private static long mix(long z) {
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
