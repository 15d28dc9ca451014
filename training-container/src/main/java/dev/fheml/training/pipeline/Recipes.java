package dev.fheml.training.pipeline;

import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.TrainingConfig;
import java.util.List;

/** The measured default recipes (see training-container/README.md for the trade-offs). */
public final class Recipes {
  /** Elastic distortion of training images, in pixels (the measured best for MNIST). */
  public static final double ELASTIC_PIXELS = 1.5;
  /** Control points per axis of the elastic distortion. */
  public static final int ELASTIC_GRID = 4;

  private Recipes() {}

  /** Epochs when none are given: 30 for logistic regression, 100 for an MLP. */
  public static int defaultEpochs(List<Integer> hidden) {
    return hidden.isEmpty() ? 30 : 100;
  }

  /**
   * MNIST: 4-bit inputs, weights and activations; the MLP trains with affine + elastic
   * augmentation and the bootstrap's reading noise injected.
   *
   * @param hidden empty for logistic regression
   */
  public static TrainingConfig mnist(List<Integer> hidden, Integer epochs, long seed) {
    TrainingConfig.Builder b = TrainingConfig.builder().hiddenSizes(hidden).bits(new QuantBits(4, 4, 4))
        .noise(BootstrapNoise.defaults()).seed(seed)
        .epochs(epochs != null ? epochs : defaultEpochs(hidden))
        .scaler(MinMaxScaler.fixed(28 * 28, 0, Mnist.MAX_PIXEL));
    if (!hidden.isEmpty()) {
      b.augmentation(ImageAugmentation.mnistDefaults().withElastic(ELASTIC_PIXELS, ELASTIC_GRID));
    }
    return b.build();
  }
}
