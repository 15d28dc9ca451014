package dev.fheml.training.job;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.quant.QuantBits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a user chooses about importing one ONNX model: {@code fhe-ml import -p name=value} and the
 * SageMaker job's hyperparameters when it has a {@code model} channel (both through
 * {@code sagemaker.Hyperparameters#importRequest}). The defaults are written once, in {@link Builder}'s
 * fields. Immutable.
 *
 * @param bits           {@code bits}, {@code input_bits}, {@code weight_bits}, {@code activation_bits}
 * @param seed           {@code seed}: the held-out split and fine-tuning
 * @param threads        {@code threads}
 * @param testFraction   {@code test_fraction}: share held out for the metrics when there is no test data
 * @param label          {@code label}: the CSV label column; empty = the last column
 * @param parameters     {@code parameters}: the FHE parameter set; empty ({@code auto}, the default) lets
 *                           the compiler choose the cheapest that keeps the model's precision
 *                           ({@code ParameterChoice})
 * @param inputShape     {@code input_shape}: the input's shape without the batch dimension ({@code 1,28,28}),
 *                       when the graph does not declare it
 * @param inputNormalize {@code input_normalize}: {@code MEAN,STD} (or k means then k standard deviations, one
 *                       per channel) of torchvision's {@code Normalize} applied after {@code pixel / 255}; empty =
 *                       images go in as {@code pixel / 255} (PyTorch's {@code ToTensor}). Images only
 * @param finetuneEpochs {@code finetune_epochs}: quantization-aware fine-tuning epochs after post-training
 *                       quantization (0 = none)
 * @param batchSize      {@code batch_size}: fine-tuning rows per step
 * @param learningRate   {@code learning_rate}: fine-tuning's initial rate (2e-3: measured best for 60 epochs on the MNIST MLP fixture)
 * @param weightDecay    {@code weight_decay}: fine-tuning's weight decay
 * @param trainNoise     {@code train_noise}: inject the bootstrap's reading noise while fine-tuning
 * @param noisePositions {@code noise_positions}: that noise's sigma in bootstrap positions
 * @param augment        {@code augment}: distort images while fine-tuning (affine + elastic, as the trainer
 *                       does); empty = on for images
 * @param sanitize       {@code sanitize}: sanitized responses (see {@link JobSettings#sanitize})
 * @param rangeReduction {@code range_reduction}: see {@link JobSettings#rangeReduction} (default on)
 */
public record ImportRequest(QuantBits bits, long seed, int threads, double testFraction, Optional<String> label,
    Optional<FheParameters> parameters, Optional<List<Integer>> inputShape, Optional<double[]> inputNormalize,
    int finetuneEpochs, int batchSize, double learningRate, double weightDecay, boolean trainNoise,
    double noisePositions, Optional<Boolean> augment, boolean sanitize, boolean rangeReduction) {

  public ImportRequest {
    Objects.requireNonNull(bits, "bits");
    Objects.requireNonNull(label, "label");
    Objects.requireNonNull(parameters, "parameters");
    Objects.requireNonNull(augment, "augment");
    inputShape = inputShape.map(List::copyOf);
    inputNormalize = inputNormalize.map(double[]::clone);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** All defaults. */
  public static ImportRequest defaults() {
    return builder().build();
  }

  /** The compiler's options: this parameter set, ranges widened as the noise model assumes. */
  public CompileOptions compileOptions() {
    return CompileOptions.defaults().withParameterChoice(parameters).withSanitize(sanitize)
        .withRangeReduction(rangeReduction);
  }

  /** The means of {@link #inputNormalize} (first half). */
  public double[] normalizeMeans() {
    double[] v = inputNormalize.orElseThrow();
    return Arrays.copyOf(v, v.length / 2);
  }

  /** The standard deviations of {@link #inputNormalize} (second half). */
  public double[] normalizeStds() {
    double[] v = inputNormalize.orElseThrow();
    return Arrays.copyOfRange(v, v.length / 2, v.length);
  }

  @Override
  public String toString() {
    return "ImportRequest[bits " + bits + ", seed " + seed + ", threads " + threads + ", test_fraction " + testFraction
        + label.map(l -> ", label " + l).orElse("") + ", " + parameters.map(FheParameters::name).orElse("parameters auto")
        + inputShape.map(s -> ", input_shape " + s).orElse("")
        + inputNormalize.map(n -> ", input_normalize " + Arrays.toString(n)).orElse("")
        + (finetuneEpochs > 0 ? ", finetune_epochs " + finetuneEpochs + " (batch " + batchSize + ", lr "
            + learningRate + ")" : "") + (sanitize ? "" : ", unsanitized")
        + (rangeReduction ? "" : ", no range reduction") + "]";
  }

  /** Builder for {@link ImportRequest}: the one place that holds the defaults. */
  public static final class Builder extends JobSettings<Builder> {
    private List<Integer> inputShape;
    private double[] inputNormalize;
    private int finetuneEpochs = 0;

    // Post-training quantization keeps more bits than training from scratch, which adapts the weights to
    // 4 bits: measured on the committed fixtures (data/onnx/README.md). No weight decay: fine-tuning
    // starts from trained weights.
    private Builder() {
      super(new QuantBits(8, 6, 5), 0);
    }

    /** One to three positive dimensions without the batch: {@code [F]} or {@code [C, H, W]}. */
    public Builder inputShape(List<Integer> dims) {
      if (dims.isEmpty() || dims.size() > 3 || dims.size() == 2) {
        throw new IllegalArgumentException("input_shape must be F or C,H,W, got " + dims);
      }
      for (int d : dims) {
        Ranges.check("input_shape", d, 1, 1 << 16);
      }
      this.inputShape = new ArrayList<>(dims);
      return this;
    }

    /** {@code MEAN,STD}, or k means then k positive standard deviations. */
    public Builder inputNormalize(List<Double> meansThenStds) {
      int n = meansThenStds.size();
      if (n < 2 || n % 2 != 0) {
        throw new IllegalArgumentException("input_normalize must be MEAN,STD (or k means then k standard"
            + " deviations), got " + meansThenStds);
      }
      for (int i = n / 2; i < n; i++) {
        if (!(meansThenStds.get(i) > 0)) {
          throw new IllegalArgumentException("input_normalize: standard deviations must be positive, got "
              + meansThenStds);
        }
      }
      this.inputNormalize = meansThenStds.stream().mapToDouble(Double::doubleValue).toArray();
      return this;
    }

    /** Fine-tuning epochs after post-training quantization, in [0, 100000] (0 = none). */
    public Builder finetuneEpochs(int epochs) {
      this.finetuneEpochs = Ranges.check("finetune_epochs", epochs, 0, 100_000);
      return this;
    }

    public ImportRequest build() {
      return new ImportRequest(quantBits(), seed, threads, testFraction, labelColumn(), parameterSet(),
          Optional.ofNullable(inputShape), Optional.ofNullable(inputNormalize), finetuneEpochs,
          batchSizeGiven().orElse(DEFAULT_BATCH_SIZE), learningRateGiven().orElse(DEFAULT_LEARNING_RATE), weightDecay,
          trainNoise, noisePositions, augmentation(), sanitize, rangeReduction == null || rangeReduction);
    }
  }
}
