package dev.fheml.core.circuit;

import dev.fheml.core.FheParameters;
import java.util.List;

/**
 * A compiled model: what the server evaluates on an encrypted input vector. Integer weights,
 * biases (offsets included), one lookup table per bootstrapped neuron, and the torus scales; no
 * floating point. Immutable and validated: stages chain in width and scale, the first stage is an
 * {@link Stage.InputDense} and the last a {@link Stage.Compact}.
 *
 * @param parameters  the parameter set the circuit was compiled for
 * @param inputLength values in one encrypted input vector
 * @param inputDelta  torus scale of the input values
 * @param stages      the evaluation steps, first to last
 */
public record Circuit(FheParameters parameters, int inputLength, long inputDelta, List<Stage> stages) {
    public Circuit {
        java.util.Objects.requireNonNull(parameters, "parameters");
        stages = List.copyOf(stages);
        if (inputLength < 1) {
            throw new IllegalArgumentException("input length must be positive: " + inputLength);
        }
        if (inputDelta <= 0) {
            throw new IllegalArgumentException("input delta must be positive");
        }
        if (stages.size() < 2 || !(stages.get(0) instanceof Stage.InputDense first)
                || !(stages.get(stages.size() - 1) instanceof Stage.Compact)) {
            throw new IllegalArgumentException("a circuit starts with an input dense layer and ends with compaction");
        }
        if (first.layer().inputs() != inputLength || first.layer().delta() != inputDelta) {
            throw new IllegalArgumentException("the first layer must take " + inputLength
                    + " inputs at the input delta");
        }
        int width = inputLength;
        long delta = inputDelta;
        for (int s = 0; s < stages.size(); s++) {
            Stage stage = stages.get(s);
            String where = "stage " + s + " (" + stage.getClass().getSimpleName() + ")";
            if (stage instanceof Stage.InputDense && s != 0) {
                throw new IllegalArgumentException(where + ": only the first stage reads the input");
            } else if (stage instanceof Stage.LevelledDense d) {
                if (d.layer().inputs() != width) {
                    throw new IllegalArgumentException(where + " takes " + d.layer().inputs() + " inputs, has " + width);
                }
                if (d.layer().delta() != delta) {
                    throw new IllegalArgumentException(where + ": a levelled layer keeps the incoming delta");
                }
            } else if (stage instanceof Stage.Bootstrap b) {
                if (b.tables().count() != 1 && b.tables().count() != width) {
                    throw new IllegalArgumentException(where + " has " + b.tables().count()
                            + " tables for " + width + " values");
                }
                delta = b.tables().deltaOut();
            } else if (stage instanceof Stage.Reduce r) {
                if (2 * r.tables().count() != width) {
                    throw new IllegalArgumentException(where + " reduces " + r.tables().count()
                            + " neurons but has " + width + " values (two per neuron)");
                }
                if (r.tables().deltaOut() != delta) {
                    throw new IllegalArgumentException(where + ": corrections keep the incoming delta");
                }
            } else if (stage instanceof Stage.Compact && s != stages.size() - 1) {
                throw new IllegalArgumentException(where + ": compaction must be last");
            }
            width = stage.outputWidth(width);
        }
    }

    /** Values in the decrypted response. */
    public int outputWidth() {
        int width = inputLength;
        for (Stage s : stages) {
            width = s.outputWidth(width);
        }
        return width;
    }

    /** Torus scale of the output values (what the client decodes with). */
    public long outputDelta() {
        long delta = inputDelta;
        for (Stage s : stages) {
            if (s instanceof Stage.Bootstrap b) {
                delta = b.tables().deltaOut();
            }
        }
        return delta;
    }

    /** Bootstraps per query (one per bootstrapped value). */
    public int bootstrapCount() {
        int width = inputLength;
        int count = 0;
        for (Stage s : stages) {
            if (s instanceof Stage.Bootstrap) {
                count += width;
            } else if (s instanceof Stage.Reduce) {
                count += width / 2;
            }
            width = s.outputWidth(width);
        }
        return count;
    }
}
