package dev.fheml.core.circuit;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LweBatch;
import dev.fheml.core.ParameterMismatchException;
import dev.fheml.core.ServerContext;

/**
 * Evaluates a {@link Circuit} on encrypted inputs stage by stage, one {@link ServerContext}
 * operation each (weights transformed and tables built on every call). Stateless and thread-safe.
 * A server evaluating a circuit repeatedly uses {@link CompiledCircuit}, which computes the same
 * ciphertexts.
 */
public final class CircuitEvaluator {
    private CircuitEvaluator() {}

    /**
     * Runs every stage on the batch; intermediate ciphertexts are released as soon as they are used.
     *
     * @throws ParameterMismatchException if the context or the input use other parameters than the circuit
     */
    public static CompactBatch evaluate(Circuit circuit, ServerContext server, GlweBatch input) {
        requireParameters(circuit, server, input);
        LweBatch current = null;
        try {
            for (Stage stage : circuit.stages()) {
                LweBatch next;
                if (stage instanceof Stage.InputDense d) {
                    next = server.dense(input, d.layer());
                } else if (stage instanceof Stage.Bootstrap b) {
                    next = server.bootstrap(current, b.tables());
                } else if (stage instanceof Stage.Reduce r) {
                    next = server.reduce(current, r.tables());
                } else if (stage instanceof Stage.LevelledDense d) {
                    next = server.dense(current, d.layer());
                } else {
                    Stage.Compact c = (Stage.Compact) stage;
                    return server.compact(current, c.keyswitch(), c.bits(), c.rerandomize());
                }
                if (current != null) {
                    current.close();
                }
                current = next;
            }
            throw new AssertionError("a validated circuit ends with compaction");
        } finally {
            if (current != null) {
                current.close();
            }
        }
    }

    static void requireParameters(Circuit circuit, ServerContext server, GlweBatch input) {
        String expected = circuit.parameters().name();
        if (!server.parameters().name().equals(expected) || !input.parameters().name().equals(expected)) {
            throw new ParameterMismatchException("circuit compiled for '" + expected + "' but the key uses '"
                    + server.parameters().name() + "' and the input '" + input.parameters().name() + "'");
        }
    }
}
