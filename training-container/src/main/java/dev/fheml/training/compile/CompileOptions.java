package dev.fheml.training.compile;

import dev.fheml.core.FheParameters;
import dev.fheml.training.quant.BootstrapNoise;

/**
 * Compiler settings.
 *
 * @param parameters           the parameter set ({@link FheParameters#PBS_L2} by default: its bootstrap
 *                             output is quiet enough for the levelled layers)
 * @param rangeMargin          calibrated accumulator ranges are widened by this fraction of their width on
 *                             each side; outside that range a bootstrap saturates (reads the nearer end)
 * @param log2PFailBound       log2 of the largest accepted probability of a catastrophic failure per
 *                             query (a read in a table's mirrored half, or an output decoded beyond its
 *                             tolerance); the compiler sizes every margin from it and refuses a model it
 *                             cannot bring under it (default -40)
 * @param sanitize             end every output in a saturating bootstrap and re-randomize the response
 *                             under the client's public key (default), so the response is no longer a
 *                             levelled function of the weights; off saves one bootstrap per output
 * @param outputToleranceUnits without sanitization, how far (in output units) a decoded levelled output
 *                             may be from the exact one before it counts as a failure
 * @param rangeReduction       let the compiler put a range-reduction bootstrap before a layer's bootstrap
 *                             where the worst-case accumulators leave its activation steps too few
 *                             positions against the reading noise (one more bootstrap per neuron of
 *                             such a layer; see {@link FheCompiler}); off by default
 * @param chooseParameters     compile for every vetted set and keep the cheapest that is as precise as the
 *                             best ({@link ParameterChoice}); {@code parameters} is then only the set a
 *                             single compilation uses. Off in {@link #defaults()}; requests turn it on
 *                             unless a set is named
 */
public record CompileOptions(FheParameters parameters, double rangeMargin, double log2PFailBound, boolean sanitize,
    int outputToleranceUnits, boolean rangeReduction, boolean chooseParameters) {
  /** The default bound: at most 2^-40 catastrophic failures per query. */
  public static final double DEFAULT_LOG2_P_FAIL = -40;

  public CompileOptions {
    java.util.Objects.requireNonNull(parameters, "parameters");
    if (!(rangeMargin >= 0)) {
      throw new IllegalArgumentException("the range margin must be non-negative: " + rangeMargin);
    }
    if (!(log2PFailBound < 0) || log2PFailBound < -1000) {
      throw new IllegalArgumentException("the p_fail bound must be in [2^-1000, 1): 2^" + log2PFailBound);
    }
    if (outputToleranceUnits < 0) {
      throw new IllegalArgumentException("the output tolerance must be non-negative: " + outputToleranceUnits);
    }
  }

  public static CompileOptions defaults() {
    // The range margin is the one the training noise model assumes: both describe the same mapping.
    return new CompileOptions(FheParameters.byName(FheParameters.PBS_L2), BootstrapNoise.DEFAULT_MARGIN_FRACTION,
        DEFAULT_LOG2_P_FAIL, true, 2, false, false);
  }

  public CompileOptions withParameters(FheParameters set) {
    return new CompileOptions(set, rangeMargin, log2PFailBound, sanitize, outputToleranceUnits, rangeReduction, chooseParameters);
  }

  public CompileOptions withRangeMargin(double margin) {
    return new CompileOptions(parameters, margin, log2PFailBound, sanitize, outputToleranceUnits, rangeReduction, chooseParameters);
  }

  public CompileOptions withLog2PFailBound(double log2Bound) {
    return new CompileOptions(parameters, rangeMargin, log2Bound, sanitize, outputToleranceUnits, rangeReduction, chooseParameters);
  }

  public CompileOptions withSanitize(boolean on) {
    return new CompileOptions(parameters, rangeMargin, log2PFailBound, on, outputToleranceUnits, rangeReduction, chooseParameters);
  }

  /** Exactly {@code set}, or (empty) the compiler's choice among the vetted sets. */
  public CompileOptions withParameterChoice(java.util.Optional<FheParameters> set) {
    return new CompileOptions(set.orElse(parameters), rangeMargin, log2PFailBound, sanitize, outputToleranceUnits,
        rangeReduction, set.isEmpty());
  }

  public CompileOptions withRangeReduction(boolean on) {
    return new CompileOptions(parameters, rangeMargin, log2PFailBound, sanitize, outputToleranceUnits, on, chooseParameters);
  }
}
