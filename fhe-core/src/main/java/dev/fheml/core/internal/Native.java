package dev.fheml.core.internal;

/**
 * Every native entry point of the engine, in one place (the JNI boundary is this one file).
 *
 * <p>Internal: call the typed API in {@code dev.fheml.core} instead. Handles are opaque; each is
 * owned by exactly one {@link NativeHandle}. Errors arrive as exceptions: bad argument →
 * {@link IllegalArgumentException}, bad bytes → {@code FheFormatException}, foreign parameters →
 * {@code ParameterMismatchException}, null → {@link NullPointerException}, dead handle →
 * {@link IllegalStateException}, engine bug → {@link AssertionError}.
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

    /** {@code [n, k, N, lweNoiseLog2, glweNoiseLog2, pbsBaseLog, pbsLevel, ksBaseLog, ksLevel]}. */
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

    public static native int EvaluationKey_count(long evaluationKey);

    public static native void EvaluationKey_destroy(long evaluationKey);

    public static native long ServerKey_expand(long evaluationKey, int threads);

    public static native int ServerKey_threads(long serverKey);

    public static native long ServerKey_memoryBytes(long serverKey);

    public static native void ServerKey_destroy(long serverKey);

    public static native long ServerKey_denseGlwe(
            long serverKey, long glweBatch, int inputs, int outputs, long[] weights, long[] bias, long delta);

    public static native long ServerKey_ksPbs(long serverKey, long lweBatch, long[] tables, int domain, long deltaOut);

    public static native long ServerKey_denseLwe(
            long serverKey, long lweBatch, int inputs, int outputs, long[] weights, long[] bias, long delta);

    public static native long ServerKey_compact(long serverKey, long lweBatch, boolean keyswitch, int bits);

    public static native long GlweBatch_deserialize(String params, byte[] bytes, long maxBytes);

    public static native byte[] GlweBatch_serialize(long batch);

    public static native int GlweBatch_count(long batch);

    public static native void GlweBatch_destroy(long batch);

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

    /** tfhe-rs shortint KS+PBS on the base parameter set, mean ms on the calling thread. */
    public static native double Baseline_shortintKsPbsMs(int iterations);
}
