package dev.fheml.core;

import java.util.Arrays;

/**
 * A clear integer dense layer: out_j = Σ_i weights[j·inputs + i]·x_i + bias_j, evaluated on
 * ciphertexts whose values are scaled by {@code delta} (the bias is scaled by it too).
 */
public record DenseLayer(int inputs, int outputs, long[] weights, long[] bias, long delta) {
    public DenseLayer {
        if (inputs < 1 || outputs < 1) {
            throw new IllegalArgumentException("layer dimensions must be positive: " + inputs + " x " + outputs);
        }
        if (weights.length != (long) inputs * outputs) {
            throw new IllegalArgumentException("weights hold " + weights.length + " values, expected "
                    + outputs + " outputs x " + inputs + " inputs");
        }
        if (bias.length != outputs) {
            throw new IllegalArgumentException("bias holds " + bias.length + " values, expected " + outputs);
        }
        weights = weights.clone();
        bias = bias.clone();
    }

    /** Builds a layer from rows ({@code weights[output][input]}). */
    public static DenseLayer ofRows(long[][] rows, long[] bias, long delta) {
        int inputs = rows.length == 0 ? 0 : rows[0].length;
        long[] flat = new long[rows.length * inputs];
        for (int j = 0; j < rows.length; j++) {
            if (rows[j].length != inputs) {
                throw new IllegalArgumentException("row " + j + " has " + rows[j].length + " weights, expected " + inputs);
            }
            System.arraycopy(rows[j], 0, flat, j * inputs, inputs);
        }
        return new DenseLayer(inputs, rows.length, flat, bias, delta);
    }

    /** Plaintext reference: the exact integer result for one input vector. */
    public long[] apply(long[] x) {
        if (x.length != inputs) {
            throw new IllegalArgumentException("input has " + x.length + " values, expected " + inputs);
        }
        long[] out = bias.clone();
        for (int j = 0; j < outputs; j++) {
            for (int i = 0; i < inputs; i++) {
                out[j] += weights[j * inputs + i] * x[i];
            }
        }
        return out;
    }

    /** Squared L2 norm of row j: the factor by which the layer multiplies input noise variance. */
    public double rowNormSquared(int j) {
        double s = 0;
        for (int i = 0; i < inputs; i++) {
            double w = weights[j * inputs + i];
            s += w * w;
        }
        return s;
    }

    @Override
    public long[] weights() {
        return weights.clone();
    }

    @Override
    public long[] bias() {
        return bias.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DenseLayer d && d.inputs == inputs && d.outputs == outputs && d.delta == delta
                && Arrays.equals(d.weights, weights) && Arrays.equals(d.bias, bias);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(weights) + Arrays.hashCode(bias);
    }

    @Override
    public String toString() {
        return "DenseLayer[" + inputs + " -> " + outputs + ", delta=" + Long.toUnsignedString(delta) + "]";
    }
}
