package io.github.proxycodec;

import io.github.proxycodec.testing.LeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Proves the leak check is live: a buffer dropped without release fails the check. */
class LeakCheckSelfTest {

    @Test
    void aBufferDroppedWithoutReleaseIsReportedAsALeak() throws InterruptedException {
        dropOneBuffer();
        // The detector sees the buffer only once it has been collected; give GC a few chances.
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                LeakCheck.assertNoLeaks("x");
            } catch (AssertionError expected) {
                assertTrue(expected.getMessage().contains("leak detected during or before x"), expected.getMessage());
                return;
            }
        }
        fail("a buffer dropped without release() was never reported");
    }

    /** Allocates in its own frame so no live reference remains when it returns. */
    private static void dropOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        leaked.writeLong(0x4c45414b4c45414bL); // "LEAKLEAK"
    }
}
