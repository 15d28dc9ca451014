package dev.fheml.core.circuit;

import dev.fheml.core.FheParameters;
import java.util.List;

/**
 * Everything a client needs to use a model, and nothing more (no weights, no tables): the
 * parameter set, the model id it must match, the input encoding and scale, how to turn the
 * decrypted integers into scores, and the range each decrypted output must lie in.
 *
 * @param outputScales real value of one output unit per class (scores = output · scale)
 * @param outputMin    smallest value output k can decrypt to when everything works (the compiled
 *                     range: saturated outputs' lower end, or a levelled output's worst case less
 *                     its noise tolerance)
 * @param outputMax    the largest, likewise
 * @param layout       the input's shape and the preprocessing the model applies (for checking inputs)
 */
public record ClientSpec(FheParameters parameters, String modelId, InputEncoding input, long inputDelta, long outputDelta,
        List<String> classNames, double[] outputScales, long[] outputMin, long[] outputMax, InputLayout layout) {
    public ClientSpec {
        java.util.Objects.requireNonNull(parameters, "parameters");
        java.util.Objects.requireNonNull(layout, "layout");
        if (layout.features() != input.features()) {
            throw new IllegalArgumentException("input layout " + layout.describeShape() + " holds " + layout.features()
                    + " values, the input encoding " + input.features());
        }
        classNames = List.copyOf(classNames);
        outputScales = outputScales.clone();
        outputMin = outputMin.clone();
        outputMax = outputMax.clone();
        if (classNames.size() != outputScales.length || classNames.isEmpty()) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + outputScales.length + " outputs");
        }
        if (outputMin.length != outputScales.length || outputMax.length != outputScales.length) {
            throw new IllegalArgumentException("an output range per output is needed");
        }
        for (int k = 0; k < outputMin.length; k++) {
            if (outputMin[k] > outputMax[k]) {
                throw new IllegalArgumentException("output " + k + " has an empty range");
            }
        }
        if (inputDelta <= 0 || outputDelta <= 0) {
            throw new IllegalArgumentException("deltas must be positive");
        }
    }

    /** A spec with a flat input of raw features taken as given. */
    public ClientSpec(FheParameters parameters, String modelId, InputEncoding input, long inputDelta, long outputDelta,
            List<String> classNames, double[] outputScales, long[] outputMin, long[] outputMax) {
        this(parameters, modelId, input, inputDelta, outputDelta, classNames, outputScales, outputMin, outputMax,
                InputLayout.flat(input.features()));
    }

    /** A spec whose outputs may take any value (no range check), with a flat input. */
    public ClientSpec(FheParameters parameters, String modelId, InputEncoding input, long inputDelta, long outputDelta,
            List<String> classNames, double[] outputScales) {
        this(parameters, modelId, input, inputDelta, outputDelta, classNames, outputScales,
                filled(outputScales.length, Long.MIN_VALUE), filled(outputScales.length, Long.MAX_VALUE));
    }

    /** This spec with another input layout (the compiler knows values, the pipeline knows their shape). */
    public ClientSpec withLayout(InputLayout newLayout) {
        return new ClientSpec(parameters, modelId, input, inputDelta, outputDelta, classNames, outputScales, outputMin,
                outputMax, newLayout);
    }

    private static long[] filled(int n, long v) {
        long[] out = new long[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    /**
     * Checks decrypted outputs against the compiled range. A value outside it is never a class: it
     * means a response decrypted with another key or for another model, a corrupted or forged
     * response, or a failure the compiler bounded (see its p_fail).
     *
     * @throws OutputRangeException naming the output, its value and its range
     */
    public void checkOutputs(long[] outputs) {
        if (outputs.length != outputScales.length) {
            throw new IllegalArgumentException(outputs.length + " outputs, expected " + outputScales.length);
        }
        for (int k = 0; k < outputs.length; k++) {
            if (outputs[k] < outputMin[k] || outputs[k] > outputMax[k]) {
                throw new OutputRangeException("decrypted output " + k + " (" + classNames.get(k) + ") is " + outputs[k]
                        + ", outside its compiled range [" + outputMin[k] + ", " + outputMax[k] + "]: the response was"
                        + " not computed by this model under this key, was altered, or hit a bounded failure; do not"
                        + " use it (and do not send it back to the server)");
            }
        }
    }

    @Override
    public long[] outputMin() {
        return outputMin.clone();
    }

    @Override
    public long[] outputMax() {
        return outputMax.clone();
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
