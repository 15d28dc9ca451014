package dev.fheml.training.train;

import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything that determines a training run; with the same data and config, training gives the same
 * model bit for bit whatever the thread count. Build with {@link #builder()}.
 *
 * @param hiddenSizes         hidden layer widths; empty = multinomial logistic regression
 * @param bits                input, weight and activation bit widths simulated during training
 * @param noise               bootstrap reading noise injected into hidden pre-activations during
 *                            training ({@code sigmaPositions = 0} disables it); also used for the noisy
 *                            validation accuracy
 * @param epochs              passes over the training split, {@code >= 1}
 * @param batchSize           rows per mini-batch, {@code >= 1}
 * @param learningRate        Adam's initial learning rate, decayed by a cosine to
 *                            {@code learningRate * finalLearningRateFraction}
 * @param finalLearningRateFraction in (0, 1]
 * @param weightDecay         decoupled (AdamW) weight decay on weights, {@code >= 0}
 * @param floatWarmupEpochs   epochs trained without quantization or noise before QAT starts
 * @param validationFraction  share of the training data held out (stratified, seeded) to select the
 *                            best epoch; in [0, 1); 0 keeps the last epoch
 * @param augmentation        random affine distortion of training images, if any
 * @param scaler              a fixed input scaler (e.g. pixels 0..255); empty = fit min/max on the
 *                            training split
 * @param seed                seeds initialisation, shuffling, augmentation, noise and the split
 * @param threads             worker threads, {@code >= 1}
 * @param calibrationRows     training rows used to estimate the accumulator ranges (hence the noise)
 *                            during training and for validation
 * @param clipPercentile      percentile of positive pre-activations that initialises each ReLU clip
 *                            when QAT starts, in (0, 1]
 */
public record TrainingConfig(List<Integer> hiddenSizes, QuantBits bits, BootstrapNoise noise,
    int epochs, int batchSize, double learningRate, double finalLearningRateFraction,
    double weightDecay, int floatWarmupEpochs, double validationFraction,
    Optional<ImageAugmentation> augmentation, Optional<MinMaxScaler> scaler, long seed, int threads,
    int calibrationRows, double clipPercentile) {

  /** Validates the fields. */
  public TrainingConfig {
    hiddenSizes = List.copyOf(hiddenSizes);
    Objects.requireNonNull(bits, "bits");
    Objects.requireNonNull(noise, "noise");
    Objects.requireNonNull(augmentation, "augmentation");
    Objects.requireNonNull(scaler, "scaler");
    for (int h : hiddenSizes) {
      if (h < 1) {
        throw new IllegalArgumentException("hidden sizes must be positive: " + hiddenSizes);
      }
    }
    require(epochs >= 1, "epochs >= 1");
    require(batchSize >= 1, "batchSize >= 1");
    require(learningRate > 0 && Double.isFinite(learningRate), "learningRate > 0");
    require(finalLearningRateFraction > 0 && finalLearningRateFraction <= 1,
        "finalLearningRateFraction in (0, 1]");
    require(weightDecay >= 0, "weightDecay >= 0");
    require(floatWarmupEpochs >= 0 && floatWarmupEpochs < epochs, "0 <= floatWarmupEpochs < epochs");
    require(validationFraction >= 0 && validationFraction < 1, "validationFraction in [0, 1)");
    require(threads >= 1, "threads >= 1");
    require(calibrationRows >= 1, "calibrationRows >= 1");
    require(clipPercentile > 0 && clipPercentile <= 1, "clipPercentile in (0, 1]");
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("invalid training config: need " + what);
    }
  }

  /** Whether this trains a logistic regression (no hidden layer). */
  public boolean isLinear() {
    return hiddenSizes.isEmpty();
  }

  /** A builder with the defaults recommended for an MNIST MLP; see each setter. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builder for {@link TrainingConfig}. */
  public static final class Builder {
    private List<Integer> hiddenSizes = List.of(64);
    private QuantBits bits = new QuantBits(4, 4, 4);
    private BootstrapNoise noise = BootstrapNoise.defaults();
    private int epochs = 100;
    private int batchSize = 64;
    private double learningRate = 2e-3;
    private double finalLearningRateFraction = 0.02;
    private double weightDecay = 1e-4;
    private int floatWarmupEpochs = 0;
    private double validationFraction = 0.1;
    private ImageAugmentation augmentation;
    private MinMaxScaler scaler;
    private long seed = 1;
    private int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
    private int calibrationRows = 2000;
    private double clipPercentile = 0.995;

    private Builder() {
    }

    /** Hidden layer widths (default [64]); none = logistic regression. */
    public Builder hiddenSizes(List<Integer> sizes) {
      this.hiddenSizes = sizes;
      return this;
    }

    /** Bit widths (default x4/w4/a4). */
    public Builder bits(QuantBits bits) {
      this.bits = bits;
      return this;
    }

    /** Training noise model (default {@link BootstrapNoise#defaults()}). */
    public Builder noise(BootstrapNoise noise) {
      this.noise = noise;
      return this;
    }

    /** Epochs (default 100). */
    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Mini-batch size (default 64). */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Initial Adam learning rate (default 2e-3). */
    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Final learning rate as a fraction of the initial one (default 0.02). */
    public Builder finalLearningRateFraction(double fraction) {
      this.finalLearningRateFraction = fraction;
      return this;
    }

    /** Decoupled weight decay (default 1e-4). */
    public Builder weightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Float warm-up epochs before QAT (default 0). */
    public Builder floatWarmupEpochs(int epochs) {
      this.floatWarmupEpochs = epochs;
      return this;
    }

    /** Validation share of the training data (default 0.1). */
    public Builder validationFraction(double fraction) {
      this.validationFraction = fraction;
      return this;
    }

    /** Image augmentation (default none). */
    public Builder augmentation(ImageAugmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** A fixed input scaler (default: fit on the training split). */
    public Builder scaler(MinMaxScaler scaler) {
      this.scaler = scaler;
      return this;
    }

    /** Seed (default 1). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Worker threads (default min(2, cores)). */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Rows used for range calibration during training (default 2000). */
    public Builder calibrationRows(int rows) {
      this.calibrationRows = rows;
      return this;
    }

    /** Percentile initialising ReLU clips (default 0.995). */
    public Builder clipPercentile(double p) {
      this.clipPercentile = p;
      return this;
    }

    /** The config. */
    public TrainingConfig build() {
      return new TrainingConfig(hiddenSizes, bits, noise, epochs, batchSize, learningRate,
          finalLearningRateFraction, weightDecay, floatWarmupEpochs, validationFraction,
          Optional.ofNullable(augmentation), Optional.ofNullable(scaler), seed, threads,
          calibrationRows, clipPercentile);
    }
  }
}
