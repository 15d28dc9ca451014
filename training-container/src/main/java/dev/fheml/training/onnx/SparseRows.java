package dev.fheml.training.onnx;

/**
 * A linear map given row by row, {@code out[o] = bias[o] + sum_k coef[o][k] * in[index[o][k]]}: how
 * each ONNX operator of the affine kind (Conv, Gemm, pooling, BatchNormalization, Scaler...) acts on
 * the flattened tensor. Sparse, because a convolution or a pooling output reads a few inputs.
 */
final class SparseRows {
  final int inputs;
  final int[][] index;
  final double[][] coef;
  final double[] bias;

  SparseRows(int inputs, int[][] index, double[][] coef, double[] bias) {
    if (index.length != coef.length || index.length != bias.length) {
      throw new IllegalArgumentException("rows, coefficients and biases disagree");
    }
    this.inputs = inputs;
    this.index = index;
    this.coef = coef;
    this.bias = bias;
  }

  int outputs() {
    return bias.length;
  }

  /** A dense matrix (row-major {@code outputs x inputs}) plus bias as rows. */
  static SparseRows dense(int inputs, double[] weights, double[] bias) {
    int outputs = bias.length;
    int[] all = new int[inputs];
    for (int i = 0; i < inputs; i++) {
      all[i] = i;
    }
    int[][] index = new int[outputs][];
    double[][] coef = new double[outputs][];
    for (int o = 0; o < outputs; o++) {
      index[o] = all;
      coef[o] = java.util.Arrays.copyOfRange(weights, o * inputs, (o + 1) * inputs);
    }
    return new SparseRows(inputs, index, coef, bias.clone());
  }

  /** Per-element {@code out[i] = scale[i] * in[i] + shift[i]}. */
  static SparseRows diagonal(double[] scale, double[] shift) {
    int n = scale.length;
    int[][] index = new int[n][];
    double[][] coef = new double[n][];
    for (int i = 0; i < n; i++) {
      index[i] = new int[] {i};
      coef[i] = new double[] {scale[i]};
    }
    return new SparseRows(n, index, coef, shift.clone());
  }
}
