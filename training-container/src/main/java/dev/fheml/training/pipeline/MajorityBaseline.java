package dev.fheml.training.pipeline;

import dev.fheml.training.data.Dataset;
import java.util.Optional;

/**
 * The accuracy of a model that always answers the most frequent class of the test rows: a model
 * that does not clearly beat it has learned little, however well its encrypted predictions agree with
 * its quantized ones (which is all the smoke test checks).
 *
 * @param className the most frequent class
 * @param accuracy  its share of the test rows
 */
public record MajorityBaseline(String className, double accuracy) {
  /**
   * A model closing less than this share of the gap between the baseline and a perfect score is
   * flagged as undertrained (or as fitting data that does not predict the label).
   */
  static final double MIN_GAP_CLOSED = 0.25;

  /** The baseline of {@code test}. */
  public static MajorityBaseline of(Dataset test) {
    int[] counts = new int[test.numClasses()];
    for (int r = 0; r < test.size(); r++) {
      counts[test.label(r)]++;
    }
    int best = 0;
    for (int k = 1; k < counts.length; k++) {
      best = counts[k] > counts[best] ? k : best;
    }
    double share = test.size() == 0 ? 0 : (double) counts[best] / test.size();
    return new MajorityBaseline(test.classNames().get(best), share);
  }

  /** One line for the log: the accuracy next to the baseline. */
  public String describe(double accuracy) {
    return String.format("accuracy quantized %.4f, majority-class baseline %.4f (always '%s')", accuracy,
        this.accuracy, className);
  }

  /** A warning when {@code accuracy} is too close to the baseline, saying what to try. */
  public Optional<String> warning(double accuracy) {
    if (accuracy >= this.accuracy + MIN_GAP_CLOSED * (1 - this.accuracy)) {
      return Optional.empty();
    }
    return Optional.of(String.format("WARNING: accuracy %.4f is close to the %.4f of always answering '%s': the model"
        + " has learned little. Check the label column, then try more epochs, a larger learning_rate or batch_size"
        + " suited to the rows, or more input_bits", accuracy, this.accuracy, className));
  }
}
