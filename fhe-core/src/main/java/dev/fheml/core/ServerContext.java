package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * A server's expanded evaluation key (Fourier bootstrap key + keyswitch key, ~120 MB) and its
 * evaluation thread pool. Expand once per key and reuse: every operation is thread-safe and runs
 * in parallel over outputs on the pool.
 */
public final class ServerContext extends NativeHandle {
    private final FheParameters parameters;

    private ServerContext(long handle, FheParameters parameters) {
        super(handle, Native::ServerKey_destroy, "ServerContext");
        this.parameters = parameters;
    }

    /**
     * @param threads evaluation threads; 0 = one per available core
     */
    public static ServerContext expand(EvaluationKey key, int threads) {
        return new ServerContext(key.withHandle(k -> Native.ServerKey_expand(k, threads)), key.parameters());
    }

    /** Dense layer on encrypted vectors → one LWE per output and query. */
    public LweBatch dense(GlweBatch input, DenseLayer layer) {
        return new LweBatch(withHandle(h -> input.withHandle(b -> Native.ServerKey_denseGlwe(
                h, b, layer.inputs(), layer.outputs(), layer.weights(), layer.bias(), layer.delta()))), parameters);
    }

    /** Keyswitch + programmable bootstrap of every ciphertext, through its output's table. */
    public LweBatch bootstrap(LweBatch input, LookupTables tables) {
        return new LweBatch(withHandle(h -> input.withHandle(b -> Native.ServerKey_ksPbs(
                h, b, tables.flat(), tables.domain(), tables.deltaOut()))), parameters);
    }

    /** Levelled dense layer on LWEs (no bootstrap): noise variance grows by each row's squared norm. */
    public LweBatch dense(LweBatch input, DenseLayer layer) {
        return new LweBatch(withHandle(h -> input.withHandle(b -> Native.ServerKey_denseLwe(
                h, b, layer.inputs(), layer.outputs(), layer.weights(), layer.bias(), layer.delta()))), parameters);
    }

    /** {@link #compact(LweBatch, boolean, int)} with 32 bits per coefficient. */
    public CompactBatch compact(LweBatch input, boolean keyswitch) {
        return compact(input, keyswitch, 32);
    }

    /**
     * Compacts results for the response: every coefficient rounded to its top {@code bits} bits
     * (8..32) and packed in ⌈bits/8⌉ bytes, after a keyswitch to the small key when
     * {@code keyswitch}. Per value: ⌈bits/8⌉·(n+1) bytes with the keyswitch (adds σ ≈ 2^-11),
     * ⌈bits/8⌉·(N+1) without. See {@link NoiseModel#compactVariance(boolean, int)}.
     */
    public CompactBatch compact(LweBatch input, boolean keyswitch, int bits) {
        return new CompactBatch(
                withHandle(h -> input.withHandle(b -> Native.ServerKey_compact(h, b, keyswitch, bits))), parameters);
    }

    public int threads() {
        return withHandle(Native::ServerKey_threads);
    }

    /** Bytes held by the expanded keys. */
    public long memoryBytes() {
        return withHandle(Native::ServerKey_memoryBytes);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
