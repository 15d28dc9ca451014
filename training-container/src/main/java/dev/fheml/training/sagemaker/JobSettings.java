package dev.fheml.training.sagemaker;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.pipeline.Recipes;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.TrainingConfig;
import java.util.List;
import java.util.Optional;

/**
 * What the hyperparameters of a training job ask for. Every hyperparameter is optional:
 *
 * <table>
 * <caption>hyperparameters</caption>
 * <tr><th>name</th><th>default</th><th>meaning</th></tr>
 * <tr><td>model</td><td>mlp</td><td>{@code mlp} or {@code logreg}</td></tr>
 * <tr><td>hidden</td><td>64</td><td>hidden widths of the MLP: {@code "64"}, {@code "128,64"}, {@code "[128, 64]"}</td></tr>
 * <tr><td>epochs</td><td>100 (mlp), 30 (logreg)</td><td>passes over the training rows</td></tr>
 * <tr><td>batch_size</td><td>64</td><td>rows per step</td></tr>
 * <tr><td>learning_rate</td><td>0.002</td><td>Adam's initial rate (cosine decay)</td></tr>
 * <tr><td>weight_decay</td><td>0.0001</td><td>AdamW decay</td></tr>
 * <tr><td>bits</td><td>4</td><td>input, weight and activation bits</td></tr>
 * <tr><td>input_bits, weight_bits, activation_bits</td><td>bits</td><td>one of the three</td></tr>
 * <tr><td>seed</td><td>1</td><td>seeds everything: same data + settings = same model</td></tr>
 * <tr><td>threads</td><td>all cores</td><td>training threads (the result does not depend on it)</td></tr>
 * <tr><td>validation_fraction</td><td>0.1</td><td>share of the training rows that selects the best epoch</td></tr>
 * <tr><td>test_fraction</td><td>0.2</td><td>share held out for the metrics when there is no {@code test} channel</td></tr>
 * <tr><td>augment</td><td>true for IDX images with an MLP</td><td>affine + elastic image distortion</td></tr>
 * <tr><td>elastic</td><td>1.5</td><td>elastic distortion in pixels (0 = affine only)</td></tr>
 * <tr><td>train_noise</td><td>true</td><td>inject the bootstrap's reading noise while training</td></tr>
 * <tr><td>noise_positions</td><td>7</td><td>that noise's sigma, in bootstrap positions</td></tr>
 * <tr><td>label</td><td>last column</td><td>CSV label column (header name)</td></tr>
 * <tr><td>parameters</td><td>{@value FheParameters#PBS_L2}</td><td>the FHE parameter set</td></tr>
 * </table>
 */
