package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;
import java.util.function.LongFunction;

/**
 * A server's expanded evaluation key (Fourier bootstrap key + keyswitch key, ~120 MB), bound to
 * the {@link EvaluationPool} it was expanded on. Expand once per key and reuse: every operation is
 * thread-safe and runs in parallel over outputs on the pool. Operations throw
 * {@link IllegalStateException} once this context, its pool or an input batch is closed.
 */
public final class ServerContext extends NativeHandle {
    private final FheParameters parameters;
    /** The shared pool that must stay open for this context to work; null for a private pool. */
    private final EvaluationPool pool;

    private ServerContext(long handle, FheParameters parameters, EvaluationPool pool) {
        super(handle, Native::ServerKey_destroy, "ServerContext");
        this.parameters = parameters;
        this.pool = pool;
    }

    /**
     * Expands {@code key} (decompression and Fourier transform, about a second per level on a few
     * cores) on {@code pool}'s threads; every later operation runs on that pool too.
     *
     * @throws IllegalStateException if the key or the pool is closed
     */
    public static ServerContext expand(EvaluationKey key, EvaluationPool pool) {
        return new ServerContext(expandOn(key, pool), key.parameters(), pool);
    }

    /**
     * Expands {@code key} on a private pool of {@code threads} threads (0 = one per core) that lives
     * as long as this context: for tests and benchmarks holding a single context (or a one-thread
     * context to time one bootstrap). A server holding several keys shares one
     * {@link EvaluationPool} instead.
     *
     * @throws IllegalArgumentException if {@code threads} is negative or above 1024
     */
    public static ServerContext expand(EvaluationKey key, int threads) {
        try (EvaluationPool own = EvaluationPool.create(threads)) {
            // The native key keeps the threads alive once the pool's own handle is closed.
            return new ServerContext(expandOn(key, own), key.parameters(), null);
        }
    }

    private static long expandOn(EvaluationKey key, EvaluationPool pool) {
        return pool.withHandle(p -> key.withHandle(k -> Native.ServerKey_expand(k, p)));
    }

    /**
     * Runs a native operation with this context's handle, while neither the context nor its pool
     * can be closed.
     *
     * @throws IllegalStateException if either is closed
     */
    <T> T run(LongFunction<T> operation) {
        return pool == null ? withHandle(operation) : pool.withHandle(p -> withHandle(operation));
    }

    /** Dense layer on encrypted vectors → one LWE per output and query. */
    public LweBatch dense(GlweBatch input, DenseLayer layer) {
        return new LweBatch(run(h -> input.withHandle(b -> Native.ServerKey_denseGlwe(
                h, b, layer.inputs(), layer.outputs(), layer.weights(), layer.bias(), layer.delta()))), parameters);
    }

    /**
     * Keyswitch + programmable bootstrap of every ciphertext, through its output's table (saturating
     * or plain, see {@link LookupTables#saturating()}).
     */
    public LweBatch bootstrap(LweBatch input, LookupTables tables) {
        return new LweBatch(run(h -> input.withHandle(b -> Native.ServerKey_ksPbs(
                h, b, tables.flat(), tables.domain(), tables.deltaOut(), tables.saturating()))), parameters);
    }

    /**
     * Range reduction: {@code input} holds 2n values per query, n neurons' accumulators at a coarse
     * scale and then the same at a fine scale (same delta); the coarse ones are bootstrapped through
     * {@code tables} (one plain table per neuron, output delta = the input's delta) and each result
     * is subtracted from its fine value. Returns the n differences: the fine accumulators moved into
     * their neurons' windows, so the next bootstrap reads them at the fine scale without wrapping.
     */
    public LweBatch reduce(LweBatch input, LookupTables tables) {
        return new LweBatch(run(h -> input.withHandle(b -> Native.ServerKey_reduce(
                h, b, tables.flat(), tables.domain(), tables.deltaOut()))), parameters);
    }

    /**
     * Adds a fresh encryption of zero under the client's public key (from the evaluation key) to
     * every ciphertext: same values, fresh masks; see {@link NoiseModel#publicKeyEncryptionVariance()}.
     *
     * @throws ParameterMismatchException if the evaluation key carries no public key
     */
    public LweBatch rerandomize(LweBatch input) {
        return new LweBatch(run(h -> input.withHandle(b -> Native.ServerKey_rerandomize(h, b))), parameters);
    }

    /** Levelled dense layer on LWEs (no bootstrap): noise variance grows by each row's squared norm. */
    public LweBatch dense(LweBatch input, DenseLayer layer) {
        return new LweBatch(run(h -> input.withHandle(b -> Native.ServerKey_denseLwe(
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
        return compact(input, keyswitch, bits, false);
    }

    /**
     * {@link #compact(LweBatch, boolean, int)}, after {@link #rerandomize} when {@code rerandomize}
     * (what a sanitized circuit's last stage does).
     *
     * @throws ParameterMismatchException if re-randomizing and the evaluation key has no public key
     */
    public CompactBatch compact(LweBatch input, boolean keyswitch, int bits, boolean rerandomize) {
        return new CompactBatch(run(h -> input.withHandle(
                b -> Native.ServerKey_compact(h, b, keyswitch, bits, rerandomize))), parameters);
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
