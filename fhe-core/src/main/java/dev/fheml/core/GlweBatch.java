package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/** Encrypted input vectors, one seeded GLWE ciphertext per query (what a client sends). */
public final class GlweBatch extends NativeHandle {
    private final FheParameters parameters;

    GlweBatch(long handle, FheParameters parameters) {
        super(handle, Native::GlweBatch_destroy, "GlweBatch");
        this.parameters = parameters;
    }

    /**
     * Reads untrusted bytes.
     *
     * @throws FheFormatException if the bytes are corrupted, truncated or above {@code maxBytes}
     * @throws ParameterMismatchException if they were made for another parameter set
     */
    public static GlweBatch fromBytes(FheParameters parameters, byte[] bytes, long maxBytes) {
        return new GlweBatch(Native.GlweBatch_deserialize(parameters.name(), bytes, maxBytes), parameters);
    }

    public byte[] toBytes() {
        return withHandle(Native::GlweBatch_serialize);
    }

    /** Number of queries in the batch. */
    public int count() {
        return withHandle(Native::GlweBatch_count);
    }

    /**
     * The mask polynomial of query {@code query}, expanded from its seed: public (anyone holding
     * the ciphertext can expand it); for analysis tools and the privacy tests.
     */
    public long[] mask(int query) {
        return withHandle(h -> Native.GlweBatch_mask(h, query));
    }

    public FheParameters parameters() {
        return parameters;
    }
}
