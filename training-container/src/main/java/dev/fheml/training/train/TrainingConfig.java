package dev.fheml.training.train;

import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.FloatModel;
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
 * @param initialModel        fine-tuning: start from this model's weights and ReLU clips (its layer
 *                            sizes are the hidden sizes, its scaler the input scaler) instead of a
 *                            random initialisation
 */
public record TrainingConfig(List<Integer> hiddenSizes, QuantBits bits, BootstrapNoise noise,
    int epochs, int batchSize, double learningRate, double finalLearningRateFraction,
    double weightDecay, int floatWarmupEpochs, double validationFraction,
    Optional<ImageAugmentation> augmentation, Optional<MinMaxScaler> scaler, long seed, int threads,
    int calibrationRows, double clipPercentile, Optional<FloatModel> initialModel) {

  /** Validates the fields. */
  public TrainingConfig {
    hiddenSizes = List.copyOf(hiddenSizes);
    Objects.requireNonNull(bits, "bits");
    Objects.requireNonNull(noise, "noise");
    Objects.requireNonNull(augmentation, "augmentation");
    Objects.requireNonNull(scaler, "scaler");
    Objects.requireNonNull(initialModel, "initialModel");
    if (initialModel.isPresent()) {
      FloatModel m = initialModel.get();
      List<Integer> widths = new java.util.ArrayList<>();
      for (int l = 0; l < m.layers().size() - 1; l++) {
        widths.add(m.layers().get(l).outputs());
      }
      require(widths.equals(hiddenSizes), "hiddenSizes " + widths + " of the initial model");
      require(scaler.isEmpty() || scaler.get().equals(m.scaler()), "the initial model's scaler");
    }
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

  /** {@link ModelKind#LOGREG} without hidden layers, else {@link ModelKind#MLP}. */
  public ModelKind modelKind() {
    return isLinear() ? ModelKind.LOGREG : ModelKind.MLP;
  }

  /**
   * A builder. The settings a user chooses have no default here: they come from a
   * {@code dev.fheml.training.job.TrainingRequest}, the one place that holds their defaults. Only
   * the trainer's internal settings default here (see their setters).
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder().hiddenSizes(hiddenSizes).bits(bits).noise(noise).epochs(epochs).batchSize(batchSize)
        .learningRate(learningRate).finalLearningRateFraction(finalLearningRateFraction).weightDecay(weightDecay)
        .floatWarmupEpochs(floatWarmupEpochs).validationFraction(validationFraction)
        .augmentation(augmentation.orElse(null)).scaler(scaler.orElse(null)).seed(seed).threads(threads)
        .calibrationRows(calibrationRows).clipPercentile(clipPercentile);
  }

  /** Builder for {@link TrainingConfig}. */
  public static final class Builder {
    private List<Integer> hiddenSizes;
    private QuantBits bits;
    private BootstrapNoise noise;
    private Integer epochs;
    private Integer batchSize;
    private Double learningRate;
    private double finalLearningRateFraction = 0.02;
    private Double weightDecay;
    private Integer floatWarmupEpochs;
    private Double validationFraction;
    private ImageAugmentation augmentation;
    private MinMaxScaler scaler;
    private Long seed;
    private Integer threads;
    private int calibrationRows = 2000;
    private double clipPercentile = 0.995;
    private FloatModel initialModel;

    private Builder() {
    }

    /** Hidden layer widths; none = logistic regression. */
    public Builder hiddenSizes(List<Integer> sizes) {
      this.hiddenSizes = sizes;
      return this;
    }

    /** Bit widths. */
    public Builder bits(QuantBits bits) {
      this.bits = bits;
      return this;
    }

    /** Training noise model. */
    public Builder noise(BootstrapNoise noise) {
      this.noise = noise;
      return this;
    }

    /** Epochs. */
    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Mini-batch size. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Initial Adam learning rate. */
    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** Final learning rate as a fraction of the initial one (default 0.02). */
    public Builder finalLearningRateFraction(double fraction) {
      this.finalLearningRateFraction = fraction;
      return this;
    }

    /** Decoupled weight decay. */
    public Builder weightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Float warm-up epochs before QAT. */
    public Builder floatWarmupEpochs(int epochs) {
      this.floatWarmupEpochs = epochs;
      return this;
    }

    /** Validation share of the training data. */
    public Builder validationFraction(double fraction) {
      this.validationFraction = fraction;
      return this;
    }

    /** Image augmentation (none if never set or null). */
    public Builder augmentation(ImageAugmentation augmentation) {
      this.augmentation = augmentation;
      return this;
    }

    /** A fixed input scaler (if never set or null: fit on the training split). */
    public Builder scaler(MinMaxScaler scaler) {
      this.scaler = scaler;
      return this;
    }

    /** Seed. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Worker threads. */
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

    /**
     * Fine-tune {@code model}: its hidden widths and scaler become this config's, and training starts
     * from its weights and clips.
     */
    public Builder initialModel(FloatModel model) {
      this.initialModel = model;
      List<Integer> widths = new java.util.ArrayList<>();
      for (int l = 0; l < model.layers().size() - 1; l++) {
        widths.add(model.layers().get(l).outputs());
      }
      this.hiddenSizes = widths;
      this.scaler = model.scaler();
      return this;
    }

    /**
     * The config.
     *
     * @throws NullPointerException naming the first setting without a default that was not set
     */
    public TrainingConfig build() {
      return new TrainingConfig(required(hiddenSizes, "hiddenSizes"), required(bits, "bits"),
          required(noise, "noise"), required(epochs, "epochs"), required(batchSize, "batchSize"),
          required(learningRate, "learningRate"), finalLearningRateFraction,
          required(weightDecay, "weightDecay"), required(floatWarmupEpochs, "floatWarmupEpochs"),
          required(validationFraction, "validationFraction"), Optional.ofNullable(augmentation),
          Optional.ofNullable(scaler), required(seed, "seed"), required(threads, "threads"),
          calibrationRows, clipPercentile, Optional.ofNullable(initialModel));
    }

    private static <T> T required(T value, String name) {
      return Objects.requireNonNull(value, () -> "TrainingConfig." + name + " is not set (a TrainingRequest sets it)");
    }
  }
}
