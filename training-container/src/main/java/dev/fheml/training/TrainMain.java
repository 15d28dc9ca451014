package dev.fheml.training;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.ChannelReader;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.AccuracyReport;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantizedAccuracy;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * Trains a model on a bundled or given dataset and prints plain, quantized and noisy-quantized test
 * accuracy, so that the numbers in the docs can be reproduced:
 * {@code java -cp ... dev.fheml.training.TrainMain --model mlp --hidden 64 --epochs 100 --seed 1}.
 * The options fill a {@link TrainingRequest}; an option not given keeps the request's default.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train an FHE-ready model with quantization-aware training and report test accuracy.",
        "Options not given keep the training job's defaults (README, hyperparameter table)."})
public final class TrainMain implements Callable<Integer> {

  /** Which data. */
  enum DatasetKind { mnist, breast_cancer, csv }

  @Spec
  CommandSpec spec;

  @Option(names = "--model", description = "mlp or logreg (hyperparameter model)")
  String model;

  @Option(names = "--hidden", split = ",", description = "hidden layer widths of an mlp (hidden)")
  List<Integer> hidden;

  @Option(names = "--dataset", description = "mnist, breast_cancer or csv (default ${DEFAULT-VALUE})")
  DatasetKind dataset = DatasetKind.mnist;

  @Option(names = "--csv", description = "CSV file for --dataset csv")
  Path csv;

  @Option(names = "--label", description = "label column name of the CSV (label)")
  String label;

  @Option(names = "--data-dir", description = "the repository's data/ folder (default: searched)")
  Path dataDir;

  @Option(names = "--epochs", description = "passes over the training rows (epochs)")
  Integer epochs;

  @Option(names = "--batch", description = "rows per step (batch_size)")
  Integer batch;

  @Option(names = "--lr", description = "initial Adam learning rate (learning_rate)")
  Double lr;

  @Option(names = "--weight-decay", description = "decoupled weight decay (weight_decay)")
  Double weightDecay;

  @Option(names = "--input-bits", description = "input bits (input_bits)")
  Integer inputBits;

  @Option(names = "--weight-bits", description = "weight bits (weight_bits)")
  Integer weightBits;

  @Option(names = "--act-bits", description = "activation bits (activation_bits)")
  Integer actBits;

  @Option(names = "--noise-positions", description = "bootstrap noise sigma in positions of 2048 (noise_positions)")
  Double noisePositions;

  @Option(names = "--train-noise", negatable = true, description = "inject the noise during training (train_noise)")
  Boolean trainNoise;

  @Option(names = "--margin", description = "range margin per side of the noise model")
  Double margin;

  @Option(names = "--augment", negatable = true, description = "distort images while training (augment; default"
      + " on for the bundled mnist with an mlp, else off)")
  Boolean augment;

  @Option(names = "--elastic", description = "elastic distortion of images in pixels (elastic)")
  Double elastic;

  @Option(names = "--warmup", description = "float epochs before quantization-aware training")
  Integer warmup;

  @Option(names = "--val-fraction", description = "validation share of the training rows (validation_fraction)")
  Double valFraction;

  @Option(names = "--test-fraction", description = "held-out test share for CSV data (test_fraction)")
  Double testFraction;

  @Option(names = "--seed", description = "seeds everything (seed)")
  Long seed;

  @Option(names = "--threads", description = "training threads (threads)")
  Integer threads;

  @Option(names = "--noise-repeats", description = "noisy test evaluations to average "
      + "(default ${DEFAULT-VALUE})")
  int noiseRepeats = 3;

  @Option(names = "--quiet", description = "no per-epoch progress")
  boolean quiet;

  private final PrintStream out = System.out;

  /** Entry point; exits with the command's status when it is not 0 (so it can run inside Maven). */
  public static void main(String[] args) {
    int status = new CommandLine(new TrainMain()).execute(args);
    if (status != 0) {
      System.exit(status);
    }
  }

