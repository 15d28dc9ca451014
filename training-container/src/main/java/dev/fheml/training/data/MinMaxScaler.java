package dev.fheml.training.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-feature min/max scaling to [0, 1]: {@code u = clamp((raw - min) / (max - min), 0, 1)}, with
 * {@code u = 0} for a constant feature ({@code max == min}). Fitted on training data only and stored
 * with the model; values outside the fitted range are clamped, so the result is always in [0, 1].
 * Immutable.
 */
public final class MinMaxScaler {
  private final double[] min;
  private final double[] max;

  /**
   * @param min per-feature minimum, finite
   * @param max per-feature maximum, finite, {@code >= min}
   * @throws IllegalArgumentException if the lengths differ, are 0, or a range is invalid
   */
  public MinMaxScaler(double[] min, double[] max) {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.length != max.length || min.length == 0) {
      throw new IllegalArgumentException("min and max need the same non-zero length: " + min.length
          + " vs " + max.length);
    }
    for (int j = 0; j < min.length; j++) {
      if (!Double.isFinite(min[j]) || !Double.isFinite(max[j]) || max[j] < min[j]) {
        throw new IllegalArgumentException("feature " + j + " has an invalid range [" + min[j] + ", "
            + max[j] + "]");
      }
    }
    this.min = min.clone();
    this.max = max.clone();
  }

  /** Fits the per-feature minimum and maximum of {@code training}. */
  public static MinMaxScaler fit(Dataset training) {
    int d = training.numFeatures();
    double[] lo = new double[d];
    double[] hi = new double[d];
    Arrays.fill(lo, Double.POSITIVE_INFINITY);
    Arrays.fill(hi, Double.NEGATIVE_INFINITY);
    float[] row = new float[d];
    for (int i = 0; i < training.size(); i++) {
      training.copyRow(i, row, 0);
      for (int j = 0; j < d; j++) {
        lo[j] = Math.min(lo[j], row[j]);
        hi[j] = Math.max(hi[j], row[j]);
      }
    }
    if (training.size() == 0) {
      Arrays.fill(lo, 0);
      Arrays.fill(hi, 0);
    }
    return new MinMaxScaler(lo, hi);
  }

  /** The same fixed range {@code [lo, hi]} for all {@code features} (e.g. MNIST pixels: 0..255). */
  public static MinMaxScaler fixed(int features, double lo, double hi) {
    double[] a = new double[features];
    double[] b = new double[features];
    Arrays.fill(a, lo);
    Arrays.fill(b, hi);
    return new MinMaxScaler(a, b);
  }

  /** Number of features. */
  public int numFeatures() {
    return min.length;
  }

  /** The fitted minimum of {@code feature}. */
  public double min(int feature) {
    return min[feature];
  }

  /** The fitted maximum of {@code feature}. */
  public double max(int feature) {
    return max[feature];
  }

  /** Maps a raw value of {@code feature} into [0, 1] (clamped). */
  public double transform(int feature, double raw) {
    double range = max[feature] - min[feature];
    if (range <= 0) {
      return 0.0;
    }
    double u = (raw - min[feature]) / range;
    return u <= 0 ? 0.0 : Math.min(u, 1.0);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MinMaxScaler s && Arrays.equals(min, s.min) && Arrays.equals(max, s.max);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(min) + Arrays.hashCode(max);
  }

  @Override
  public String toString() {
    return "MinMaxScaler[" + min.length + " features]";
  }
}
