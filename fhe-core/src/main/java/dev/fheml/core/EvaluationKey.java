package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * The public evaluation key (seeded bootstrap key + seeded keyswitch key), ~29 MB at level 1 and
 * ~58 MB at level 2. Safe to upload: it lets a server compute, not decrypt.
 */
public final class EvaluationKey extends NativeHandle {
    private final FheParameters parameters;

    EvaluationKey(long handle, FheParameters parameters) {
        super(handle, Native::EvaluationKey_destroy, "EvaluationKey");
        this.parameters = parameters;
    }

    /** Reads untrusted bytes; see {@link GlweBatch#fromBytes} for what is thrown. */
    public static EvaluationKey fromBytes(FheParameters parameters, byte[] bytes, long maxBytes) {
        return new EvaluationKey(Native.EvaluationKey_deserialize(parameters.name(), bytes, maxBytes), parameters);
    }

    public byte[] toBytes() {
        return withHandle(Native::EvaluationKey_serialize);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
