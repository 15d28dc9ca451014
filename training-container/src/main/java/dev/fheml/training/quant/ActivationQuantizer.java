package dev.fheml.training.quant;

/**
 * The activation the bootstrap's lookup table computes: ReLU then unsigned requantization,
 * {@code a = clamp(round(max(real, 0) / scale), 0, 2^bits - 1)} with round-half-up, where {@code real}
 * is the dequantized pre-activation. The represented value is {@code a * scale}; {@code scale} is the
 * input scale of the next layer.
 *
 * @param scale the real value of one activation step, positive and finite
 * @param bits  activation bits, 1..16
 */
public record ActivationQuantizer(double scale, int bits) {

  /** Validates the fields. */
  public ActivationQuantizer {
    if (!(scale > 0) || !Double.isFinite(scale)) {
      throw new IllegalArgumentException("activation scale must be positive and finite: " + scale);
    }
    if (bits < 1 || bits > 16) {
      throw new IllegalArgumentException("activation bits must be in [1, 16]: " + bits);
    }
  }

  /** The quantizer whose largest level represents {@code clip}: {@code scale = clip / (2^bits - 1)}. */
  public static ActivationQuantizer forClip(double clip, int bits) {
    return new ActivationQuantizer(clip / ((1 << bits) - 1), bits);
  }

  /** The largest activation {@code 2^bits - 1}. */
  public int maxLevel() {
    return (1 << bits) - 1;
  }

  /** The real value of the largest level. */
  public double clip() {
    return scale * maxLevel();
  }

  /** The activation level for a real pre-activation value (NaN counts as 0). */
  public int quantize(double real) {
    double v = real / scale;
    if (!(v > 0)) {
      return 0;
    }
    long q = Math.round(v);
    return (int) Math.min(q, maxLevel());
  }
}