public record JobSettings(boolean linear, List<Integer> hidden, QuantBits bits, Optional<Integer> epochs,
    int batchSize, double learningRate, double weightDecay, long seed, int threads, double validationFraction,
    double testFraction, Optional<Boolean> augment, double elastic, boolean trainNoise, double noisePositions,
    Optional<String> label, String parameters) {

  public JobSettings {
    hidden = List.copyOf(hidden);
  }

  /**
   * Reads and checks every hyperparameter, then refuses unknown names.
   *
   * @throws TrainingJobException naming the first bad hyperparameter
   */
  public static JobSettings from(Hyperparameters h) throws TrainingJobException {
    boolean linear = h.choice("model", List.of("mlp", "logreg"), "mlp").equals("logreg");
    if (linear && h.has("hidden")) {
      throw new TrainingJobException("hyperparameter hidden: a logreg model has no hidden layer; drop hidden or"
          + " use model=mlp");
    }
    List<Integer> hidden = linear ? List.of() : h.integers("hidden", List.of(64), 1, 4096);
    if (!linear && hidden.isEmpty()) {
      throw new TrainingJobException("hyperparameter hidden: an mlp needs at least one hidden width; use"
          + " model=logreg for none");
    }
    int bits = h.integer("bits", 4, 2, 16);
    QuantBits quant = new QuantBits(h.integer("input_bits", bits, 1, 16), h.integer("weight_bits", bits, 2, 16),
        h.integer("activation_bits", bits, 1, 16));
    Optional<Integer> epochs = h.optionalInteger("epochs", 1, 100_000);
    int batch = h.integer("batch_size", 64, 1, 1 << 20);
    double lr = h.decimal("learning_rate", 2e-3, 1e-7, 10);
    double decay = h.decimal("weight_decay", 1e-4, 0, 1);
    long seed = h.longInteger("seed", 1);
    int threads = h.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 1024);
    double validation = h.decimal("validation_fraction", 0.1, 0, 0.9);
    double test = h.decimal("test_fraction", 0.2, 0.01, 0.9);
    Optional<Boolean> augment = h.optionalFlag("augment");
    double elastic = h.decimal("elastic", Recipes.ELASTIC_PIXELS, 0, 10);
    boolean trainNoise = h.flag("train_noise", true);
    double noise = h.decimal("noise_positions", BootstrapNoise.DEFAULT_SIGMA_POSITIONS, 0, 512);
    Optional<String> label = h.text("label").filter(s -> !s.isEmpty());
    String params = h.text("parameters").orElse(FheParameters.PBS_L2);
    if (!FheParameters.names().contains(params)) {
      throw new TrainingJobException("hyperparameter parameters: '" + params + "' is not one of "
          + FheParameters.names());
    }
    h.rejectUnknown();
    return new JobSettings(linear, hidden, quant, epochs, batch, lr, decay, seed, threads, validation, test,
        augment, elastic, trainNoise, noise, label, params);
  }

  /** All defaults. */
  public static JobSettings defaults() {
    try {
      return from(Hyperparameters.none());
    } catch (TrainingJobException e) {
      throw new AssertionError("the defaults are valid", e);
    }
  }

  /** {@code mlp} or {@code logreg}. */
  public String modelName() {
    return linear ? "logreg" : "mlp";
  }

  /**
   * The trainer's configuration for this training data: IDX images get the fixed 0..255 pixel
   * scaler and (for an MLP, unless {@code augment=false}) the image augmentation; CSV features get a
   * scaler fitted on the training rows.
   *
   * @throws TrainingJobException if {@code augment=true} is asked for data that are not images
   */
  public TrainingConfig trainingConfig(TrainingData train) throws TrainingJobException {
    BootstrapNoise noise = new BootstrapNoise(BootstrapNoise.DEFAULT_POSITIONS, noisePositions,
        BootstrapNoise.DEFAULT_MARGIN_FRACTION);
    TrainingConfig.Builder b = TrainingConfig.builder().hiddenSizes(hidden).bits(bits)
        .noise(trainNoise ? noise : noise.withSigmaPositions(0))
        .epochs(epochs.orElse(Recipes.defaultEpochs(hidden))).batchSize(batchSize).learningRate(learningRate)
        .weightDecay(weightDecay).validationFraction(validationFraction).seed(seed).threads(threads);
    Optional<TrainingData.ImageShape> image = train.image();
    image.ifPresent(s -> b.scaler(MinMaxScaler.fixed(s.width() * s.height(), 0, Mnist.MAX_PIXEL)));
    if (augment.orElse(image.isPresent() && !linear)) {
      if (image.isEmpty()) {
        throw new TrainingJobException("hyperparameter augment: augmentation distorts images, but channel "
            + train.channel() + " holds CSV rows; drop augment");
      }
      ImageAugmentation mnist = ImageAugmentation.mnistDefaults();
      b.augmentation(new ImageAugmentation(image.get().width(), image.get().height(), mnist.maxShift(),
          mnist.maxRotationDegrees(), mnist.maxScaleDelta(), elastic, Recipes.ELASTIC_GRID));
    }
    return b.build();
  }

  /** The compiler's options: the defaults with this parameter set. */
  public CompileOptions compileOptions() {
    return CompileOptions.defaults().withParameters(parameters);
  }
}
