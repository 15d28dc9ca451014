package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * The native threads that run server operations. Create one per process and expand every key on
 * it ({@link ServerContext#expand(EvaluationKey, EvaluationPool)}): a pool per key would run
 * keys × cores threads and oversubscribe the CPU.
 *
 * <p>Closing the pool stops evaluation on it: every context expanded on it then throws
 * {@link IllegalStateException}. Close it after its contexts; {@link #close()} waits for
 * evaluations in progress. The native threads end when the pool and all its contexts are closed.
 */
public final class EvaluationPool extends NativeHandle {
    private EvaluationPool(long handle) {
        super(handle, Native::EvaluationPool_destroy, "EvaluationPool");
    }

    /**
     * Starts the pool's threads.
     *
     * @param threads number of threads, 0 = one per available core
     * @throws IllegalArgumentException if {@code threads} is negative or above 1024
     */
    public static EvaluationPool create(int threads) {
        return new EvaluationPool(Native.EvaluationPool_create(threads));
    }

    public int threads() {
        return withHandle(Native::EvaluationPool_threads);
    }
}