  @Override
  public Integer call() throws Exception {
    TrainingRequest request;
    try {
      request = request();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    BundledData bundled = dataDir != null ? BundledData.at(dataDir) : null;
    Dataset train;
    Dataset test;
    Optional<ImageShape> image = Optional.empty();
    switch (dataset) {
      case mnist -> {
        BundledData b = bundled != null ? bundled : BundledData.locate();
        train = b.mnistTrain();
        test = b.mnistTest();
        image = Optional.of(Mnist.IMAGE);
      }
      case breast_cancer, csv -> {
        Dataset all;
        if (dataset == DatasetKind.csv) {
          if (csv == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--csv is required");
          }
          all = new ChannelReader(request.label(), out::println).read("csv", csv, List.of()).dataset();
        } else {
          all = (bundled != null ? bundled : BundledData.locate()).breastCancer();
        }
        DataSplit split = DataSplit.stratified(all, request.testFraction(), request.seed());
        train = split.kept();
        test = split.heldOut();
      }
      default -> throw new IllegalStateException();
    }
    DataShape shape = DataShape.of(train, image);
    out.println(request.settingsFor(shape).describe() + " (" + shape + ")");
    TrainingConfig config = request.trainingConfig(shape);
    out.printf("training %s %s on %s (%d rows), test %d rows, bits %s, noise %.1f positions%n", request.model(),
        config.hiddenSizes(), dataset, train.size(), test.size(), config.bits(), request.noisePositions());
    TrainingResult result = new Trainer(config, quiet ? ProgressListener.silent()
        : ProgressListener.stderr()).train(train);
    // Evaluated with the noise the circuit will have, also when training ran without it.
    BootstrapNoise noise = new BootstrapNoise(BootstrapNoise.DEFAULT_POSITIONS, request.noisePositions(),
        request.noiseMargin());
    report(result, test, noise, request.seed());
    return 0;
  }

  /** The request: the options given, the request's defaults for the others. */
  TrainingRequest request() {
    TrainingRequest.Builder b = TrainingRequest.builder();
    set(model, m -> b.model(ModelKind.fromWireName(m)));
    set(hidden, b::hidden);
    set(epochs, b::epochs);
    set(batch, b::batchSize);
    set(lr, b::learningRate);
    set(weightDecay, b::weightDecay);
    set(inputBits, b::inputBits);
    set(weightBits, b::weightBits);
    set(actBits, b::activationBits);
    set(noisePositions, b::noisePositions);
    set(trainNoise, b::trainNoise);
    set(margin, b::noiseMargin);
    // The bundled digits' measured recipe augments them (the training job does only when asked).
    set(augment != null ? augment : dataset == DatasetKind.mnist && !"logreg".equals(model) ? Boolean.TRUE : null,
        b::augment);
    set(elastic, b::elastic);
    set(warmup, b::warmupEpochs);
    set(valFraction, b::validationFraction);
    set(testFraction, b::testFraction);
    set(seed, b::seed);
    set(threads, b::threads);
    set(label, b::label);
    return b.build();
  }

  private static <T> void set(T option, Consumer<T> setter) {
    if (option != null) {
      setter.accept(option);
    }
  }

  private void report(TrainingResult result, Dataset test, BootstrapNoise noise, long seed) {
    QuantizedModel q = result.quantizedModel();
    double plain = result.floatModel().accuracy(test);
    AccuracyReport exact = QuantizedAccuracy.exact(q, test);
    double noisySum = 0;
    long outOfRange = 0;
    for (int r = 0; r < noiseRepeats; r++) {
      AccuracyReport n = QuantizedAccuracy.noisy(q, test, noise, seed * 1000 + r);
      noisySum += n.accuracy();
      outOfRange = n.outOfRange();
    }
    double agreement = QuantizedAccuracy.agreement(q, test, noise, seed * 1000);
    out.printf("model              %s, %d bootstraps%n", q, q.bootstrapCount());
    out.printf("best epoch         %d of %d, training time %.1f s%n", result.bestEpoch(),
        result.history().size(), result.duration().toMillis() / 1000.0);
    out.printf("accuracy_plain     %.4f%n", plain);
    out.printf("accuracy_quantized %.4f%n", exact.accuracy());
    out.printf("accuracy_noisy     %.4f (mean of %d, sigma %.1f positions, margin %.2f)%n",
        noiseRepeats == 0 ? Double.NaN : noisySum / noiseRepeats, noiseRepeats,
        noise.sigmaPositions(), noise.marginFraction());
    out.printf("noisy_agreement    %.4f%n", agreement);
    out.printf("out_of_range       %d hidden accumulators on the test set%n", outOfRange);
    for (int l = 0; l < q.layers().size(); l++) {
      QuantizedLayer layer = q.layers().get(l);
      long maxAbs = 0;
      for (int j = 0; j < layer.outputs(); j++) {
        maxAbs = Math.max(maxAbs, Math.max(Math.abs(layer.range(j).min()), Math.abs(layer.range(j).max())));
      }
      out.printf("layer %d            %s, max |acc| %d (%d bits signed)%n", l, layer, maxAbs,
          65 - Long.numberOfLeadingZeros(maxAbs));
    }
  }
}
