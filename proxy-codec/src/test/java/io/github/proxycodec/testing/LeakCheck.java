package io.github.proxycodec.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Fails a test when Netty's leak detector reports a buffer that was never released.
 *
 * <p>Registered for every test through {@code META-INF/services} (auto-detection is on in
 * {@code junit-platform.properties}). It installs a leak-detector factory that records reports
 * instead of only logging them, and after each test collects garbage and polls the detector.
 * A leak found after a test is blamed on that test, although an earlier one may have caused it;
 * the report names the allocation site.
 */
public final class LeakCheck implements AfterEachCallback {

    private static final List<String> LEAKS = new ArrayList<>();

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    /** Forces the JVM to install the recording factory before any buffer class is loaded. */
    public static void install() {
        // the static initializer does the work
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        assertNoLeaks(context.getDisplayName());
    }

    /** Collects garbage, lets the detector poll its queue, and throws if anything leaked. */
    public static void assertNoLeaks(String where) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(5);
            // Leak reports are produced when a new buffer is tracked.
            ByteBuf a = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
            a.release();
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
            b.release();
            ByteBuf c = UnpooledByteBufAllocator.DEFAULT.directBuffer(8);
            c.release();
        }
        List<String> found;
        synchronized (LEAKS) {
            found = new ArrayList<>(LEAKS);
            LEAKS.clear();
        }
        if (!found.isEmpty()) {
            throw new AssertionError("ByteBuf leak detected during or before " + where + ":\n"
                    + String.join("\n----\n", found));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval, maxActive) {
                @Override
                protected boolean needReport() {
                    return true;
                }

                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    record(resourceType + " leak" + records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    record(resourceType + " leak (untraced)");
                }
            };
        }

        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval) {
            return newResourceLeakDetector(resource, samplingInterval, Long.MAX_VALUE);
        }

        private static void record(String report) {
            synchronized (LEAKS) {
                LEAKS.add(report);
            }
        }
    }
}
