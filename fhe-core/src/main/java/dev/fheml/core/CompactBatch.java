package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/** Results compacted for the trip back to the client (modulus 2^32, optionally under the small key). */
public final class CompactBatch extends NativeHandle {
    private final FheParameters parameters;

    CompactBatch(long handle, FheParameters parameters) {
        super(handle, Native::CompactBatch_destroy, "CompactBatch");
        this.parameters = parameters;
    }

    /** Reads untrusted bytes; see {@link GlweBatch#fromBytes} for what is thrown. */
    public static CompactBatch fromBytes(FheParameters parameters, byte[] bytes, long maxBytes) {
        return new CompactBatch(Native.CompactBatch_deserialize(parameters.name(), bytes, maxBytes), parameters);
    }

    public byte[] toBytes() {
        return withHandle(Native::CompactBatch_serialize);
    }

    public int count() {
        return withHandle(Native::CompactBatch_count);
    }

    public int width() {
        return withHandle(Native::CompactBatch_width);
    }

    /**
     * Every coefficient of every ciphertext (mask, then body; {@code dimension + 1} per value),
     * lifted to the 64-bit torus, query-major: what the receiver of a response sees; for analysis
     * tools and the privacy tests.
     */
    public long[] coefficients() {
        return withHandle(Native::CompactBatch_coefficients);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
