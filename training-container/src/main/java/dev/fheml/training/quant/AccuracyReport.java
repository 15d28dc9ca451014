package dev.fheml.training.quant;

/**
 * The result of evaluating a model on a labelled dataset.
 *
 * @param total      rows evaluated
 * @param correct    rows whose prediction equals the label
 * @param outOfRange hidden accumulators outside their calibrated range plus margin (0 for float or
 *                   linear models)
 */
public record AccuracyReport(int total, int correct, long outOfRange) {

  /** {@code correct / total}, 0 for an empty dataset. */
  public double accuracy() {
    return total == 0 ? 0.0 : (double) correct / total;
  }

  @Override
  public String toString() {
    return String.format("%.4f (%d/%d, %d out of range)", accuracy(), correct, total, outOfRange);
  }
}
