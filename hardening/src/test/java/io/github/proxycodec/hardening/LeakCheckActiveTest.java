package io.github.proxycodec.hardening;

import io.github.proxycodec.testing.LeakCheckContract;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** The leak check is active in this module, and the tracking allocator bites. */
class LeakCheckActiveTest extends LeakCheckContract {

    @Test
    void trackingAllocatorReportsABufferStillHeld() {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf b = alloc.copyOf(new byte[] {1, 2, 3});
        assertThrows(AssertionError.class, () -> alloc.assertAllReleased("held"));
        b.release();
        alloc.assertAllReleased("released");
    }
}
