package dev.fheml.training.train;

import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.QuantizedModel;
import java.time.Duration;
import java.util.List;

/**
 * What training produced.
 *
 * @param floatModel     the float model of the selected epoch
 * @param quantizedModel its quantized integer model, ranges calibrated on all the training data
 * @param history        one report per epoch
 * @param bestEpoch      the 1-based epoch selected on validation accuracy (the last without validation)
 * @param duration       wall time of the training
 */
public record TrainingResult(FloatModel floatModel, QuantizedModel quantizedModel,
    List<EpochReport> history, int bestEpoch, Duration duration) {

  /** Copies the history. */
  public TrainingResult {
    history = List.copyOf(history);
  }
}
