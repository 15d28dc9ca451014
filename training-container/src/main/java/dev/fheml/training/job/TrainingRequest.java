package dev.fheml.training.job;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.TrainingConfig;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a user chooses about one training run, whichever front end asked: the SageMaker
 * hyperparameters ({@code sagemaker.Hyperparameters#request}, also behind {@code fhe-ml train -p}),
 * {@code TrainMain}'s options, or code ({@link #builder()}). Immutable.
 *
 * <p>The defaults are written once, in {@link Builder}'s fields (the README's hyperparameter table
 * lists them, a test checks each); they are the measured MNIST recipe of training-container/README.md.
 * Each component's doc names its hyperparameter. Setters check ranges and throw
 * {@link IllegalArgumentException} with a message that starts with the hyperparameter's name.
 *
 * @param model              {@code model}: the architecture
 * @param hidden             {@code hidden}: hidden widths of an MLP; empty for logreg
 * @param epochs             {@code epochs}: passes over the training rows; by default fewer for
 *                           logreg, whose convex loss settles sooner
 * @param batchSize          {@code batch_size}: rows per step
 * @param learningRate       {@code learning_rate}: Adam's initial rate (cosine decay)
 * @param weightDecay        {@code weight_decay}: decoupled weight decay
 * @param bits               {@code bits} (all three), {@code input_bits}, {@code weight_bits},
 *                           {@code activation_bits}
 * @param seed               {@code seed}: seeds everything, so same data + request = same model
 * @param threads            {@code threads}: training threads (the model does not depend on them)
 * @param validationFraction {@code validation_fraction}: share of the training rows that picks the
 *                           best epoch
 * @param testFraction       {@code test_fraction}: share held out for the metrics when there are no
 *                           test rows
 * @param augment            {@code augment}: image distortion; empty = on for images with an MLP,
 *                           off otherwise
 * @param elastic            {@code elastic}: elastic distortion in pixels, 0 = affine only
 * @param trainNoise         {@code train_noise}: inject the bootstrap's reading noise while training
 * @param noisePositions     {@code noise_positions}: that noise's sigma in bootstrap positions
 * @param warmupEpochs       float epochs before quantization-aware training starts (a
 *                           {@code TrainMain} experiment, no hyperparameter)
 * @param noiseMargin        share of each accumulator range added on both sides before it is mapped
 *                           onto the bootstrap's positions, by the noise model and the compiler alike
 *                           (a {@code TrainMain} experiment, no hyperparameter)
 * @param label              {@code label}: the CSV label column's header name; empty = the last column
 * @param parameters         {@code parameters}: the FHE parameter set
 */
public record TrainingRequest(ModelKind model, List<Integer> hidden, int epochs, int batchSize, double learningRate,
    double weightDecay, QuantBits bits, long seed, int threads, double validationFraction, double testFraction,
    Optional<Boolean> augment, double elastic, boolean trainNoise, double noisePositions, int warmupEpochs,
    double noiseMargin, Optional<String> label, FheParameters parameters) {

  /** Control points per axis of the elastic distortion (measured for MNIST; not a setting). */
  public static final int ELASTIC_GRID = 4;

  /** Copies the list; checks what the builder cannot (a hand-made record). */
  public TrainingRequest {
    Objects.requireNonNull(model, "model");
    hidden = List.copyOf(hidden);
    Objects.requireNonNull(bits, "bits");
    Objects.requireNonNull(augment, "augment");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(parameters, "parameters");
    if (hidden.isEmpty() != (model == ModelKind.LOGREG)) {
      throw new IllegalArgumentException("hidden: " + hidden + " does not fit model " + model);
    }
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Every default. */
  public static TrainingRequest defaults() {
    return builder().build();
  }

  /**
   * The trainer's configuration for training rows that are {@code image}s, or CSV rows if empty:
   * images get the fixed 0..255 pixel scaler and (see {@link #augment}) the image augmentation at
   * their size; CSV features get a scaler fitted on the training rows.
   *
   * @throws IllegalArgumentException if {@code augment} is true and the rows are not images
   */
  public TrainingConfig trainingConfig(Optional<ImageShape> image) {
    BootstrapNoise noise = new BootstrapNoise(BootstrapNoise.DEFAULT_POSITIONS, trainNoise ? noisePositions : 0,
        noiseMargin);
    TrainingConfig.Builder b = TrainingConfig.builder().hiddenSizes(hidden).bits(bits).noise(noise).epochs(epochs)
        .batchSize(batchSize).learningRate(learningRate).weightDecay(weightDecay).floatWarmupEpochs(warmupEpochs)
        .validationFraction(validationFraction).seed(seed).threads(threads);
    image.ifPresent(s -> b.scaler(MinMaxScaler.fixed(s.pixels(), 0, Mnist.MAX_PIXEL)));
    if (augmentsImages(image.isPresent())) {
      if (image.isEmpty()) {
        throw new IllegalArgumentException("augment: augmentation distorts images, but the rows are not images");
      }
      ImageAugmentation mnist = ImageAugmentation.mnistDefaults();
      b.augmentation(new ImageAugmentation(image.get().width(), image.get().height(), mnist.maxShift(),
          mnist.maxRotationDegrees(), mnist.maxScaleDelta(), elastic, ELASTIC_GRID));
    }
    return b.build();
  }

  /** Whether training distorts the rows: as asked, else for images with an MLP. */
  public boolean augmentsImages(boolean rowsAreImages) {
    return augment.orElse(rowsAreImages && model == ModelKind.MLP);
  }

  /** The compiler's options: this parameter set, and ranges widened by the same margin as in training. */
  public CompileOptions compileOptions() {
    return CompileOptions.defaults().withParameters(parameters).withRangeMargin(noiseMargin);
  }

  /**
   * Builder for {@link TrainingRequest}: the one place that holds the defaults. Each setter checks its
   * value; {@link #build()} checks the combination.
   */
  public static final class Builder {
    private ModelKind model = ModelKind.MLP;
    private List<Integer> hidden;
    private Integer epochs;
    private int batchSize = 64;
    private double learningRate = 2e-3;
    private double weightDecay = 1e-4;
    private int inputBits = 4;
    private int weightBits = 4;
    private int activationBits = 4;
    private long seed = 1;
    // The model does not depend on the thread count (Trainer is deterministic), so the default only
    // decides speed: every processor, which in a container is its CPU limit. A SageMaker instance runs
    // one job; on a shared machine, pass fewer.
    private int threads = Runtime.getRuntime().availableProcessors();
    private double validationFraction = 0.1;
    private double testFraction = 0.2;
    private Boolean augment;
    private double elastic = 1.5;
    private boolean trainNoise = true;
    private double noisePositions = BootstrapNoise.DEFAULT_SIGMA_POSITIONS;
    private int warmupEpochs = 0;
    private double noiseMargin = BootstrapNoise.DEFAULT_MARGIN_FRACTION;
    private String label;
    private String parameters = FheParameters.PBS_L2;

    private Builder() {
    }

    /** The architecture. */
    public Builder model(ModelKind model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Hidden widths, each in [1, 4096]; an MLP needs one at least, logreg none. */
    public Builder hidden(List<Integer> widths) {
      List<Integer> copy = new ArrayList<>();
      for (int w : widths) {
        copy.add(checkRange("hidden", w, 1, 4096));
      }
      this.hidden = List.copyOf(copy);
      return this;
    }

    /** Epochs in [1, 100000]. */
    public Builder epochs(int epochs) {
      this.epochs = checkRange("epochs", epochs, 1, 100_000);
      return this;
    }

    /** Rows per step, in [1, 2^20]. */
    public Builder batchSize(int rows) {
      this.batchSize = checkRange("batch_size", rows, 1, 1 << 20);
      return this;
    }

    /** Adam's initial learning rate, in [1e-7, 10]. */
    public Builder learningRate(double rate) {
      this.learningRate = checkRange("learning_rate", rate, 1e-7, 10);
      return this;
    }

    /** Decoupled weight decay, in [0, 1]. */
    public Builder weightDecay(double decay) {
      this.weightDecay = checkRange("weight_decay", decay, 0, 1);
      return this;
    }

    /** Input, weight and activation bits at once, in [2, 16]. */
    public Builder bits(int bits) {
      checkRange("bits", bits, 2, 16);
      this.inputBits = bits;
      this.weightBits = bits;
      this.activationBits = bits;
      return this;
    }

    /** Input bits, in [1, 16]. */
    public Builder inputBits(int bits) {
      this.inputBits = checkRange("input_bits", bits, 1, 16);
      return this;
    }

    /** Weight bits, in [2, 16]. */
    public Builder weightBits(int bits) {
      this.weightBits = checkRange("weight_bits", bits, 2, 16);
      return this;
    }

    /** Activation bits, in [1, 16]. */
    public Builder activationBits(int bits) {
      this.activationBits = checkRange("activation_bits", bits, 1, 16);
      return this;
    }

    /** The seed of everything random. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Training threads, in [1, 1024]. */
    public Builder threads(int threads) {
      this.threads = checkRange("threads", threads, 1, 1024);
      return this;
    }

    /** Validation share of the training rows, in [0, 0.9]; 0 keeps the last epoch. */
    public Builder validationFraction(double fraction) {
      this.validationFraction = checkRange("validation_fraction", fraction, 0, 0.9);
      return this;
    }

    /** Held-out test share when there are no test rows, in [0.01, 0.9]. */
    public Builder testFraction(double fraction) {
      this.testFraction = checkRange("test_fraction", fraction, 0.01, 0.9);
      return this;
    }

    /** Whether to distort training images (instead of the default: on for images with an MLP). */
    public Builder augment(boolean augment) {
      this.augment = augment;
      return this;
    }

    /** Elastic distortion in pixels, in [0, 10]. */
    public Builder elastic(double pixels) {
      this.elastic = checkRange("elastic", pixels, 0, 10);
      return this;
    }

    /** Whether to train with the bootstrap's reading noise. */
    public Builder trainNoise(boolean on) {
      this.trainNoise = on;
      return this;
    }

    /** The training noise's sigma in bootstrap positions, in [0, 512]. */
    public Builder noisePositions(double sigma) {
      this.noisePositions = checkRange("noise_positions", sigma, 0, 512);
      return this;
    }

    /** Float epochs before quantization-aware training, fewer than the epochs. */
    public Builder warmupEpochs(int epochs) {
      this.warmupEpochs = checkRange("warmup_epochs", epochs, 0, 100_000);
      return this;
    }

    /** Range margin per side, in [0, 1]. */
    public Builder noiseMargin(double fraction) {
      this.noiseMargin = checkRange("noise_margin", fraction, 0, 1);
      return this;
    }

    /** The CSV label column's header name; blank = the last column. */
    public Builder label(String column) {
      this.label = column == null || column.isBlank() ? null : column.strip();
      return this;
    }

    /** The FHE parameter set, one of {@link FheParameters#names()}. */
    public Builder parameters(String name) {
      if (!FheParameters.names().contains(name)) {
        throw new IllegalArgumentException("parameters must be one of " + FheParameters.names() + ", got '" + name
            + "'");
      }
      this.parameters = name;
      return this;
    }

    /**
     * The request.
     *
     * @throws IllegalArgumentException if hidden widths are given for logreg, none for an MLP, or the
     *                                  warm-up is not shorter than the training
     */
    public TrainingRequest build() {
      List<Integer> widths;
      if (model == ModelKind.LOGREG) {
        if (hidden != null && !hidden.isEmpty()) {
          throw new IllegalArgumentException("hidden: a logreg model has no hidden layer; drop hidden or use model"
              + " mlp");
        }
        widths = List.of();
      } else {
        widths = hidden != null ? hidden : List.of(64);
        if (widths.isEmpty()) {
          throw new IllegalArgumentException("hidden: an mlp needs at least one hidden width; use model logreg for"
              + " none");
        }
      }
      int e = epochs != null ? epochs : model == ModelKind.MLP ? 100 : 30;
      if (warmupEpochs >= e) {
        throw new IllegalArgumentException("warmup_epochs: " + warmupEpochs + " float epochs leave none of the " + e
            + " epochs for quantization-aware training");
      }
      return new TrainingRequest(model, widths, e, batchSize, learningRate, weightDecay,
          new QuantBits(inputBits, weightBits, activationBits), seed, threads, validationFraction, testFraction,
          Optional.ofNullable(augment), elastic, trainNoise, noisePositions, warmupEpochs, noiseMargin,
          Optional.ofNullable(label), FheParameters.byName(parameters));
    }

    private static int checkRange(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
      }
      return value;
    }

    private static double checkRange(String name, double value, double min, double max) {
      if (!(value >= min && value <= max)) {
        throw new IllegalArgumentException(name + " must be in [" + plain(min) + ", " + plain(max) + "], got "
            + (Double.isFinite(value) ? plain(value) : Double.toString(value)));
      }
      return value;
    }

    private static String plain(double v) {
      return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
  }
}
