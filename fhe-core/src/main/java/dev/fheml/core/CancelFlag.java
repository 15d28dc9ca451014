package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * Stops an evaluation in progress: {@link #cancel()} from any thread makes the evaluation that
 * was given this flag end with a {@link java.util.concurrent.CancellationException} at its next
 * checkpoint (before each chunk of queries and each chunk of 256 bootstraps of a query). Raising
 * it is idempotent; one flag per evaluation. Close it after the evaluation returned.
 */
public final class CancelFlag extends NativeHandle {
    private volatile boolean cancelled;

    private CancelFlag(long handle) {
        super(handle, Native::CancelFlag_destroy, "CancelFlag");
    }

    public static CancelFlag create() {
        return new CancelFlag(Native.CancelFlag_create());
    }

    /**
     * Raises the flag.
     *
     * @throws IllegalStateException if the flag is closed
     */
    public void cancel() {
        cancelled = true;
        withHandle(f -> {
            Native.CancelFlag_cancel(f);
            return null;
        });
    }

    public boolean isCancelled() {
        return cancelled;
    }
}
