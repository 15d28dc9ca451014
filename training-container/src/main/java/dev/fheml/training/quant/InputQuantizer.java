package dev.fheml.training.quant;

import dev.fheml.training.data.MinMaxScaler;
import java.util.Objects;

/**
 * What the client does to each raw feature before encryption: scale to [0, 1] with the fitted
 * {@link MinMaxScaler} (clamped), then {@code x = round(u * (2^bits - 1))} (round-half-up), an unsigned
 * integer in {@code [0, 2^bits - 1]}. The real value of one unit is {@link #scale()}.
 *
 * @param scaler the per-feature scaler fitted on the training data
 * @param bits   input bits, 1..16
 */
public record InputQuantizer(MinMaxScaler scaler, int bits) {

  /** Validates the fields. */
  public InputQuantizer {
    Objects.requireNonNull(scaler, "scaler");
    if (bits < 1 || bits > 16) {
      throw new IllegalArgumentException("input bits must be in [1, 16]: " + bits);
    }
  }

  /** Number of features. */
  public int numFeatures() {
    return scaler.numFeatures();
  }

  /** The largest input value {@code 2^bits - 1}. */
  public int maxValue() {
    return (1 << bits) - 1;
  }

  /** The real value of one input unit, {@code 1 / (2^bits - 1)}. */
  public double scale() {
    return 1.0 / maxValue();
  }

  /** The integer for raw value {@code raw} of {@code feature}. */
  public int quantize(int feature, double raw) {
    return (int) Math.round(scaler.transform(feature, raw) * maxValue());
  }

  /**
   * Quantizes one row of raw features.
   *
   * @throws IllegalArgumentException if the row has the wrong length
   */
  public int[] quantize(float[] raw) {
    if (raw.length != numFeatures()) {
      throw new IllegalArgumentException("expected " + numFeatures() + " features, got " + raw.length);
    }
    int[] x = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      x[i] = quantize(i, raw[i]);
    }
    return x;
  }
}
