package dev.fheml.core;

import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;

/**
 * Server stages prepared natively once and evaluated in one native call per batch: the input dense
 * layer's weights already in the NTT domain, each bootstrap's accumulators built, every setting
 * validated. The stages are an input dense layer, then bootstraps and levelled dense layers, then
 * a compaction, exactly as {@link ServerContext}'s per-operation methods compute them.
 *
 * <p>The base of {@code dev.fheml.core.circuit.CompiledCircuit}, which maps a circuit onto these
 * stages (this package cannot name the circuit types without a package cycle); hence the protected
 * stage encoders and {@link #evaluateOn}. Thread-safe.
 */
public abstract class CompiledStages extends NativeHandle {
    // Stage kinds of the native encoding, see Native.CompiledCircuit_compile (native/src/circuit.rs).
    private static final long INPUT_DENSE = 0;
    private static final long BOOTSTRAP = 1;
    private static final long LEVELLED_DENSE = 2;
    private static final long COMPACT = 3;
    private static final long SATURATING_BOOTSTRAP = 4;
    private static final long REDUCE = 5;

    private final FheParameters parameters;

    /**
     * Validates and prepares the stages natively.
     *
     * @param inputLength values per encrypted input vector (the first layer's inputs)
     * @param stages      first to last, each made by one of the encoders below
     * @param typeName    the subclass's name, for messages
     * @throws IllegalArgumentException if the stages do not chain (first an input layer taking
     *     {@code inputLength} values, widths matching, a compaction last), a table domain is not a
     *     power of two in [2, N], or a delta is not positive
     */
    protected CompiledStages(FheParameters parameters, int inputLength, long[][] stages, String typeName) {
        super(Native.CompiledCircuit_compile(parameters.name(), inputLength, stages), Native::CompiledCircuit_destroy,
                typeName);
        this.parameters = parameters;
    }

    protected static long[] inputDense(DenseLayer layer) {
        return dense(INPUT_DENSE, layer);
    }

    protected static long[] levelledDense(DenseLayer layer) {
        return dense(LEVELLED_DENSE, layer);
    }

    protected static long[] bootstrap(LookupTables tables) {
        long[] values = tables.flat();
        long kind = tables.saturating() ? SATURATING_BOOTSTRAP : BOOTSTRAP;
        long[] stage = header(kind, tables.domain(), tables.count(), tables.deltaOut(), values.length);
        System.arraycopy(values, 0, stage, 4, values.length);
        return stage;
    }

    protected static long[] reduce(LookupTables tables) {
        long[] values = tables.flat();
        long[] stage = header(REDUCE, tables.domain(), tables.count(), tables.deltaOut(), values.length);
        System.arraycopy(values, 0, stage, 4, values.length);
        return stage;
    }

    protected static long[] compact(boolean keyswitch, int bits, boolean rerandomize) {
        return header(COMPACT, keyswitch ? 1 : 0, bits, rerandomize ? 1 : 0, 0);
    }

    private static long[] dense(long kind, DenseLayer layer) {
        long[] weights = layer.weights();
        long[] bias = layer.bias();
        long[] stage = header(kind, layer.inputs(), layer.outputs(), layer.delta(), weights.length + bias.length);
        System.arraycopy(weights, 0, stage, 4, weights.length);
        System.arraycopy(bias, 0, stage, 4 + weights.length, bias.length);
        return stage;
    }

    private static long[] header(long kind, long a, long b, long delta, int payload) {
        long[] stage = new long[4 + payload];
        stage[0] = kind;
        stage[1] = a;
        stage[2] = b;
        stage[3] = delta;
        return stage;
    }

    /**
     * Runs every stage on each query of {@code input}, on {@code server}'s pool, in one native call;
     * intermediate ciphertexts are freed natively as soon as the next stage has used them.
     *
     * @throws ParameterMismatchException if the context or the input use another parameter set
     * @throws IllegalStateException if this object, the context, its pool or the input is closed
     */
    protected final CompactBatch evaluateOn(ServerContext server, GlweBatch input) {
        return new CompactBatch(withHandle(c -> server.run(s -> input.withHandle(
                in -> Native.CompiledCircuit_evaluate(c, s, in)))), parameters);
    }

    /**
     * {@link #evaluateOn(ServerContext, GlweBatch)} {@code chunkQueries} queries at a time, so the
     * intermediate ciphertexts of at most that many queries are alive at once; checks
     * {@code cancel} (may be {@code null}) before each chunk of queries and of bootstraps.
     *
     * @throws java.util.concurrent.CancellationException once {@code cancel} is raised
     * @throws IllegalArgumentException if {@code chunkQueries} is below 1
     */
    protected final CompactBatch evaluateOn(ServerContext server, GlweBatch input, int chunkQueries,
            CancelFlag cancel) {
        if (cancel == null) {
            return new CompactBatch(withHandle(c -> server.run(s -> input.withHandle(
                    in -> Native.CompiledCircuit_evaluateChunked(c, s, in, chunkQueries, 0)))), parameters);
        }
        return new CompactBatch(withHandle(c -> server.run(s -> input.withHandle(in -> cancel.withHandle(
                f -> Native.CompiledCircuit_evaluateChunked(c, s, in, chunkQueries, f))))), parameters);
    }

    public FheParameters parameters() {
        return parameters;
    }
}
