package dev.fheml.training.quant;

/**
 * The symmetric per-neuron weight quantization shared by training (fake quantization) and
 * {@link ModelQuantizer}, so both produce the same integers: for a neuron whose float weights have
 * largest magnitude {@code m}, the scale is {@code s = m / (2^(bits-1) - 1)} and each weight becomes
 * {@code q = clamp(round(w / s))} with round-half-up ({@link Math#round(double)}).
 */
public final class WeightQuantization {
  private WeightQuantization() {
  }

  /** {@code 2^(bits-1) - 1}, the largest weight magnitude for {@code bits} in [2, 16]. */
  public static int maxMagnitude(int bits) {
    if (bits < 2 || bits > 16) {
      throw new IllegalArgumentException("weight bits must be in [2, 16]: " + bits);
    }
    return (1 << (bits - 1)) - 1;
  }

  /**
   * The scale for a neuron whose largest weight magnitude is {@code maxAbs}; {@code 1.0} for an all-zero
   * neuron (any positive scale represents zeros exactly).
   */
  public static double scale(double maxAbs, int bits) {
    return maxAbs > 0 ? maxAbs / maxMagnitude(bits) : 1.0;
  }

  /** The integer weight for {@code w} at {@code scale}, clamped to {@code [-max, max]}. */
  public static int quantize(double w, double scale, int bits) {
    int max = maxMagnitude(bits);
    long q = Math.round(w / scale);
    return (int) Math.max(-max, Math.min(max, q));
  }

  /** The integer bias for {@code b} in units of {@code unit} (weight scale times input scale). */
  public static long quantizeBias(double b, double unit) {
    return Math.round(b / unit);
  }
}
