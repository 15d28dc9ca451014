package dev.fheml.core.circuit;

import dev.fheml.core.CancelFlag;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.CompiledStages;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ParameterMismatchException;
import dev.fheml.core.ServerContext;

/**
 * A {@link Circuit} compiled into the native engine once, when the model loads: the input layer's
 * weights transformed, every lookup table turned into its bootstrap accumulator, every stage
 * validated. {@link #evaluate} then runs all stages in one native call per batch. It computes the
 * same ciphertexts as {@link CircuitEvaluator}, which crosses JNI per stage and redoes that
 * preparation each time.
 *
 * <p>Thread-safe: one compiled circuit serves concurrent requests under any number of keys of its
 * parameter set. {@link #close()} waits for evaluations in progress.
 */
public final class CompiledCircuit extends CompiledStages {
    private final Circuit circuit;

    private CompiledCircuit(Circuit circuit, FheParameters parameters) {
        super(parameters, circuit.inputLength(), encode(circuit, parameters), "CompiledCircuit");
        this.circuit = circuit;
    }

    /**
     * Compiles {@code circuit} for its parameter set (milliseconds to a second, by model size).
     *
     * @throws IllegalArgumentException if the parameter set is unknown, the input is longer than N,
     *     a table domain is not a power of two in [2, N] or a table's output delta is not positive
     */
    public static CompiledCircuit compile(Circuit circuit) {
        return new CompiledCircuit(circuit, circuit.parameters());
    }

    /**
     * Evaluates the circuit on every query of {@code input}.
     *
     * @return {@link Circuit#outputWidth()} values per query, scaled by {@link Circuit#outputDelta()}
     * @throws ParameterMismatchException if the context or the input use another parameter set
     * @throws IllegalStateException if this circuit, the context, its pool or the input is closed
     */
    public CompactBatch evaluate(ServerContext server, GlweBatch input) {
        CircuitEvaluator.requireParameters(circuit, server, input);
        return evaluateOn(server, input);
    }

    /**
     * {@link #evaluate(ServerContext, GlweBatch)} {@code chunkQueries} queries at a time (the
     * intermediate ciphertexts of at most that many queries are alive at once), stopping at the next
     * checkpoint once {@code cancel} is raised.
     *
     * @param cancel a flag another thread may raise, or {@code null}
     * @throws java.util.concurrent.CancellationException when {@code cancel} was raised
     * @throws IllegalArgumentException if {@code chunkQueries} is below 1
     */
    public CompactBatch evaluate(ServerContext server, GlweBatch input, int chunkQueries, CancelFlag cancel) {
        CircuitEvaluator.requireParameters(circuit, server, input);
        if (chunkQueries < 1) {
            throw new IllegalArgumentException("chunkQueries must be at least 1: " + chunkQueries);
        }
        return evaluateOn(server, input, chunkQueries, cancel);
    }

    public Circuit circuit() {
        return circuit;
    }

    /** The stages in the native layout, after the checks that need the parameter set. */
    private static long[][] encode(Circuit circuit, FheParameters p) {
        if (circuit.inputLength() > p.polynomialSize()) {
            throw new IllegalArgumentException("input vectors of " + circuit.inputLength()
                    + " values do not fit one ciphertext of N = " + p.polynomialSize());
        }
        long[][] out = new long[circuit.stages().size()][];
        for (int s = 0; s < out.length; s++) {
            Stage stage = circuit.stages().get(s);
            if (stage instanceof Stage.InputDense d) {
                out[s] = inputDense(d.layer());
            } else if (stage instanceof Stage.LevelledDense d) {
                out[s] = levelledDense(d.layer());
            } else if (stage instanceof Stage.Reduce r) {
                p.inputDelta(r.tables().domain()); // throws unless the domain is a power of two in [2, N]
                out[s] = reduce(r.tables());
            } else if (stage instanceof Stage.Bootstrap b) {
                p.inputDelta(b.tables().domain()); // throws unless the domain is a power of two in [2, N]
                if (b.tables().deltaOut() <= 0) {
                    throw new IllegalArgumentException("stage " + s + ": the output delta must be positive");
                }
                out[s] = bootstrap(b.tables());
            } else {
                Stage.Compact c = (Stage.Compact) stage;
                out[s] = compact(c.keyswitch(), c.bits(), c.rerandomize());
            }
        }
        return out;
    }
}
