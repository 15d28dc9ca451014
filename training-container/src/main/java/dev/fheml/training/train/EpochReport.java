package dev.fheml.training.train;

import java.time.Duration;

/**
 * Progress after one training epoch.
 *
 * @param epoch                   1-based epoch number
 * @param epochs                  total epochs
 * @param loss                    mean training cross-entropy over the epoch (as trained: quantized,
 *                                noisy, augmented)
 * @param validationAccuracy      exact integer (quantized) accuracy on the validation split
 * @param validationNoisyAccuracy the same with the bootstrap noise simulated
 * @param learningRate            the learning rate at the end of the epoch
 * @param elapsed                 time since training started
 */
public record EpochReport(int epoch, int epochs, double loss, double validationAccuracy,
    double validationNoisyAccuracy, double learningRate, Duration elapsed) {

  /** One line: epoch, loss, validation accuracies, elapsed seconds. */
  public String format() {
    return String.format("epoch %3d/%d  loss %.4f  val_acc_q %.4f  val_acc_noisy %.4f  lr %.2e  %6.1fs",
        epoch, epochs, loss, validationAccuracy, validationNoisyAccuracy, learningRate,
        elapsed.toMillis() / 1000.0);
  }
}
