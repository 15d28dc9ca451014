package dev.fheml.core.internal;

/**
 * Every native entry point of the engine, in one place (the JNI boundary is this one file).
 *
 * <p>Internal: call the typed API in {@code dev.fheml.core} instead. Handles are opaque; each is
 * owned by exactly one {@link NativeHandle}. Errors arrive as exceptions: bad argument →
 * {@link IllegalArgumentException}, bad bytes → {@code FheFormatException}, foreign parameters →
 * {@code ParameterMismatchException}, null → {@link NullPointerException}, live handle of the wrong
 * type → {@link IllegalStateException}, engine bug → {@link AssertionError}. A released handle must
 * never be passed: the engine cannot detect it (its memory is freed), which is why only
 * {@link NativeHandle#withHandle} hands handles out.
 */
public final class Native {
    static {
        NativeLoader.load();
    }

    private Native() {}

    /** Forces the library to load (and fail early with the loader's explanation). */
    public static void ensureLoaded() {
        // The static initializer does the work.
    }

    public static native String[] Params_names();

    /**
     * {@code [n, k, N, lweNoiseLog2, glweNoiseLog2, pbsBaseLog, pbsLevel, ksBaseLog, ksLevel,
     * publicKeyDimension, publicKeyNoiseLog2]}.
     */
    public static native long[] Params_describe(String name);

    public static native long ClientKey_generate(String params);

    public static native long ClientKey_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] ClientKey_serialize(long clientKey);

    public static native void ClientKey_destroy(long clientKey);

    public static native long ClientKey_evaluationKey(long clientKey);

    public static native long ClientKey_encrypt(long clientKey, long[] values, int vectorLength, long delta);

    public static native long[] ClientKey_phases(long clientKey, long lweBatch);

    public static native long[] ClientKey_compactPhases(long clientKey, long compactBatch);

    public static native long EvaluationKey_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] EvaluationKey_serialize(long evaluationKey);

    public static native void EvaluationKey_destroy(long evaluationKey);

    /** Serialized bytes of the compact public key inside the evaluation key; 0 when it has none. */
    public static native long EvaluationKey_publicKeyBytes(long evaluationKey);

    /** @param threads 0 = one per available core */
    public static native long EvaluationPool_create(int threads);

    public static native int EvaluationPool_threads(long pool);

    public static native void EvaluationPool_destroy(long pool);

    /** The server key keeps the pool's threads alive until it is destroyed itself. */
    public static native long ServerKey_expand(long evaluationKey, long pool);

    public static native int ServerKey_threads(long serverKey);

    public static native long ServerKey_memoryBytes(long serverKey);

    public static native void ServerKey_destroy(long serverKey);

    public static native long ServerKey_denseGlwe(
            long serverKey, long glweBatch, int inputs, int outputs, long[] weights, long[] bias, long delta);

    /** @param saturating tables read the nearer end's value past either end (needs an even deltaOut) */
    public static native long ServerKey_ksPbs(
            long serverKey, long lweBatch, long[] tables, int domain, long deltaOut, boolean saturating);

    /** Range reduction (see {@code dev.fheml.core.ServerContext#reduce}): one plain table per neuron. */
    public static native long ServerKey_reduce(
            long serverKey, long lweBatch, long[] tables, int domain, long deltaOut);

    public static native long ServerKey_denseLwe(
            long serverKey, long lweBatch, int inputs, int outputs, long[] weights, long[] bias, long delta);

    /** @param rerandomize add a fresh encryption of zero under the key's public key first */
    public static native long ServerKey_compact(
            long serverKey, long lweBatch, boolean keyswitch, int bits, boolean rerandomize);

    /** Adds a fresh encryption of zero under the key's public key to every ciphertext. */
    public static native long ServerKey_rerandomize(long serverKey, long lweBatch);

    public static native long GlweBatch_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] GlweBatch_serialize(long batch);

    public static native int GlweBatch_count(long batch);

    public static native void GlweBatch_destroy(long batch);

    /** The mask polynomial(s) of one query, expanded from its seed. */
    public static native long[] GlweBatch_mask(long batch, int query);

    public static native long LweBatch_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] LweBatch_serialize(long batch);

    public static native int LweBatch_count(long batch);

    public static native int LweBatch_width(long batch);

    public static native void LweBatch_destroy(long batch);

    public static native long CompactBatch_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] CompactBatch_serialize(long batch);

    public static native int CompactBatch_count(long batch);

    public static native int CompactBatch_width(long batch);

    public static native void CompactBatch_destroy(long batch);

    /** Every coefficient (mask, then body) of every ciphertext, lifted to 64 bits, query-major. */
    public static native long[] CompactBatch_coefficients(long batch);

    /**
     * Validates and prepares a circuit. Each stage is one array {@code [kind, a, b, delta, payload...]}:
     * a dense layer (kind 0 on the input, 2 levelled) {@code [kind, inputs, outputs, delta,
     * weights (outputs x inputs)..., bias (outputs)...]}, a bootstrap {@code [1, domain, tables,
     * deltaOut, values (tables x domain)...]} (kind 4: saturating tables), the compaction
     * {@code [3, keyswitch (0 or 1), bits, rerandomize (0 or 1)]}.
     */
    public static native long CompiledCircuit_compile(String params, int inputLength, long[][] stages);

    /** All stages in one call on the server key's pool; returns a compact batch. */
    public static native long CompiledCircuit_evaluate(long compiledCircuit, long serverKey, long glweBatch);

    /**
     * Like {@link #CompiledCircuit_evaluate}, {@code chunk} queries at a time (at least 1), stopping
     * with a {@link java.util.concurrent.CancellationException} at the next checkpoint once
     * {@code cancelFlag} (0 for none) is raised.
     */
    public static native long CompiledCircuit_evaluateChunked(long compiledCircuit, long serverKey, long glweBatch,
            int chunk, long cancelFlag);

    public static native void CompiledCircuit_destroy(long compiledCircuit);

    public static native long CancelFlag_create();

    /** Raises the flag; safe while an evaluation checks it. */
    public static native void CancelFlag_cancel(long cancelFlag);

    public static native void CancelFlag_destroy(long cancelFlag);

    /** tfhe-rs shortint KS+PBS on the base parameter set, mean ms on the calling thread. */
    public static native double Baseline_shortintKsPbsMs(int iterations);
}
