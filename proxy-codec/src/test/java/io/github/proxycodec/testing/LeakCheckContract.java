package io.github.proxycodec.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.Extension;

import java.io.InputStream;
import java.util.Properties;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that {@link LeakCheck} runs after every test of the module that extends this class
 * (one empty subclass per module): registered through this test-jar's service file, paranoid,
 * and failing on a buffer dropped without release.
 */
public abstract class LeakCheckContract {

    @Test
    void aBufferNeverReleasedIsReportedAsALeak() {
        leakOne();
        AssertionError e = assertThrows(AssertionError.class, () -> {
            for (int i = 0; i < 20; i++) {
                LeakCheck.assertNoLeaks("on purpose"); // the detector sees the buffer once it is collected
            }
        });
        assertTrue(e.getMessage().contains("leak detected during or before on purpose"), e.getMessage());
    }

    @Test
    void leakCheckIsRegisteredForEveryTestAndParanoid() throws Exception {
        boolean found = false;
        for (Extension e : ServiceLoader.load(Extension.class)) {
            found |= e instanceof LeakCheck;
        }
        assertTrue(found, "LeakCheck must be listed in META-INF/services");
        Properties p = new Properties();
        try (InputStream in = LeakCheckContract.class.getResourceAsStream("/junit-platform.properties")) {
            p.load(in);
        }
        assertEquals("true", p.getProperty("junit.jupiter.extensions.autodetection.enabled"));
        LeakCheck.install();
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        b.writeLong(0x4c45414b4c45414bL); // dropped without release()
    }
}
