package dev.fheml.training.onnx;

import java.util.Arrays;

/**
 * A dense affine map {@code y = W x + b} (row-major weights) between two activations of the imported
 * network: everything linear between two ReLUs composed into one, which the FHE compiler turns into
 * one dense layer. Immutable.
 */
final class AffineMap {
  final int inputs;
  final int outputs;
  final double[] weights;
  final double[] bias;

  AffineMap(int inputs, int outputs, double[] weights, double[] bias) {
    if ((long) inputs * outputs != weights.length || bias.length != outputs) {
      throw new IllegalArgumentException(inputs + " -> " + outputs + " needs " + (long) inputs * outputs
          + " weights and " + outputs + " biases");
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.weights = weights;
    this.bias = bias;
  }

  /** The map {@code rows} as a dense affine map. */
  static AffineMap of(SparseRows rows) {
    int n = rows.inputs;
    int m = rows.outputs();
    double[] w = new double[Math.multiplyExact(n, m)];
    for (int o = 0; o < m; o++) {
      int[] idx = rows.index[o];
      double[] c = rows.coef[o];
      for (int k = 0; k < idx.length; k++) {
        w[o * n + idx[k]] += c[k];
      }
    }
    return new AffineMap(n, m, w, rows.bias.clone());
  }

  /** {@code op} applied after this map: the composition, still from this map's inputs. */
  AffineMap then(SparseRows op) {
    if (op.inputs != outputs) {
      throw new IllegalArgumentException("an operator on " + op.inputs + " values after a map to " + outputs);
    }
    int m = op.outputs();
    double[] w = new double[Math.multiplyExact(inputs, m)];
    double[] b = new double[m];
    for (int o = 0; o < m; o++) {
      int[] idx = op.index[o];
      double[] c = op.coef[o];
      double acc = op.bias[o];
      int row = o * inputs;
      for (int k = 0; k < idx.length; k++) {
        double ck = c[k];
        if (ck == 0) {
          continue;
        }
        int from = idx[k] * inputs;
        for (int i = 0; i < inputs; i++) {
          w[row + i] += ck * weights[from + i];
        }
        acc += ck * bias[idx[k]];
      }
      b[o] = acc;
    }
    return new AffineMap(inputs, m, w, b);
  }

  double[] apply(double[] x) {
    double[] y = bias.clone();
    for (int o = 0; o < outputs; o++) {
      double s = 0;
      int row = o * inputs;
      for (int i = 0; i < inputs; i++) {
        s += weights[row + i] * x[i];
      }
      y[o] += s;
    }
    return y;
  }

  @Override
  public String toString() {
    return "AffineMap[" + inputs + " -> " + outputs + ", nonzero " + Arrays.stream(weights).filter(v -> v != 0).count()
        + "]";
  }
}
