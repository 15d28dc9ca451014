package dev.fheml.training.compile;

/**
 * What the compiler predicts for one stage.
 *
 * @param stage        a short name ("layer 1 (784->64) -> bootstrap", "response"...)
 * @param bootstraps   bootstraps per query in this stage
 * @param sigma        largest predicted noise standard deviation, in the stage's natural unit
 * @param unit         that unit ("positions" for bootstrap reads, "output units" for outputs)
 * @param marginSigmas smallest distance to a catastrophic failure (a read in a table's mirrored
 *                     half, an output decoded beyond its tolerance), in sigmas
 * @param log2PFail    log2 of the probability of a catastrophic failure in this stage, per query (sum
 *                     over its values; -Infinity when none is possible)
 * @param detail       scales and sizes chosen
 */
public record StageReport(String stage, int bootstraps, double sigma, String unit, double marginSigmas,
    double log2PFail, String detail) {

  @Override
  public String toString() {
    return String.format("%-32s bootstraps %4d  sigma %.3g %s  margin %.1f sigma  p_fail 2^%.1f  %s", stage,
        bootstraps, sigma, unit, marginSigmas, log2PFail, detail);
  }
}
