package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * The client's secret keys (GLWE key and small LWE key), generated from the OS-seeded CSPRNG.
 *
 * <p>Security: {@link #toBytes()} exposes the secret; store it only in an owner-only file, never
 * log it, and clear the array ({@code Arrays.fill(bytes, (byte) 0)}) once written. {@link #close()}
 * (or the Cleaner) overwrites the native secret with zeros before freeing it; the native copies made
 * while serializing or reading a key are wiped too. Decrypted results must never go back to the
 * server or to anyone holding the evaluation key (the IND-CPA^D rule, see docs/security.md). The
 * evaluation key derived from it is public.
 */
public final class ClientKey extends NativeHandle {
    private final FheParameters parameters;

    private ClientKey(long handle, FheParameters parameters) {
        super(handle, Native::ClientKey_destroy, "ClientKey");
        this.parameters = parameters;
    }

    public static ClientKey generate(FheParameters parameters) {
        return new ClientKey(Native.ClientKey_generate(parameters.name()), parameters);
    }

    /**
     * Reads a stored key; see {@link GlweBatch#fromBytes} for what is thrown. The engine wipes its own
     * copy of {@code bytes}; the caller clears the array.
     */
    public static ClientKey fromBytes(FheParameters parameters, byte[] bytes) {
        return new ClientKey(
                Native.ClientKey_deserialize(parameters.name(), bytes, SizeLimits.CLIENT_KEY), parameters);
    }

    /** The secret key material. Handle as a secret. */
    public byte[] toBytes() {
        return withHandle(Native::ClientKey_serialize);
    }

    /** A fresh seeded evaluation key for this secret key (takes ~1-3 s). */
    public EvaluationKey evaluationKey() {
        return new EvaluationKey(withHandle(Native::ClientKey_evaluationKey), parameters);
    }

    /**
     * Encrypts each vector as one seeded GLWE ciphertext, value i in coefficient i, scaled by
     * {@code delta} (wrapping, so negative values work).
     *
     * @param vectors one or more vectors of the same length, at most N values each
     */
    public GlweBatch encrypt(long[][] vectors, long delta) {
        if (vectors.length == 0) {
            throw new IllegalArgumentException("nothing to encrypt: no vectors");
        }
        int length = vectors[0].length;
        long[] flat = new long[vectors.length * length];
        for (int q = 0; q < vectors.length; q++) {
            if (vectors[q].length != length) {
                throw new IllegalArgumentException(
                        "vector " + q + " has " + vectors[q].length + " values, expected " + length);
            }
            System.arraycopy(vectors[q], 0, flat, q * length, length);
        }
        return new GlweBatch(withHandle(h -> Native.ClientKey_encrypt(h, flat, length, delta)), parameters);
    }

    /** Raw phases (value·Δ + noise) of each query's ciphertexts: {@code [query][output]}. */
    public long[][] phases(LweBatch batch) {
        long[] flat = withHandle(h -> batch.withHandle(b -> Native.ClientKey_phases(h, b)));
        return split(flat, batch.count(), batch.width());
    }

    /** Raw phases of compact results, lifted to the 64-bit torus: {@code [query][output]}. */
    public long[][] phases(CompactBatch batch) {
        long[] flat = withHandle(h -> batch.withHandle(b -> Native.ClientKey_compactPhases(h, b)));
        return split(flat, batch.count(), batch.width());
    }

    /** Decrypts and rounds to the nearest multiple of {@code delta}: {@code [query][output]}. */
    public long[][] decrypt(LweBatch batch, long delta) {
        return Encoding.decode(phases(batch), delta);
    }

    /** Decrypts compact results and rounds to the nearest multiple of {@code delta}. */
    public long[][] decrypt(CompactBatch batch, long delta) {
        return Encoding.decode(phases(batch), delta);
    }

    public FheParameters parameters() {
        return parameters;
    }

    private static long[][] split(long[] flat, int rows, int width) {
        long[][] out = new long[rows][width];
        for (int q = 0; q < rows; q++) {
            System.arraycopy(flat, q * width, out[q], 0, width);
        }
        return out;
    }
}
