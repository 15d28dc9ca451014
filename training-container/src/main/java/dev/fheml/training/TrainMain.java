package dev.fheml.training;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.CsvFormat;
import dev.fheml.training.data.CsvReader;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.quant.AccuracyReport;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.quant.QuantizedAccuracy;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a model on a bundled or given dataset and prints plain, quantized and noisy-quantized test
 * accuracy, so that the numbers in the docs can be reproduced:
 * {@code java -cp ... dev.fheml.training.TrainMain --model mlp --hidden 64 --epochs 100 --seed 1}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train an FHE-ready model with quantization-aware training and report test accuracy.")
public final class TrainMain implements Callable<Integer> {

  /** Which architecture. */
  enum ModelKind { logreg, mlp }

  /** Which data. */
  enum DatasetKind { mnist, breast_cancer, csv }

  @Option(names = "--model", description = "logreg or mlp (default ${DEFAULT-VALUE})")
  ModelKind model = ModelKind.mlp;

  @Option(names = "--hidden", split = ",", description = "hidden layer widths (default 64)")
  List<Integer> hidden = List.of(64);

  @Option(names = "--dataset", description = "mnist, breast_cancer or csv (default ${DEFAULT-VALUE})")
  DatasetKind dataset = DatasetKind.mnist;

  @Option(names = "--csv", description = "CSV file for --dataset csv")
  Path csv;

  @Option(names = "--label", description = "label column name of the CSV (default: last column)")
  String label;

  @Option(names = "--data-dir", description = "the repository's data/ folder (default: searched)")
  Path dataDir;

  @Option(names = "--epochs", description = "default: 100 for mlp, 30 for logreg")
  Integer epochs;

  @Option(names = "--batch", description = "default ${DEFAULT-VALUE}")
  int batch = 64;

  @Option(names = "--lr", description = "initial Adam learning rate (default ${DEFAULT-VALUE})")
  double lr = 2e-3;

  @Option(names = "--weight-decay", description = "default ${DEFAULT-VALUE}")
  double weightDecay = 1e-4;

  @Option(names = "--input-bits", description = "default ${DEFAULT-VALUE}")
  int inputBits = 4;

  @Option(names = "--weight-bits", description = "default ${DEFAULT-VALUE}")
  int weightBits = 4;

  @Option(names = "--act-bits", description = "default ${DEFAULT-VALUE}")
  int actBits = 4;

  @Option(names = "--noise-positions", description = "bootstrap noise sigma in positions of 2048 "
      + "(default ${DEFAULT-VALUE})")
  double noisePositions = BootstrapNoise.DEFAULT_SIGMA_POSITIONS;

  @Option(names = "--train-noise", negatable = true, description = "inject the noise during training "
      + "(default true)")
  Boolean trainNoise;

  @Option(names = "--margin", description = "range margin per side (default ${DEFAULT-VALUE})")
  double margin = BootstrapNoise.DEFAULT_MARGIN_FRACTION;

  @Option(names = "--augment", negatable = true, description = "affine augmentation of MNIST images "
      + "(default true for mnist)")
  Boolean augment;

  @Option(names = "--elastic", description = "elastic distortion of MNIST images in pixels "
      + "(default ${DEFAULT-VALUE})")
  double elastic = 1.5;

  @Option(names = "--warmup", description = "float epochs before QAT (default ${DEFAULT-VALUE})")
  int warmup = 0;

  @Option(names = "--val-fraction", description = "default ${DEFAULT-VALUE}")
  double valFraction = 0.1;

  @Option(names = "--test-fraction", description = "held-out test share for CSV data "
      + "(default ${DEFAULT-VALUE})")
  double testFraction = 0.2;

  @Option(names = "--seed", description = "default ${DEFAULT-VALUE}")
  long seed = 1;

  @Option(names = "--threads", description = "default: min(2, cores)")
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
    BundledData bundled = dataDir != null ? BundledData.at(dataDir) : null;
    Dataset train;
    Dataset test;
    TrainingConfig.Builder cfg = TrainingConfig.builder();
    switch (dataset) {
      case mnist -> {
        BundledData b = bundled != null ? bundled : BundledData.locate();
        train = b.mnistTrain();
        test = b.mnistTest();
        cfg.scaler(MinMaxScaler.fixed(train.numFeatures(), 0, Mnist.MAX_PIXEL));
        if (augment == null ? model == ModelKind.mlp : augment) {
          cfg.augmentation(ImageAugmentation.mnistDefaults().withElastic(elastic, 4));
        }
      }
      case breast_cancer, csv -> {
        Dataset all;
        if (dataset == DatasetKind.csv) {
          if (csv == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--csv is required");
          }
          CsvFormat.Builder f = CsvFormat.builder();
          if (label != null) {
            f.labelColumn(label);
          }
          all = new CsvReader(f.build()).read(csv);
        } else {
          all = (bundled != null ? bundled : BundledData.locate()).breastCancer();
        }
        DataSplit split = DataSplit.stratified(all, testFraction, seed);
        train = split.kept();
        test = split.heldOut();
      }
      default -> throw new IllegalStateException();
    }
    BootstrapNoise noise = new BootstrapNoise(BootstrapNoise.DEFAULT_POSITIONS, noisePositions, margin);
    cfg.hiddenSizes(model == ModelKind.logreg ? List.of() : hidden)
        .bits(new QuantBits(inputBits, weightBits, actBits))
        .noise(trainNoise == null || trainNoise ? noise : noise.withSigmaPositions(0))
        .epochs(epochs != null ? epochs : model == ModelKind.mlp ? 100 : 30)
        .batchSize(batch).learningRate(lr).weightDecay(weightDecay)
        .floatWarmupEpochs(warmup).validationFraction(valFraction).seed(seed);
    if (threads != null) {
      cfg.threads(threads);
    }
    TrainingConfig config = cfg.build();
    out.printf("training %s %s on %s (%d rows), test %d rows, bits %s, noise %.1f positions%n", model,
        config.hiddenSizes(), dataset, train.size(), test.size(), config.bits(), noisePositions);
    TrainingResult result = new Trainer(config, quiet ? ProgressListener.silent()
        : ProgressListener.stderr()).train(train);
    report(result, test, noise);
    return 0;
  }

  private void report(TrainingResult result, Dataset test, BootstrapNoise noise) {
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
