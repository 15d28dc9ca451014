package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/** LWE ciphertexts under the big key: {@link #count()} queries × {@link #width()} values. */
public final class LweBatch extends NativeHandle {
    private final FheParameters parameters;

    LweBatch(long handle, FheParameters parameters) {
        super(handle, Native::LweBatch_destroy, "LweBatch");
        this.parameters = parameters;
    }

    /** Reads untrusted bytes; see {@link GlweBatch#fromBytes} for what is thrown. */
    public static LweBatch fromBytes(FheParameters parameters, byte[] bytes, long maxBytes) {
        return new LweBatch(Native.LweBatch_deserialize(parameters.name(), bytes, maxBytes), parameters);
    }

    public byte[] toBytes() {
        return withHandle(Native::LweBatch_serialize);
    }

    public int count() {
        return withHandle(Native::LweBatch_count);
    }

    /** Ciphertexts per query (neurons of the layer that produced it). */
    public int width() {
        return withHandle(Native::LweBatch_width);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
