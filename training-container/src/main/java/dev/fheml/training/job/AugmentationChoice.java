package dev.fheml.training.job;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.PrintStream;
import java.util.Optional;

/**
 * Decides image augmentation on the validation split when the request leaves it open: trains once
 * without and once with it and keeps the model whose selected epoch has the better validation
 * accuracy (ties: without). Distortions tuned for handwritten digits gain 0.4 points on MNIST and cost
 * 4 on clothing images of the same size, and nothing in the data tells the two apart but training.
 */
final class AugmentationChoice {
  private AugmentationChoice() {}

  /** What was trained, with the configuration that made it. */
  record Choice(TrainingConfig config, TrainingResult result) {}

  /**
   * @param plain     the configuration without augmentation
   * @param augmented the same with the image augmentation
   */
  static Choice choose(TrainingConfig plain, ImageAugmentation augmented, Dataset train, ProgressListener progress,
      PrintStream log) {
    log.println("augment not given: training without and with image augmentation, keeping the better on the"
        + " validation split");
    TrainingResult without = new Trainer(plain, progress).train(train);
    TrainingConfig withConfig = plain.toBuilder().augmentation(augmented).build();
    TrainingResult with = new Trainer(withConfig, progress).train(train);
    double a = validationAccuracy(without);
    double b = validationAccuracy(with);
    boolean augment = b > a;
    log.printf("validation accuracy %.4f without augmentation, %.4f with: %s%n", a, b,
        augment ? "augmented" : "not augmented");
    return augment ? new Choice(withConfig, with) : new Choice(plain, without);
  }

  private static double validationAccuracy(TrainingResult r) {
    return Optional.of(r.bestEpoch()).filter(e -> e >= 1 && e <= r.history().size())
        .map(e -> r.history().get(e - 1).validationAccuracy()).filter(Double::isFinite).orElse(-1.0);
  }
}
