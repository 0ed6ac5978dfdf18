package io.github.proxycodec.udp;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class FlowTableTest {

    private final MockTicker clock = Ticker.newMockTicker();
    private final List<String> removed = new ArrayList<>();
    private final FlowTable<String, Integer> table = new FlowTable<>(3, TimeUnit.SECONDS.toNanos(10), clock,
            (k, v, expired) -> removed.add((expired ? "expired " : "evicted ") + k + "=" + v));

    @Test
    void neverHoldsMoreThanItsBoundAndEvictsTheLeastRecentlyUsed() {
        table.put("a", 1);
        table.put("b", 2);
        table.put("c", 3);
        assertEquals(1, table.get("a")); // a is now the most recently used
        table.put("d", 4);
        assertEquals(3, table.size());
        assertNull(table.get("b"));
        assertEquals(List.of("evicted b=2"), removed);
        assertEquals(1, table.evictions());
        for (int i = 0; i < 10_000; i++) {
            table.put("flood" + i, i);
        }
        assertEquals(3, table.size());
        assertEquals(10_001, table.evictions());
    }

    @Test
    void entriesExpireAfterTheIdleTimeout() {
        table.put("a", 1);
        clock.advance(9, TimeUnit.SECONDS);
        table.put("b", 2);
        assertEquals(1, table.get("a")); // used at 9 s: lives until 19 s
        clock.advance(9, TimeUnit.SECONDS);
        assertEquals(1, table.get("a"));
        clock.advance(10, TimeUnit.SECONDS);
        assertNull(table.get("a"));
        assertNull(table.get("b"));
        assertEquals(0, table.size());
        assertEquals(2, table.expirations());
        assertEquals(0, table.evictions());
        assertEquals(List.of("expired b=2", "expired a=1"), removed);
    }

    @Test
    void putReplacesTheValueAndRefreshes() {
        table.put("a", 1);
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(1, table.put("a", 2));
        clock.advance(8, TimeUnit.SECONDS);
        assertEquals(2, table.get("a"));
        assertEquals(1, table.size());
    }

    @Test
    void removeIsSilent() {
        table.put("a", 1);
        assertEquals(1, table.remove("a"));
        assertNull(table.remove("a"));
        assertEquals(0, table.size());
        assertEquals(List.of(), removed);
    }
}
