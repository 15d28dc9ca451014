package dev.fheml.training.compile;

import dev.fheml.core.FheParameters;
import dev.fheml.training.quant.BootstrapNoise;

/**
 * Compiler settings.
 *
 * @param parameters     the parameter set ({@link FheParameters#PBS_L2} by default: its bootstrap
 *                       output is quiet enough for the levelled output layer)
 * @param rangeMargin    calibrated accumulator ranges are widened by this fraction of their width on
 *                       each side before being mapped onto the bootstrap's positions
 * @param noiseSigmas    positions kept free at both ends of the bootstrap's input range, in standard
 *                       deviations of its predicted reading noise (wrap-around protection)
 */
public record CompileOptions(FheParameters parameters, double rangeMargin, double noiseSigmas) {
  public CompileOptions {
    java.util.Objects.requireNonNull(parameters, "parameters");
    if (!(rangeMargin >= 0) || !(noiseSigmas >= 0)) {
      throw new IllegalArgumentException("margins must be non-negative");
    }
  }

  public static CompileOptions defaults() {
    // The range margin is the one the training noise model assumes: both describe the same mapping.
    return new CompileOptions(FheParameters.byName(FheParameters.PBS_L2), BootstrapNoise.DEFAULT_MARGIN_FRACTION, 6.0);
  }

  public CompileOptions withParameters(FheParameters set) {
    return new CompileOptions(set, rangeMargin, noiseSigmas);
  }

  public CompileOptions withNoiseSigmas(double sigmas) {
    return new CompileOptions(parameters, rangeMargin, sigmas);
  }
}
