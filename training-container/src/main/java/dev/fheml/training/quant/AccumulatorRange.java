package dev.fheml.training.quant;

/**
 * The calibrated range of one neuron's integer accumulator {@code acc_j = sum_i w_ji x_i + b_j}: its
 * minimum and maximum over the calibration (training) data. The FHE compiler maps this range, widened by
 * a safety margin, onto the bootstrap's input positions.
 *
 * @param min smallest accumulator seen
 * @param max largest accumulator seen, {@code >= min}
 */
public record AccumulatorRange(long min, long max) {

  /** Validates {@code min <= max}. */
  public AccumulatorRange {
    if (min > max) {
      throw new IllegalArgumentException("accumulator range min " + min + " > max " + max);
    }
  }

  /** {@code max - min}. */
  public long width() {
    return max - min;
  }

  /**
   * The saturation range: {@code [floor(min - margin * width), ceil(max + margin * width)]}. The
   * bootstrap reads an accumulator outside it as the nearer end (it saturates, never wraps).
   */
  public AccumulatorRange widened(double marginFraction) {
    double m = marginFraction * width();
    return new AccumulatorRange((long) Math.floor(min - m), (long) Math.ceil(max + m));
  }

  /** {@code acc} moved into this range. */
  public double clamp(double acc) {
    return Math.max(min, Math.min(max, acc));
  }

  /** Whether {@code acc} lies in {@code [min - margin * width, max + margin * width]}. */
  public boolean contains(double acc, double marginFraction) {
    double m = marginFraction * width();
    return acc >= min - m && acc <= max + m;
  }
}
