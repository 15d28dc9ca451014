package dev.fheml.training.train;

import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.AccuracyReport;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.InputQuantizer;
import dev.fheml.training.quant.ModelQuantizer;
import dev.fheml.training.quant.QuantizedAccuracy;
import dev.fheml.training.quant.QuantizedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Trains a multinomial logistic regression (no hidden layer) or a dense ReLU network with
 * quantization-aware training, as configured by a {@link TrainingConfig}, and returns the float model
 * and its calibrated {@link QuantizedModel}.
 *
 * <p>Procedure: a seeded stratified validation split is held out of the training data; each epoch
 * re-estimates the accumulator ranges on calibration rows (hence each hidden neuron's bootstrap noise),
 * trains with Adam on shuffled (optionally augmented) mini-batches, then measures the exact and noisy
 * integer accuracy on the validation split; the epoch with the best exact validation accuracy is kept
 * (ties go to the later epoch). The test set is never seen. Deterministic for a given config and data,
 * whatever the thread count.
 */
public final class Trainer {
  private static final long SPLIT_SALT = 0x5EED_5B17L;
  private static final long NOISE_SALT = 0x9015E_5EEDL;

  private final TrainingConfig config;
  private final ProgressListener listener;

  /** A trainer reporting to {@code listener}. */
  public Trainer(TrainingConfig config, ProgressListener listener) {
    this.config = Objects.requireNonNull(config, "config");
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Trains on {@code training}.
   *
   * @throws IllegalArgumentException if the data does not fit the config (e.g. augmentation image size)
   */
  public TrainingResult train(Dataset training) {
    long start = System.nanoTime();
    config.augmentation().ifPresent(a -> {
      if (a.pixels() != training.numFeatures()) {
        throw new IllegalArgumentException("augmentation expects " + a.pixels() + " pixels, data has "
            + training.numFeatures() + " features");
      }
    });
    Dataset fit = training;
    Dataset validation = null;
    if (config.validationFraction() > 0) {
      DataSplit split = DataSplit.stratified(training, config.validationFraction(),
          config.seed() ^ SPLIT_SALT);
      // Too few rows of every class to hold any out: train on all of them and keep the last epoch.
      if (split.heldOut().size() > 0) {
        fit = split.kept();
        validation = split.heldOut();
      }
    }
    MinMaxScaler scaler = config.scaler().isPresent() ? config.scaler().get() : MinMaxScaler.fit(fit);
    if (scaler.numFeatures() != training.numFeatures()) {
      throw new IllegalArgumentException("the scaler has " + scaler.numFeatures() + " features, the data "
          + training.numFeatures());
    }
    InputQuantizer inputs = new InputQuantizer(scaler, config.bits().inputBits());
    Dataset calibration = fit.head(config.calibrationRows());

    int[] sizes = new int[config.hiddenSizes().size() + 2];
    sizes[0] = training.numFeatures();
    for (int k = 0; k < config.hiddenSizes().size(); k++) {
      sizes[k + 1] = config.hiddenSizes().get(k);
    }
    sizes[sizes.length - 1] = training.numClasses();

    SplittableRandom rng = new SplittableRandom(config.seed());
    List<EpochReport> history = new ArrayList<>();
    float[][] best = null;
    int bestEpoch = 0;
    double bestAccuracy = -1;
    try (ParallelRange parallel = new ParallelRange(config.threads())) {
      QatNetwork net = new QatNetwork(sizes, config.bits(), config.batchSize(), parallel);
      SplittableRandom init = rng.split(); // split either way: the same seed gives the same batches
      if (config.initialModel().isPresent()) {
        net.load(config.initialModel().get());
      } else {
        net.initialize(init);
      }
      BatchSource batches = new BatchSource(fit, inputs, config.augmentation().orElse(null),
          config.batchSize());
      List<Adam> optimizers = optimizers(net);
      long totalSteps = (long) config.epochs() * batches.batchesPerEpoch();
      long step = 0;
      for (int epoch = 0; epoch < config.epochs(); epoch++) {
        boolean qat = epoch >= config.floatWarmupEpochs();
        net.setQuantize(qat);
        if (qat) {
          // A fine-tuned model keeps its clips; a new one gets them from the activations when QAT starts.
          boolean initClips = epoch == config.floatWarmupEpochs() && config.initialModel().isEmpty();
          NoiseCalibration.update(net, inputs, calibration, config.noise(),
              initClips ? config.clipPercentile() : Double.NaN);
        }
        net.refreshEffectiveWeights();
        double lossSum = 0;
        int rowsSeen = 0;
        batches.startEpoch(rng.split());
        SplittableRandom noiseRng = rng.split();
        int rows;
        while ((rows = batches.next(net.inputBuffer())) > 0) {
          float[][] gauss = qat && config.noise().sigmaPositions() > 0 ? gaussians(net, rows, noiseRng)
              : null;
          net.forward(rows, gauss);
          lossSum += net.backward(rows, batches.labels());
          rowsSeen += rows;
          step++;
          update(net, optimizers, learningRate(step, totalSteps), step);
          net.refreshEffectiveWeights();
        }
        FloatModel model = net.toFloatModel(scaler, training.classNames());
        double[] acc = validate(model, calibration, validation, qat, epoch);
        // Without validation rows every epoch is "best": the last one is kept.
        if (qat && (validation == null || acc[0] >= bestAccuracy)) {
          bestAccuracy = acc[0];
          best = net.snapshot();
          bestEpoch = epoch + 1;
        }
        EpochReport report = new EpochReport(epoch + 1, config.epochs(), lossSum / rowsSeen, acc[0],
            acc[1], learningRate(step, totalSteps), Duration.ofNanos(System.nanoTime() - start));
        history.add(report);
        listener.onEpoch(report);
      }
      net.restore(best);
      FloatModel model = net.toFloatModel(scaler, training.classNames());
      QuantizedModel quantized = ModelQuantizer.quantize(model, config.bits(), training);
      return new TrainingResult(model, quantized, history, bestEpoch,
          Duration.ofNanos(System.nanoTime() - start));
    }
  }

  private double[] validate(FloatModel model, Dataset calibration, Dataset validation, boolean qat,
      int epoch) {
    if (validation == null) {
      return new double[] {Double.NaN, Double.NaN};
    }
    if (!qat) {
      return new double[] {model.accuracy(validation), Double.NaN};
    }
    QuantizedModel q = ModelQuantizer.quantize(model, config.bits(), calibration);
    AccuracyReport exact = QuantizedAccuracy.exact(q, validation);
    AccuracyReport noisy = QuantizedAccuracy.noisy(q, validation, config.noise(),
        config.seed() ^ NOISE_SALT ^ epoch);
    return new double[] {exact.accuracy(), noisy.accuracy()};
  }

  private List<Adam> optimizers(QatNetwork net) {
    List<Adam> list = new ArrayList<>();
    for (int l = 0; l < net.layers(); l++) {
      list.add(new Adam(net.w[l].length, config.weightDecay()));
      list.add(new Adam(net.b[l].length, 0));
    }
    list.add(new Adam(net.clip.length, config.weightDecay()));
    return list;
  }

  private static void update(QatNetwork net, List<Adam> opt, double lr, long step) {
    for (int l = 0; l < net.layers(); l++) {
      opt.get(2 * l).step(net.w[l], net.gw[l], lr, step);
      opt.get(2 * l + 1).step(net.b[l], net.gb[l], lr, step);
    }
    if (net.quantizing() && net.clip.length > 0) {
      opt.get(2 * net.layers()).step(net.clip, net.gclip, lr, step);
      for (int l = 0; l < net.clip.length; l++) {
        net.clip[l] = Math.max(net.clip[l], 1e-3f);
      }
    }
  }

  private double learningRate(long step, long total) {
    double lr0 = config.learningRate();
    double lr1 = lr0 * config.finalLearningRateFraction();
    return lr1 + (lr0 - lr1) * 0.5 * (1 + Math.cos(Math.PI * Math.min(step, total) / total));
  }

  private static float[][] gaussians(QatNetwork net, int rows, SplittableRandom rng) {
    float[][] g = new float[net.layers() - 1][];
    for (int l = 0; l < g.length; l++) {
      g[l] = new float[rows * net.size(l + 1)];
      for (int k = 0; k < g[l].length; k++) {
        g[l][k] = (float) rng.nextGaussian();
      }
    }
    return g;
  }

  @Override
  public String toString() {
    return "Trainer[hidden " + config.hiddenSizes() + ", " + config.bits() + "]";
  }
}
