package dev.fheml.training.onnx;

import java.util.Arrays;

/**
 * The affine ONNX operators as {@link SparseRows} on the flattened activation (batch dimension
 * removed, row-major like ONNX's NCHW): each builder takes the activation's shape and the operator's
 * constant operands and returns the map and the output shape. Shapes: images {@code [C, H, W]},
 * vectors {@code [F]}.
 */
final class LinearOps {
  private LinearOps() {}

  /** A map and the shape of what it produces. */
  record Op(SparseRows rows, int[] shape) {}

  static int size(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /**
   * 2-D convolution, {@code group = 1}: weights {@code [M, C, kH, kW]}, optional bias {@code [M]},
   * pads {@code [top, left, bottom, right]}.
   */
  static Op conv(int[] in, double[] w, int[] wDims, double[] b, int[] strides, int[] pads, int[] dilations) {
    int c = in[0];
    int h = in[1];
    int wd = in[2];
    int m = wDims[0];
    int kh = wDims[2];
    int kw = wDims[3];
    int oh = (h + pads[0] + pads[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1;
    int ow = (wd + pads[1] + pads[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1;
    if (oh < 1 || ow < 1) {
      throw new OnnxImportException("the kernel " + kh + "x" + kw + " does not fit the " + h + "x" + wd + " input");
    }
    int outputs = m * oh * ow;
    int[][] index = new int[outputs][];
    double[][] coef = new double[outputs][];
    double[] bias = new double[outputs];
    int[] idx = new int[c * kh * kw];
    double[] cf = new double[idx.length];
    for (int f = 0; f < m; f++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int n = 0;
          for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
              int iy = oy * strides[0] - pads[0] + ky * dilations[0];
              if (iy < 0 || iy >= h) {
                continue;
              }
              for (int kx = 0; kx < kw; kx++) {
                int ix = ox * strides[1] - pads[1] + kx * dilations[1];
                if (ix < 0 || ix >= wd) {
                  continue;
                }
                idx[n] = (ch * h + iy) * wd + ix;
                cf[n] = w[((f * c + ch) * kh + ky) * kw + kx];
                n++;
              }
            }
          }
          int o = (f * oh + oy) * ow + ox;
          index[o] = Arrays.copyOf(idx, n);
          coef[o] = Arrays.copyOf(cf, n);
          bias[o] = b == null ? 0 : b[f];
        }
      }
    }
    return new Op(new SparseRows(size(in), index, coef, bias), new int[] {m, oh, ow});
  }

  /**
   * Average pooling over {@code [C, H, W]}: the divisor is the window's positions inside the input,
   * or inside the padded input with {@code countIncludePad}.
   */
  static Op averagePool(int[] in, int[] kernel, int[] strides, int[] pads, boolean ceilMode,
      boolean countIncludePad) {
    int c = in[0];
    int h = in[1];
    int w = in[2];
    int oh = outputSize(h, pads[0], pads[2], kernel[0], strides[0], ceilMode);
    int ow = outputSize(w, pads[1], pads[3], kernel[1], strides[1], ceilMode);
    int outputs = c * oh * ow;
    int[][] index = new int[outputs][];
    double[][] coef = new double[outputs][];
    int[] idx = new int[kernel[0] * kernel[1]];
    for (int ch = 0; ch < c; ch++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int n = 0;
          int padded = 0;
          for (int ky = 0; ky < kernel[0]; ky++) {
            int iy = oy * strides[0] - pads[0] + ky;
            for (int kx = 0; kx < kernel[1]; kx++) {
              int ix = ox * strides[1] - pads[1] + kx;
              boolean inPadded = iy >= -pads[0] && iy < h + pads[2] && ix >= -pads[1] && ix < w + pads[3];
              padded += inPadded ? 1 : 0;
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                idx[n++] = (ch * h + iy) * w + ix;
              }
            }
          }
          int o = (ch * oh + oy) * ow + ox;
          int divisor = countIncludePad ? padded : n;
          index[o] = Arrays.copyOf(idx, n);
          coef[o] = new double[n];
          Arrays.fill(coef[o], divisor == 0 ? 0 : 1.0 / divisor);
        }
      }
    }
    return new Op(new SparseRows(size(in), index, coef, new double[outputs]), new int[] {c, oh, ow});
  }

  private static int outputSize(int input, int padBegin, int padEnd, int kernel, int stride, boolean ceil) {
    int span = input + padBegin + padEnd - kernel;
    if (span < 0) {
      throw new OnnxImportException("the pooling window " + kernel + " is larger than the padded input "
          + (input + padBegin + padEnd));
    }
    int size = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
    // With ceil_mode, a last window that would start in the end padding is dropped (as PyTorch exports it).
    if (ceil && (size - 1) * stride >= input + padBegin) {
      size--;
    }
    return size;
  }

  /** Per-channel {@code y = gamma (x - mean) / sqrt(var + eps) + beta} over {@code [C, ...]}. */
  static Op batchNorm(int[] in, double[] gamma, double[] beta, double[] mean, double[] var, double eps) {
    int c = in[0];
    int per = size(in) / c;
    double[] scale = new double[size(in)];
    double[] shift = new double[scale.length];
    for (int ch = 0; ch < c; ch++) {
      double s = gamma[ch] / Math.sqrt(var[ch] + eps);
      for (int k = 0; k < per; k++) {
        scale[ch * per + k] = s;
        shift[ch * per + k] = beta[ch] - s * mean[ch];
      }
    }
    return new Op(SparseRows.diagonal(scale, shift), in.clone());
  }

  /** {@code y = x W + b} with {@code W} given as {@code [K, M]} (MatMul, Gemm without transB). */
  static Op matMul(int inputs, double[] w, int k, int m, double[] bias) {
    if (k != inputs) {
      throw new OnnxImportException("the weight matrix is " + k + "x" + m + " but the activation has " + inputs
          + " values");
    }
    double[] t = new double[m * k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < m; j++) {
        t[j * k + i] = w[i * m + j];
      }
    }
    return new Op(SparseRows.dense(k, t, bias == null ? new double[m] : bias), new int[] {m});
  }

  /** Element-wise {@code y = a * x + c} over the activation (a Scaler, a broadcast Add/Sub/Mul/Div). */
  static Op elementwise(int[] in, double[] scale, double[] shift) {
    return new Op(SparseRows.diagonal(scale, shift), in.clone());
  }
}
