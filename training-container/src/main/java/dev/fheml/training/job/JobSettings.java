package dev.fheml.training.job;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import java.util.Optional;

/**
 * The settings a training run and an import share (quantization bits, seed, threads, held-out share,
 * label column, FHE parameter set, the optimizer's and noise injection's settings), checked in one
 * place. {@link TrainingRequest.Builder} and {@link ImportRequest.Builder} extend it with their own
 * settings and defaults; {@code sagemaker.Hyperparameters} fills it once for both. Each setter's
 * {@link IllegalArgumentException} starts with the hyperparameter's name.
 *
 * @param <B> the concrete builder, returned by every setter so calls chain
 */
public abstract class JobSettings<B extends JobSettings<B>> {
  int inputBits;
  int weightBits;
  int activationBits;
  long seed = 1;
  // The model does not depend on the thread count (Trainer is deterministic), so the default only
  // decides speed: every processor, which in a container is its CPU limit. A SageMaker instance runs
  // one job; on a shared machine, pass fewer.
  int threads = Runtime.getRuntime().availableProcessors();
  double testFraction = 0.2;
  String label;
  String parameters = ParameterChoice.AUTO;
  /** Rows per step unless given (a training request may choose from the data instead). */
  static final int DEFAULT_BATCH_SIZE = 64;
  /** Adam's initial rate unless given (likewise). */
  static final double DEFAULT_LEARNING_RATE = 2e-3;
  // null = not given: the import uses the defaults above, training chooses from the data (DataDefaults).
  Integer batchSize;
  Double learningRate;
  double weightDecay;
  boolean trainNoise = true;
  double noisePositions = BootstrapNoise.DEFAULT_SIGMA_POSITIONS;
  Boolean augment;
  boolean sanitize = true;
  Boolean rangeReduction; // null = the request type's default

  JobSettings(QuantBits bits, double weightDecay) {
    this.inputBits = bits.inputBits();
    this.weightBits = bits.weightBits();
    this.activationBits = bits.activationBits();
    this.weightDecay = weightDecay;
  }

  @SuppressWarnings("unchecked")
  private B self() {
    return (B) this;
  }

  /** Input, weight and activation bits at once, in [2, 16]. */
  public B bits(int bits) {
    Ranges.check("bits", bits, 2, 16);
    inputBits = bits;
    weightBits = bits;
    activationBits = bits;
    return self();
  }

  /** Input bits, in [1, 16]. */
  public B inputBits(int bits) {
    inputBits = Ranges.check("input_bits", bits, 1, 16);
    return self();
  }

  /** Weight bits, in [2, 16]. */
  public B weightBits(int bits) {
    weightBits = Ranges.check("weight_bits", bits, 2, 16);
    return self();
  }

  /** Activation bits, in [1, 16]. */
  public B activationBits(int bits) {
    activationBits = Ranges.check("activation_bits", bits, 1, 16);
    return self();
  }

  /** The seed of everything random. */
  public B seed(long seed) {
    this.seed = seed;
    return self();
  }

  /** Training threads, in [1, 1024]. */
  public B threads(int threads) {
    this.threads = Ranges.check("threads", threads, 1, 1024);
    return self();
  }

  /** Held-out test share when there are no test rows, in [0.01, 0.9]. */
  public B testFraction(double fraction) {
    this.testFraction = Ranges.check("test_fraction", fraction, 0.01, 0.9);
    return self();
  }

  /** The CSV label column's header name; blank = the last column. */
  public B label(String column) {
    this.label = column == null || column.isBlank() ? null : column.strip();
    return self();
  }

  /** The FHE parameter set, one of {@link FheParameters#names()}, or {@code auto}: the compiler chooses. */
  public B parameters(String name) {
    if (!name.equals(ParameterChoice.AUTO) && !FheParameters.names().contains(name)) {
      throw new IllegalArgumentException("parameters must be " + ParameterChoice.AUTO + " or one of "
          + FheParameters.names() + ", got '" + name + "'");
    }
    this.parameters = name;
    return self();
  }

  /** Rows per step, in [1, 2^20]. */
  public B batchSize(int rows) {
    this.batchSize = Ranges.check("batch_size", rows, 1, 1 << 20);
    return self();
  }

  /** Adam's initial learning rate, in [1e-7, 10]. */
  public B learningRate(double rate) {
    this.learningRate = Ranges.check("learning_rate", rate, 1e-7, 10);
    return self();
  }

  /** Decoupled weight decay, in [0, 1]. */
  public B weightDecay(double decay) {
    this.weightDecay = Ranges.check("weight_decay", decay, 0, 1);
    return self();
  }

  /** Whether to train with the bootstrap's reading noise. */
  public B trainNoise(boolean on) {
    this.trainNoise = on;
    return self();
  }

  /** The training noise's sigma in bootstrap positions, in [0, 512]. */
  public B noisePositions(double sigma) {
    this.noisePositions = Ranges.check("noise_positions", sigma, 0, 512);
    return self();
  }

  /** Whether to distort training images (unset: the job's default). */
  public B augment(boolean on) {
    this.augment = on;
    return self();
  }

  /**
   * Whether responses end in a saturating bootstrap per output and are re-randomized, so they reveal
   * only the outputs (default); off saves one bootstrap per class and leaks the weights' algebra
   * (docs/security.md).
   */
  public B sanitize(boolean on) {
    this.sanitize = on;
    return self();
  }

  /**
   * Whether the compiler may add a range-reduction bootstrap before a layer whose worst-case
   * accumulators leave its activation steps too few positions (see {@code FheCompiler}): one more
   * bootstrap per neuron of such a layer for fewer noise-flipped activations. On by default for
   * imports (post-training weights, no noise-aware training), off for trained models.
   */
  public B rangeReduction(boolean on) {
    this.rangeReduction = on;
    return self();
  }

  QuantBits quantBits() {
    return new QuantBits(inputBits, weightBits, activationBits);
  }

  Optional<String> labelColumn() {
    return Optional.ofNullable(label);
  }

  /** The set asked for; empty for {@code auto}. */
  Optional<FheParameters> parameterSet() {
    return parameters.equals(ParameterChoice.AUTO) ? Optional.empty() : Optional.of(FheParameters.byName(parameters));
  }

  Optional<Integer> batchSizeGiven() {
    return Optional.ofNullable(batchSize);
  }

  Optional<Double> learningRateGiven() {
    return Optional.ofNullable(learningRate);
  }

  Optional<Boolean> augmentation() {
    return Optional.ofNullable(augment);
  }
}
