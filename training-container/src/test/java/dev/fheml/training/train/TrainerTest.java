package dev.fheml.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantizedAccuracy;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static Dataset train;
  private static Dataset test;

  @BeforeAll
  static void load() throws IOException {
    BundledData data = BundledData.locate();
    train = data.mnistTrain().head(5000);
    test = data.mnistTest().head(2000);
  }

  /** MNIST images without augmentation; fewer calibration rows than the trainer's default, for speed. */
  private static TrainingConfig.Builder mnist(Consumer<TrainingRequest.Builder> settings) {
    TrainingRequest.Builder b = TrainingRequest.builder().augment(false);
    settings.accept(b);
    return b.build().trainingConfig(DataShape.of(train, Optional.of(Mnist.IMAGE))).toBuilder().calibrationRows(500);
  }

  @Test
  void logisticRegressionLearnsMnist() {
    TrainingConfig cfg = mnist(b -> b.model(ModelKind.LOGREG).epochs(6)).build();
    List<EpochReport> seen = new ArrayList<>();
    TrainingResult r = new Trainer(cfg, seen::add).train(train);
    assertEquals(6, seen.size());
    assertEquals(List.of(1, 2, 3, 4, 5, 6), seen.stream().map(EpochReport::epoch).toList());
    assertTrue(seen.get(5).loss() < seen.get(0).loss(), "loss decreases");
    QuantizedModel q = r.quantizedModel();
    assertEquals(0, q.bootstrapCount());
    double acc = QuantizedAccuracy.exact(q, test).accuracy();
    assertTrue(acc > 0.85, "quantized logistic regression accuracy " + acc);
    assertTrue(r.floatModel().accuracy(test) > 0.85);
  }

  @Test
  void noisyQuantizedMlpLearnsMnist() {
    TrainingConfig cfg = mnist(b -> b.hidden(List.of(32)).epochs(6)).build();
    TrainingResult r = new Trainer(cfg, ProgressListener.silent()).train(train);
    QuantizedModel q = r.quantizedModel();
    assertEquals(32, q.bootstrapCount());
    QuantizedLayer hidden = q.layers().get(0);
    for (int j = 0; j < hidden.outputs(); j++) {
      assertTrue(hidden.range(j).width() > 0, "calibrated range of neuron " + j);
    }
    double exact = QuantizedAccuracy.exact(q, test).accuracy();
    double noisy = QuantizedAccuracy.noisy(q, test, BootstrapNoise.defaults(), 1).accuracy();
    assertTrue(exact > 0.85, "quantized MLP accuracy " + exact);
    assertTrue(noisy > 0.85, "noisy quantized MLP accuracy " + noisy);
  }

  @Test
  void sameSeedGivesIdenticalQuantizedWeightsWhateverTheThreads() {
    Dataset small = train.head(600);
    TrainingConfig.Builder b = mnist(r -> r.hidden(List.of(8)).epochs(2).batchSize(32))
        .augmentation(ImageAugmentation.mnistDefaults());
    QuantizedModel one = new Trainer(b.seed(11).threads(1).build(), ProgressListener.silent())
        .train(small).quantizedModel();
    QuantizedModel two = new Trainer(b.seed(11).threads(2).build(), ProgressListener.silent())
        .train(small).quantizedModel();
    QuantizedModel other = new Trainer(b.seed(12).threads(2).build(), ProgressListener.silent())
        .train(small).quantizedModel();
    for (int l = 0; l < 2; l++) {
      QuantizedLayer x = one.layers().get(l);
      QuantizedLayer y = two.layers().get(l);
      assertArrayEquals(x.weights(), y.weights());
      assertArrayEquals(x.biases(), y.biases());
      for (int j = 0; j < x.outputs(); j++) {
        assertEquals(x.weightScale(j), y.weightScale(j));
        assertEquals(x.range(j), y.range(j));
      }
    }
    assertEquals(one.layers().get(0).activation(), two.layers().get(0).activation());
    assertFalse(Arrays.equals(one.layers().get(0).weights(), other.layers().get(0).weights()),
        "another seed gives another model");
  }

  /** validation_fraction 0, or too few rows to hold any out, keeps the last epoch (it used to throw). */
  @Test
  void withoutValidationRowsTheLastEpochIsKept() throws IOException {
    Dataset all = BundledData.locate().breastCancer();
    for (Dataset rows : List.of(all, all.head(3))) {
      TrainingConfig cfg = TrainingRequest.builder().model(ModelKind.LOGREG).epochs(3).validationFraction(
          rows.size() > 3 ? 0 : 0.1).threads(2).build().trainingConfig(DataShape.of(rows, Optional.empty()));
      assertEquals(3, new Trainer(cfg, ProgressListener.silent()).train(rows).bestEpoch());
    }
  }

  @Test
  void breastCancerLogisticRegressionFromCsv() throws IOException {
    Dataset all = BundledData.locate().breastCancer();
    DataSplit split = DataSplit.stratified(all, 0.2, 1);
    TrainingConfig cfg = TrainingRequest.builder().model(ModelKind.LOGREG).epochs(30).batchSize(16)
        .learningRate(1e-2).inputBits(6).weightBits(6).build()
        .trainingConfig(DataShape.of(split.kept(), Optional.empty()));
    TrainingResult r = new Trainer(cfg, ProgressListener.silent()).train(split.kept());
    double acc = QuantizedAccuracy.exact(r.quantizedModel(), split.heldOut()).accuracy();
    assertTrue(acc > 0.9, "breast cancer quantized accuracy " + acc);
    assertEquals(List.of("benign", "malignant"), r.quantizedModel().classNames());
  }
}
