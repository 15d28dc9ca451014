package dev.fheml.training.job;

import java.util.List;

/**
 * The settings a training run uses where a request may leave them open ({@link DataDefaults}).
 *
 * @param hidden       hidden widths (empty for logreg)
 * @param epochs       epochs
 * @param batchSize    rows per step
 * @param learningRate Adam's initial rate
 * @param augment      whether images are distorted while training
 * @param fromData     what was chosen from the data rather than given, one entry per setting
 */
public record TrainingSettings(List<Integer> hidden, int epochs, int batchSize, double learningRate,
    boolean augment, List<String> fromData) {
  public TrainingSettings {
    hidden = List.copyOf(hidden);
    fromData = List.copyOf(fromData);
  }

  /** One line for the log: the settings chosen from the data, if any. */
  public String describe() {
    return fromData.isEmpty() ? "settings: all given" : "settings chosen from the data: " + String.join(", ", fromData);
  }
}
