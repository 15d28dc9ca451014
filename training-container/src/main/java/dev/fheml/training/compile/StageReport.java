package dev.fheml.training.compile;

/**
 * What the compiler predicts for one stage.
 *
 * @param stage       a short name ("layer 1 -> bootstrap", "output layer"...)
 * @param bootstraps  bootstraps per query in this stage
 * @param sigma       predicted noise standard deviation, in the stage's natural unit
 * @param unit        that unit ("positions" for bootstrap reads, "logit units" for outputs)
 * @param marginSigmas distance to the nearest failure (wrap or misdecoding), in sigmas
 * @param detail      scales and sizes chosen
 */
public record StageReport(String stage, int bootstraps, double sigma, String unit, double marginSigmas,
    String detail) {

  @Override
  public String toString() {
    return String.format("%-28s bootstraps %4d  sigma %.3g %s  margin %.1f sigma  %s", stage, bootstraps, sigma,
        unit, marginSigmas, detail);
  }
}
