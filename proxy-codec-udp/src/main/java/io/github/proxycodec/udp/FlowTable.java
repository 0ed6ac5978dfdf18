package io.github.proxycodec.udp;

import io.netty.util.concurrent.Ticker;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A bounded map with least-recently-used eviction and idle expiry: the only place the UDP
 * codecs keep per-client state, so a flood of spoofed clients cannot grow memory past
 * {@code maxEntries}.
 *
 * <p>Confined to one channel's event loop: no locks. Entries are kept in access order, so the
 * least recently used one is always first; expiry is lazy, checked from the front on every
 * lookup or insert, and costs O(1) amortised (each entry is removed once). Only the counters
 * and the size are safe to read from other threads.
 */
final class FlowTable<K, V> {

    /** Told about each entry removed by eviction or expiry (not by {@link #remove} or replacement). */
    interface RemovalListener<K, V> {
        void removed(K key, V value, boolean expired);
    }

    private static final class Slot<V> {
        V value;
        long lastSeen;

        Slot(V value, long lastSeen) {
            this.value = value;
            this.lastSeen = lastSeen;
        }
    }

    private final LinkedHashMap<K, Slot<V>> map = new LinkedHashMap<>(16, 0.75f, true);
    private final int maxEntries;
    private final long idleNanos;
    private final Ticker ticker;
    private final RemovalListener<K, V> listener;

    // Written only by the event loop; volatile so metrics threads see recent values.
    private volatile long evictions;
    private volatile long expirations;
    private volatile int size;

    FlowTable(int maxEntries, long idleNanos, Ticker ticker, RemovalListener<K, V> listener) {
        if (maxEntries < 1 || idleNanos <= 0) {
            throw new IllegalArgumentException("maxEntries " + maxEntries + ", idleNanos " + idleNanos);
        }
        this.maxEntries = maxEntries;
        this.idleNanos = idleNanos;
        this.ticker = ticker;
        this.listener = listener;
    }

    /** Returns the live value for {@code key} and marks it used now, or {@code null}. */
    V get(K key) {
        long now = ticker.nanoTime();
        expireIdle(now);
        Slot<V> s = map.get(key);
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
    V put(K key, V value) {
        long now = ticker.nanoTime();
        expireIdle(now);
        Slot<V> s = map.get(key);
        if (s != null) {
            V old = s.value;
            s.value = value;
            s.lastSeen = now;
            return old;
        }
        map.put(key, new Slot<>(value, now));
        if (map.size() > maxEntries) {
            Iterator<Map.Entry<K, Slot<V>>> it = map.entrySet().iterator();
            Map.Entry<K, Slot<V>> eldest = it.next();
            it.remove();
            evictions++;
            listener.removed(eldest.getKey(), eldest.getValue().value, false);
        }
        size = map.size();
        return null;
    }

    /** Removes {@code key}; returns its value or {@code null}. */
    V remove(K key) {
        Slot<V> s = map.remove(key);
        size = map.size();
        return s == null ? null : s.value;
    }

    /** Removes every entry idle for at least the idle timeout. */
    void expireIdle(long now) {
        if (map.isEmpty()) {
            return;
        }
        Iterator<Map.Entry<K, Slot<V>>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<K, Slot<V>> e = it.next();
            if (now - e.getValue().lastSeen < idleNanos) {
                break; // access order: everything after this was used more recently
            }
            it.remove();
            expirations++;
            listener.removed(e.getKey(), e.getValue().value, true);
        }
        size = map.size();
    }

    /** Removes every entry without counting or reporting. */
    void clear() {
        map.clear();
        size = 0;
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
