package io.github.proxycodec.hardening;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;

import java.util.ArrayList;
import java.util.List;

/**
 * An allocator that remembers every buffer it hands out, so a test can check right away (no
 * garbage collection, no sampling) that each one was released exactly when its owner was done.
 *
 * <p>Install it on a channel ({@code ch.config().setAllocator(alloc)}) so that the handler's own
 * buffers are tracked, and allocate the test's inputs from it too. Buffers come from the unpooled
 * allocator with leak detection left on, so Netty's paranoid detector sees them as well.
 * One per test or per fuzz input; not thread-safe.
 */
final class TrackingAllocator extends AbstractByteBufAllocator {

    private final List<ByteBuf> handedOut = new ArrayList<>();
    private final UnpooledByteBufAllocator source;

    /** Buffers also watched by Netty's leak detector. */
    TrackingAllocator() {
        this(true);
    }

    /**
     * @param leakDetector whether Netty's leak detector also watches the buffers; fuzz targets turn
     *                     it off for speed, since the check here is exact and immediate anyway
     */
    TrackingAllocator(boolean leakDetector) {
        super(false);
        this.source = new UnpooledByteBufAllocator(false, !leakDetector);
    }

    /** A buffer holding {@code bytes}, owned by the caller. */
    ByteBuf copyOf(byte[] bytes) {
        return heapBuffer(Math.max(bytes.length, 1)).writeBytes(bytes);
    }

    /** A buffer holding {@code bytes[from, to)}, owned by the caller. */
    ByteBuf copyOf(byte[] bytes, int from, int to) {
        return heapBuffer(Math.max(to - from, 1)).writeBytes(bytes, from, to - from);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return track(source.heapBuffer(initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return track(source.directBuffer(initialCapacity, maxCapacity));
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
        return track(super.compositeHeapBuffer(maxNumComponents));
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
        return track(super.compositeDirectBuffer(maxNumComponents));
    }

    @Override
    public boolean isDirectBufferPooled() {
        return false;
    }

    private <T extends ByteBuf> T track(T buf) {
        handedOut.add(buf);
        return buf;
    }

    /** Returns how many buffers were handed out. */
    int allocations() {
        return handedOut.size();
    }

    /** Returns how many handed-out buffers are still referenced. */
    int unreleased() {
        int n = 0;
        for (ByteBuf b : handedOut) {
            if (b.refCnt() != 0) {
                n++;
            }
        }
        return n;
    }

    /** Throws if any buffer handed out is still referenced; {@code where} names the case. */
    void assertAllReleased(String where) {
        int n = unreleased();
        if (n != 0) {
            throw new AssertionError(where + ": " + n + " of " + handedOut.size() + " buffers never released");
        }
    }
}
