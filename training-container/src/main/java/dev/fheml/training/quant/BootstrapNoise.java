package dev.fheml.training.quant;

/**
 * The plaintext model of the bootstrap's approximate reading of an accumulator: the engine maps a
 * neuron's calibrated range, widened by {@code marginFraction} of its width on each side, onto
 * {@code positions} bootstrap input positions, and reads the position with Gaussian noise of
 * {@code sigmaPositions} positions. In accumulator units the noise is therefore
 * {@code N(0, (sigmaPositions * width * (1 + 2 * marginFraction) / positions)^2)}.
 *
 * @param positions      usable bootstrap input positions (2048 for N = 2048 with a padding bit)
 * @param sigmaPositions noise standard deviation in positions, {@code >= 0} (0 = exact reading)
 * @param marginFraction safety margin added on each side of the range, as a fraction of its width
 */
public record BootstrapNoise(int positions, double sigmaPositions, double marginFraction) {
  /** Positions for the N = 2048 parameter family. */
  public static final int DEFAULT_POSITIONS = 2048;
  /** The noise the engine's noise model predicts for the 2_2 geometry (DESIGN.md section 3). */
  public static final double DEFAULT_SIGMA_POSITIONS = 7.0;
  /** Default safety margin on each side of a calibrated range. */
  public static final double DEFAULT_MARGIN_FRACTION = 0.05;

  /** Validates the fields. */
  public BootstrapNoise {
    if (positions < 2) {
      throw new IllegalArgumentException("positions must be >= 2: " + positions);
    }
    if (!(sigmaPositions >= 0) || !Double.isFinite(sigmaPositions)) {
      throw new IllegalArgumentException("sigmaPositions must be >= 0: " + sigmaPositions);
    }
    if (!(marginFraction >= 0) || !Double.isFinite(marginFraction)) {
      throw new IllegalArgumentException("marginFraction must be >= 0: " + marginFraction);
    }
  }

  /** 2048 positions, sigma 7 positions, 5 % margin. */
  public static BootstrapNoise defaults() {
    return new BootstrapNoise(DEFAULT_POSITIONS, DEFAULT_SIGMA_POSITIONS, DEFAULT_MARGIN_FRACTION);
  }

  /** The same model with {@code sigma} positions of noise. */
  public BootstrapNoise withSigmaPositions(double sigma) {
    return new BootstrapNoise(positions, sigma, marginFraction);
  }

  /** The width of the range mapped onto the positions, for a calibrated width {@code width}. */
  public double mappedWidth(double width) {
    return width * (1 + 2 * marginFraction);
  }

  /** The noise standard deviation in accumulator units for a neuron of calibrated range {@code width}. */
  public double sigmaAccumulator(double width) {
    return sigmaPositions * mappedWidth(width) / positions;
  }
}
