package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * The public evaluation key (seeded bootstrap key + seeded keyswitch key + the client's compact
 * public key), ~29 MB at level 1 and ~58 MB at level 2. Safe to upload: it lets a server compute
 * and encrypt, not decrypt.
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

    /**
     * Bytes of the compact public key inside this key (about 16 KB: one seeded polynomial of N
     * coefficients), which lets the server re-randomize responses; 0 for a key made before it was
     * added, which cannot serve a sanitized circuit.
     */
    public long publicKeyBytes() {
        return withHandle(Native::EvaluationKey_publicKeyBytes);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
