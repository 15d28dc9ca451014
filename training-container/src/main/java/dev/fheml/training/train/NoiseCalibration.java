package dev.fheml.training.train;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.InputQuantizer;
import java.util.Arrays;

/**
 * Estimates, on calibration rows, each hidden neuron's pre-activation range under the current
 * (quantized) weights and from it the bootstrap noise to inject during training; optionally first
 * initialises each ReLU clip to a percentile of the positive pre-activations.
 */
final class NoiseCalibration {
  private NoiseCalibration() {
  }

  /**
   * @param clipPercentile NaN to keep the clips, else the percentile that initialises them
   */
  static void update(QatNetwork net, InputQuantizer inputs, Dataset calibration, BootstrapNoise noise,
      double clipPercentile) {
    int hidden = net.layers() - 1;
    if (!Double.isNaN(clipPercentile)) {
      for (int l = 0; l < hidden; l++) {
        net.refreshEffectiveWeights();
        float[] values = collect(net, inputs, calibration, l, null, null);
        net.clip[l] = percentileOfPositive(values, clipPercentile);
      }
    }
    net.refreshEffectiveWeights();
    for (int l = 0; l < hidden; l++) {
      int m = net.size(l + 1);
      float[] lo = new float[m];
      float[] hi = new float[m];
      Arrays.fill(lo, Float.POSITIVE_INFINITY);
      Arrays.fill(hi, Float.NEGATIVE_INFINITY);
      collect(net, inputs, calibration, l, lo, hi);
      float[] sd = new float[m];
      for (int j = 0; j < m; j++) {
        sd[j] = (float) noise.sigmaAccumulator(Math.max(0f, hi[j] - lo[j]));
      }
      net.setNoise(l, sd);
    }
  }

  /** Runs noiseless forward passes; returns all pre-activations of layer {@code l} or tracks min/max. */
  private static float[] collect(QatNetwork net, InputQuantizer inputs, Dataset data, int l, float[] lo,
      float[] hi) {
    int m = net.size(l + 1);
    int cap = net.capacity();
    int d = data.numFeatures();
    float[] all = lo == null ? new float[data.size() * m] : null;
    float[] buffer = net.inputBuffer();
    float[] raw = new float[d];
    for (int start = 0; start < data.size(); start += cap) {
      int rows = Math.min(cap, data.size() - start);
      for (int k = 0; k < rows; k++) {
        data.copyRow(start + k, raw, 0);
        BatchSource.quantize(inputs, raw, buffer, k * d);
      }
      net.forward(rows, null);
      float[] z = net.preActivations(l);
      if (all != null) {
        System.arraycopy(z, 0, all, start * m, rows * m);
      } else {
        for (int k = 0; k < rows * m; k++) {
          int j = k % m;
          lo[j] = Math.min(lo[j], z[k]);
          hi[j] = Math.max(hi[j], z[k]);
        }
      }
    }
    return all;
  }

  /** The {@code p}-quantile of the positive values (1.0 if there are none). */
  static float percentileOfPositive(float[] values, double p) {
    float[] pos = new float[values.length];
    int n = 0;
    for (float v : values) {
      if (v > 0) {
        pos[n++] = v;
      }
    }
    if (n == 0) {
      return 1f;
    }
    Arrays.sort(pos, 0, n);
    int idx = (int) Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
    return pos[idx];
  }
}
