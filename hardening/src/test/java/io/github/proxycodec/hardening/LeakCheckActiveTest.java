package io.github.proxycodec.hardening;

import io.github.proxycodec.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;

import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Proves the paranoid leak check from proxy-codec's test-jar runs in this module, and the tracking allocator bites. */
class LeakCheckActiveTest {

    @Test
    void aBufferNeverReleasedIsReportedAsALeak() {
        leakOne();
        AssertionError e = assertThrows(AssertionError.class, () -> {
            for (int i = 0; i < 20; i++) {
                LeakCheck.assertNoLeaks("x"); // the detector sees the buffer once it is collected
            }
        });
        assertTrue(e.getMessage().contains("leak detected during or before x"), e.getMessage());
    }

    @Test
    void leakCheckIsRegisteredAndParanoid() {
        boolean found = false;
        for (Extension e : ServiceLoader.load(Extension.class)) {
            found |= e instanceof LeakCheck;
        }
        assertTrue(found, "LeakCheck must be auto-registered through META-INF/services");
        LeakCheck.install();
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    @Test
    void trackingAllocatorReportsABufferStillHeld() {
        TrackingAllocator alloc = new TrackingAllocator();
        ByteBuf b = alloc.copyOf(new byte[] {1, 2, 3});
        assertThrows(AssertionError.class, () -> alloc.assertAllReleased("held"));
        b.release();
        alloc.assertAllReleased("released");
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        b.writeLong(0x4c45414b4c45414bL); // dropped without release()
    }
}
