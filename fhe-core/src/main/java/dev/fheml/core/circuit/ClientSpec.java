package dev.fheml.core.circuit;

import dev.fheml.core.FheParameters;
import java.util.List;

/**
 * Everything a client needs to use a model, and nothing more (no weights, no tables): the
 * parameter set, the model id it must match, the input encoding and scale, and how to turn the
 * decrypted integers into scores.
 *
 * @param outputScales real value of one output unit per class (scores = output · scale)
 */
public record ClientSpec(FheParameters parameters, String modelId, InputEncoding input, long inputDelta, long outputDelta,
        List<String> classNames, double[] outputScales) {
    public ClientSpec {
        java.util.Objects.requireNonNull(parameters, "parameters");
        classNames = List.copyOf(classNames);
        outputScales = outputScales.clone();
        if (classNames.size() != outputScales.length || classNames.isEmpty()) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + outputScales.length + " outputs");
        }
        if (inputDelta <= 0 || outputDelta <= 0) {
            throw new IllegalArgumentException("deltas must be positive");
        }
    }

    public int outputs() {
        return outputScales.length;
    }

    /** Integers to encrypt for one raw feature vector. */
    public long[] quantize(double[] raw) {
        return input.quantize(raw);
    }

    /** Scores and winner (ties: lowest index) from decrypted output integers. */
    public Prediction decode(long[] outputs) {
        if (outputs.length != outputScales.length) {
            throw new IllegalArgumentException(outputs.length + " outputs, expected " + outputScales.length);
        }
        double[] scores = new double[outputs.length];
        int best = 0;
        for (int k = 0; k < outputs.length; k++) {
            scores[k] = outputs[k] * outputScales[k];
            if (scores[k] > scores[best]) {
                best = k;
            }
        }
        return new Prediction(best, classNames.get(best), scores);
    }

    @Override
    public double[] outputScales() {
        return outputScales.clone();
    }
}
