package dev.fheml.core.internal;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Owns one native handle. {@link #close()} is idempotent and thread-safe and waits for calls in
 * progress; use after close throws {@link IllegalStateException}; a {@link Cleaner} frees handles
 * that were never closed.
 *
 * <p>This class is what keeps freed handles away from the engine: the handle is zeroed under the
 * write lock when it is destroyed, and {@link #withHandle} hands it out only under the read lock
 * and only while non-zero. The engine itself cannot recognise a freed handle.
 */
public abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /** Holds no reference to the owner, so the owner can become unreachable. */
    private static final class State implements Runnable {
        private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
        private final LongConsumer destroyer;
        private long handle;

        State(long handle, LongConsumer destroyer) {
            this.handle = handle;
            this.destroyer = destroyer;
        }

        @Override
        public void run() {
            lock.writeLock().lock();
            try {
                if (handle != 0) {
                    destroyer.accept(handle);
                    handle = 0;
                }
            } finally {
                lock.writeLock().unlock();
            }
        }
    }

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String typeName;

    protected NativeHandle(long handle, LongConsumer destroyer, String typeName) {
        if (handle == 0) {
            throw new AssertionError("native call returned a null " + typeName + " handle without an exception");
        }
        this.state = new State(handle, destroyer);
        this.cleanable = CLEANER.register(this, state);
        this.typeName = typeName;
    }

    /** Runs {@code action} with the live handle; the object cannot be closed meanwhile. */
    public final <T> T withHandle(LongFunction<T> action) {
        state.lock.readLock().lock();
        try {
            if (state.handle == 0) {
                throw new IllegalStateException(typeName + " is closed");
            }
            return action.apply(state.handle);
        } finally {
            state.lock.readLock().unlock();
            Reference.reachabilityFence(this);
        }
    }

    public final boolean isClosed() {
        state.lock.readLock().lock();
        try {
            return state.handle == 0;
        } finally {
            state.lock.readLock().unlock();
        }
    }

    @Override
    public final void close() {
        cleanable.clean();
    }
}
