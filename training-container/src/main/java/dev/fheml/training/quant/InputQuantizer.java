package dev.fheml.training.quant;

import dev.fheml.core.circuit.InputEncoding;
import dev.fheml.training.data.MinMaxScaler;
import java.util.Objects;

/**
 * What the client does to each raw feature before encryption, with the min/max of a fitted
 * {@link MinMaxScaler}: the client's own {@link InputEncoding} (clamped scaling to [0, 1], then
 * {@code x = round(u * (2^bits - 1))}, half up), so training and the client cannot disagree. The real
 * value of one unit is {@link #scale()}. Immutable and thread-safe.
 */
public final class InputQuantizer {
  private final MinMaxScaler scaler;
  private final int bits;
  private final InputEncoding encoding;

  /**
   * @param scaler the per-feature scaler fitted on the training data
   * @param bits   input bits, 1..16
   * @throws IllegalArgumentException if {@code bits} is out of range
   */
  public InputQuantizer(MinMaxScaler scaler, int bits) {
    this.scaler = Objects.requireNonNull(scaler, "scaler");
    if (bits < 1 || bits > 16) {
      throw new IllegalArgumentException("input bits must be in [1, 16]: " + bits);
    }
    this.bits = bits;
    double[] min = new double[scaler.numFeatures()];
    double[] max = new double[scaler.numFeatures()];
    for (int i = 0; i < min.length; i++) {
      min[i] = scaler.min(i);
      max[i] = scaler.max(i);
    }
    this.encoding = new InputEncoding(min, max, bits);
  }

  /** The per-feature scaler. */
  public MinMaxScaler scaler() {
    return scaler;
  }

  /** Input bits. */
  public int bits() {
    return bits;
  }

  /** The client's encoding with this scaler's ranges: what the compiler puts in the client spec. */
  public InputEncoding encoding() {
    return encoding;
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

  /**
   * Quantizes one row of raw features with {@link #encoding()}.
   *
   * @throws IllegalArgumentException if the row has the wrong length
   */
  public int[] quantize(float[] raw) {
    double[] wide = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      wide[i] = raw[i];
    }
    long[] x = encoding.quantize(wide);
    int[] out = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = (int) x[i]; // at most 2^16 - 1
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InputQuantizer q && q.bits == bits && q.scaler.equals(scaler);
  }

  @Override
  public int hashCode() {
    return 31 * scaler.hashCode() + bits;
  }

  @Override
  public String toString() {
    return "InputQuantizer[" + scaler.numFeatures() + " features, " + bits + " bits]";
  }
}
