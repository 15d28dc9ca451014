package dev.fheml.training.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable float dense layer {@code z_j = sum_i w[j][i] * a_i + b_j}: {@code outputs} rows of
 * {@code inputs} weights (row-major, row = output neuron) and one bias per output.
 */
public final class DenseLayer {
  private final int inputs;
  private final int outputs;
  private final float[] weights;
  private final float[] bias;
  /** Nonzero columns per row for a mostly-zero layer, else null (see {@link #sparseRows}). */
  private final int[][] nonzero;

  /**
   * @param weights row-major {@code outputs x inputs}, finite; copied
   * @param bias    {@code outputs} values, finite; copied
   * @throws IllegalArgumentException if the sizes disagree or a value is not finite
   */
  public DenseLayer(int inputs, int outputs, float[] weights, float[] bias) {
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(bias, "bias");
    if (inputs < 1 || outputs < 1) {
      throw new IllegalArgumentException("a layer needs at least one input and output: " + inputs
          + " -> " + outputs);
    }
    if ((long) inputs * outputs != weights.length || bias.length != outputs) {
      throw new IllegalArgumentException("a " + inputs + " -> " + outputs + " layer needs "
          + (long) inputs * outputs + " weights and " + outputs + " biases, got " + weights.length
          + " and " + bias.length);
    }
    for (float w : weights) {
      if (!Float.isFinite(w)) {
        throw new IllegalArgumentException("weight is not finite: " + w);
      }
    }
    for (float b : bias) {
      if (!Float.isFinite(b)) {
        throw new IllegalArgumentException("bias is not finite: " + b);
      }
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.weights = weights.clone();
    this.bias = bias.clone();
    this.nonzero = sparseRows(k -> this.weights[k] != 0, inputs, outputs);
  }

  /**
   * Each row's nonzero columns when at most half the weights are nonzero (an imported convolution
   * expanded to a dense layer reads a few inputs per output), else {@code null}: evaluation then
   * skips the zeros. {@code nonzeroAt} tells whether row-major weight {@code k} is nonzero.
   */
  public static int[][] sparseRows(java.util.function.IntPredicate nonzeroAt, int inputs, int outputs) {
    long nonzeros = 0;
    int total = inputs * outputs;
    for (int k = 0; k < total; k++) {
      nonzeros += nonzeroAt.test(k) ? 1 : 0;
    }
    if (nonzeros * 2 > total) {
      return null;
    }
    int[][] rows = new int[outputs][];
    for (int j = 0; j < outputs; j++) {
      int[] row = new int[inputs];
      int n = 0;
      for (int i = 0; i < inputs; i++) {
        if (nonzeroAt.test(j * inputs + i)) {
          row[n++] = i;
        }
      }
      rows[j] = java.util.Arrays.copyOf(row, n);
    }
    return rows;
  }

  /** Number of inputs. */
  public int inputs() {
    return inputs;
  }

  /** Number of outputs (neurons). */
  public int outputs() {
    return outputs;
  }

  /** The weight from input {@code input} to output {@code output}. */
  public float weight(int output, int input) {
    Objects.checkIndex(output, outputs);
    Objects.checkIndex(input, inputs);
    return weights[output * inputs + input];
  }

  /** The bias of output {@code output}. */
  public float bias(int output) {
    return bias[output];
  }

  /** A copy of the weights, row-major {@code outputs x inputs}. */
  public float[] weights() {
    return weights.clone();
  }

  /** A copy of the biases. */
  public float[] biases() {
    return bias.clone();
  }

  /** {@code z = W a + b} in double precision. */
  public double[] apply(double[] a) {
    if (a.length != inputs) {
      throw new IllegalArgumentException("expected " + inputs + " inputs, got " + a.length);
    }
    double[] z = new double[outputs];
    for (int j = 0; j < outputs; j++) {
      double s = bias[j];
      int off = j * inputs;
      if (nonzero != null) {
        for (int i : nonzero[j]) {
          s += weights[off + i] * a[i];
        }
      } else {
        for (int i = 0; i < inputs; i++) {
          s += weights[off + i] * a[i];
        }
      }
      z[j] = s;
    }
    return z;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DenseLayer l && inputs == l.inputs && Arrays.equals(weights, l.weights)
        && Arrays.equals(bias, l.bias);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(weights) + Arrays.hashCode(bias);
  }

  @Override
  public String toString() {
    return "DenseLayer[" + inputs + " -> " + outputs + "]";
  }
}
