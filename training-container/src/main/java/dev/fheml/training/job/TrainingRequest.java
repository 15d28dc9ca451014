package dev.fheml.training.job;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a user chooses about one training run, whichever front end asked: the SageMaker
 * hyperparameters ({@code sagemaker.Hyperparameters#request}, also behind {@code fhe-ml train -p}),
 * {@code TrainMain}'s options, or code ({@link #builder()}). Immutable.
 *
 * <p>The defaults are written once, in the fields of {@link Builder} and of {@link JobSettings} (which
 * imports share); the README's hyperparameter table lists them, a test checks each. The settings that
 * must fit the data (hidden widths, epochs, batch size, learning rate) are empty unless given, and
 * {@link DataDefaults} chooses them from the data's shape: for MNIST-sized images the measured recipe
 * of training-container/README.md.
 * Each component's doc names its hyperparameter. Setters check ranges and throw
 * {@link IllegalArgumentException} with a message that starts with the hyperparameter's name.
 *
 * @param model              {@code model}: the architecture
 * @param hidden             {@code hidden}: hidden widths of an MLP (empty = from the data); an empty
 *                           list for logreg
 * @param epochs             {@code epochs}: passes over the training rows (empty = from the data)
 * @param batchSize          {@code batch_size}: rows per step (empty = from the data)
 * @param learningRate       {@code learning_rate}: Adam's initial rate, cosine decay (empty = from the
 *                           data)
 * @param weightDecay        {@code weight_decay}: decoupled weight decay
 * @param bits               {@code bits} (all three), {@code input_bits}, {@code weight_bits},
 *                           {@code activation_bits}
 * @param seed               {@code seed}: seeds everything, so same data + request = same model
 * @param threads            {@code threads}: training threads (the model does not depend on them)
 * @param validationFraction {@code validation_fraction}: share of the training rows that picks the
 *                           best epoch
 * @param testFraction       {@code test_fraction}: share held out for the metrics when there are no
 *                           test rows
 * @param augment            {@code augment}: image distortion; empty = chosen on the validation split
 *                           for an MLP on images (trained both ways), off otherwise
 * @param elastic            {@code elastic}: elastic distortion in pixels, 0 = affine only
 * @param trainNoise         {@code train_noise}: inject the bootstrap's reading noise while training
 * @param noisePositions     {@code noise_positions}: that noise's sigma in bootstrap positions
 * @param warmupEpochs       float epochs before quantization-aware training starts (a
 *                           {@code TrainMain} experiment, no hyperparameter)
 * @param noiseMargin        share of each accumulator range added on both sides before it is mapped
 *                           onto the bootstrap's positions, by the noise model and the compiler alike
 *                           (a {@code TrainMain} experiment, no hyperparameter)
 * @param label              {@code label}: the CSV label column's header name; empty = the last column
 * @param parameters         {@code parameters}: the FHE parameter set; empty ({@code auto}, the default) lets
 *                           the compiler choose the cheapest that keeps the model's precision
 *                           ({@code ParameterChoice})
 * @param sanitize           {@code sanitize}: sanitized responses (see {@link JobSettings#sanitize})
 * @param rangeReduction     {@code range_reduction}: see {@link JobSettings#rangeReduction} (default off)
 */
public record TrainingRequest(ModelKind model, Optional<List<Integer>> hidden, Optional<Integer> epochs,
    Optional<Integer> batchSize, Optional<Double> learningRate, double weightDecay, QuantBits bits, long seed,
    int threads, double validationFraction, double testFraction,
    Optional<Boolean> augment, double elastic, boolean trainNoise, double noisePositions, int warmupEpochs,
    double noiseMargin, Optional<String> label, Optional<FheParameters> parameters, boolean sanitize,
    boolean rangeReduction) {

  /** Control points per axis of the elastic distortion (measured for MNIST; not a setting). */
  public static final int ELASTIC_GRID = 4;

  /** Copies the list; checks what the builder cannot (a hand-made record). */
  public TrainingRequest {
    Objects.requireNonNull(model, "model");
    hidden = hidden.map(List::copyOf);
    Objects.requireNonNull(epochs, "epochs");
    Objects.requireNonNull(batchSize, "batchSize");
    Objects.requireNonNull(learningRate, "learningRate");
    Objects.requireNonNull(bits, "bits");
    Objects.requireNonNull(augment, "augment");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(parameters, "parameters");
    if (model == ModelKind.LOGREG ? !hidden.equals(Optional.of(List.of())) : hidden.map(List::isEmpty).orElse(false)) {
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

  /** The settings this request gives, and those it leaves open chosen for data of {@code shape}. */
  public TrainingSettings settingsFor(DataShape shape) {
    return DataDefaults.choose(this, shape);
  }

  /**
   * The trainer's configuration for data of {@code shape} ({@link #settingsFor}): images get the fixed
   * 0..255 pixel scaler and, if asked for, the image augmentation at their size; table features get a
   * scaler fitted on the training rows.
   *
   * @throws IllegalArgumentException if {@code augment} is true and the rows are not images, or the
   *                                  warm-up is not shorter than the epochs chosen
   */
  public TrainingConfig trainingConfig(DataShape shape) {
    TrainingSettings s = settingsFor(shape);
    Optional<ImageShape> image = shape.image();
    if (warmupEpochs >= s.epochs()) {
      throw new IllegalArgumentException("warmup_epochs: " + warmupEpochs + " float epochs leave none of the "
          + s.epochs() + " epochs for quantization-aware training");
    }
    BootstrapNoise noise = new BootstrapNoise(BootstrapNoise.DEFAULT_POSITIONS, trainNoise ? noisePositions : 0,
        noiseMargin);
    TrainingConfig.Builder b = TrainingConfig.builder().hiddenSizes(s.hidden()).bits(bits).noise(noise)
        .epochs(s.epochs()).batchSize(s.batchSize()).learningRate(s.learningRate()).weightDecay(weightDecay)
        .floatWarmupEpochs(warmupEpochs).validationFraction(validationFraction).seed(seed).threads(threads);
    image.ifPresent(i -> b.scaler(MinMaxScaler.fixed(i.pixels(), 0, Mnist.MAX_PIXEL)));
    if (s.augment()) {
      if (image.isEmpty()) {
        throw new IllegalArgumentException("augment: augmentation distorts images, but the rows are not images");
      }
      b.augmentation(imageAugmentation(image.get()));
    }
    return b.build();
  }

  /** The image augmentation this request trains {@code image}s with when it augments them. */
  public ImageAugmentation imageAugmentation(ImageShape image) {
    ImageAugmentation mnist = ImageAugmentation.mnistDefaults();
    return new ImageAugmentation(image.width(), image.height(), mnist.maxShift(), mnist.maxRotationDegrees(),
        mnist.maxScaleDelta(), elastic, ELASTIC_GRID);
  }

  /**
   * Whether augmentation is left to the validation split ({@code AugmentationChoice}): not given, and an
   * MLP on images (logistic regression was measured not to gain from it).
   */
  public boolean choosesAugmentation(DataShape shape) {
    return augment.isEmpty() && shape.isImage() && model == ModelKind.MLP;
  }

  /** The compiler's options: this parameter set, and ranges widened by the same margin as in training. */
  public CompileOptions compileOptions() {
    return CompileOptions.defaults().withParameterChoice(parameters).withRangeMargin(noiseMargin).withSanitize(sanitize)
        .withRangeReduction(rangeReduction);
  }

  /**
   * Builder for {@link TrainingRequest}: the one place that holds the defaults. Each setter checks its
   * value; {@link #build()} checks the combination.
   */
  public static final class Builder extends JobSettings<Builder> {
    private ModelKind model = ModelKind.MLP;
    private List<Integer> hidden;
    private Integer epochs;
    private double validationFraction = 0.1;
    private double elastic = 1.5;
    private int warmupEpochs = 0;
    private double noiseMargin = BootstrapNoise.DEFAULT_MARGIN_FRACTION;

    private Builder() {
      super(new QuantBits(4, 4, 4), 1e-4);
    }

    /** The architecture. */
    public Builder model(ModelKind model) {
      this.model = Objects.requireNonNull(model, "model");
      return this;
    }

    /** Hidden widths, each in [1, 4096]; an MLP needs one at least, logreg none (unset: from the data). */
    public Builder hidden(List<Integer> widths) {
      List<Integer> copy = new ArrayList<>();
      for (int w : widths) {
        copy.add(Ranges.check("hidden", w, 1, 4096));
      }
      this.hidden = List.copyOf(copy);
      return this;
    }

    /** Epochs in [1, 100000] (unset: from the data). */
    public Builder epochs(int epochs) {
      this.epochs = Ranges.check("epochs", epochs, 1, 100_000);
      return this;
    }

    /** Validation share of the training rows, in [0, 0.9]; 0 keeps the last epoch. */
    public Builder validationFraction(double fraction) {
      this.validationFraction = Ranges.check("validation_fraction", fraction, 0, 0.9);
      return this;
    }

    /** Elastic distortion in pixels, in [0, 10]. */
    public Builder elastic(double pixels) {
      this.elastic = Ranges.check("elastic", pixels, 0, 10);
      return this;
    }

    /** Float epochs before quantization-aware training, fewer than the epochs. */
    public Builder warmupEpochs(int epochs) {
      this.warmupEpochs = Ranges.check("warmup_epochs", epochs, 0, 100_000);
      return this;
    }

    /** Range margin per side, in [0, 1]. */
    public Builder noiseMargin(double fraction) {
      this.noiseMargin = Ranges.check("noise_margin", fraction, 0, 1);
      return this;
    }

    /**
     * The request.
     *
     * @throws IllegalArgumentException if hidden widths are given for logreg, none for an MLP, or the
     *                                  warm-up is not shorter than the training
     */
    public TrainingRequest build() {
      Optional<List<Integer>> widths;
      if (model == ModelKind.LOGREG) {
        if (hidden != null && !hidden.isEmpty()) {
          throw new IllegalArgumentException("hidden: a logreg model has no hidden layer; drop hidden or use model"
              + " mlp");
        }
        widths = Optional.of(List.of());
      } else {
        if (hidden != null && hidden.isEmpty()) {
          throw new IllegalArgumentException("hidden: an mlp needs at least one hidden width; use model logreg for"
              + " none");
        }
        widths = Optional.ofNullable(hidden);
      }
      if (epochs != null && warmupEpochs >= epochs) {
        throw new IllegalArgumentException("warmup_epochs: " + warmupEpochs + " float epochs leave none of the "
            + epochs + " epochs for quantization-aware training");
      }
      return new TrainingRequest(model, widths, Optional.ofNullable(epochs), batchSizeGiven(), learningRateGiven(),
          weightDecay, quantBits(), seed, threads, validationFraction, testFraction, augmentation(), elastic,
          trainNoise, noisePositions, warmupEpochs, noiseMargin, labelColumn(), parameterSet(), sanitize,
          rangeReduction != null && rangeReduction);
    }
  }
}
