package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.TrainingConfig;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The request's defaults (each asserted here and nowhere else), its checks, and what it configures. */
class TrainingRequestTest {
  /** A small table (iris' size) and the bundled MNIST subset, as the trainer gets them. */
  private static final DataShape CSV = new DataShape(120, 4, 3, Optional.empty());
  private static final DataShape MNIST = new DataShape(10_000, 784, 10, Optional.of(Mnist.IMAGE));

  private static TrainingRequest with(Consumer<TrainingRequest.Builder> settings) {
    TrainingRequest.Builder b = TrainingRequest.builder();
    settings.accept(b);
    return b.build();
  }

  private static String failure(Consumer<TrainingRequest.Builder> settings) {
    return assertThrows(IllegalArgumentException.class, () -> with(settings)).getMessage();
  }

  /** The README's hyperparameter table, value by value. */
  @Test
  void defaults() {
    TrainingRequest d = TrainingRequest.defaults();
    assertEquals(ModelKind.MLP, d.model());
    assertEquals(Optional.empty(), d.hidden(), "from the data");
    assertEquals(Optional.empty(), d.epochs(), "from the data");
    assertEquals(Optional.empty(), d.batchSize(), "from the data");
    assertEquals(Optional.empty(), d.learningRate(), "from the data");
    assertEquals(0.0001, d.weightDecay());
    assertEquals(new QuantBits(4, 4, 4), d.bits());
    assertEquals(1, d.seed());
    assertEquals(Runtime.getRuntime().availableProcessors(), d.threads());
    assertEquals(0.1, d.validationFraction());
    assertEquals(0.2, d.testFraction());
    assertEquals(Optional.empty(), d.augment());
    assertEquals(1.5, d.elastic());
    assertTrue(d.trainNoise());
    assertEquals(7.0, d.noisePositions());
    assertEquals(0, d.warmupEpochs());
    assertEquals(0.05, d.noiseMargin());
    assertEquals(Optional.empty(), d.label());
    assertEquals(Optional.empty(), d.parameters(), "auto: the compiler chooses");
    assertTrue(d.compileOptions().chooseParameters());
    assertEquals(Optional.of(List.of()), with(b -> b.model(ModelKind.LOGREG)).hidden(), "logreg's hidden");
  }

  @Test
  void bitsSetsAllThreeAndTheOthersOverrideOne() {
    assertEquals(new QuantBits(5, 6, 5), with(b -> b.bits(5).weightBits(6)).bits());
    assertEquals(new QuantBits(6, 6, 4), with(b -> b.inputBits(6).weightBits(6)).bits());
  }

  @Test
  void rangeErrorsStartWithTheHyperparameterName() {
    assertEquals("epochs must be in [1, 100000], got 0", failure(b -> b.epochs(0)));
    assertEquals("learning_rate must be in [0.0000001, 10], got -1", failure(b -> b.learningRate(-1)));
    assertEquals("test_fraction must be in [0.01, 0.9], got 1", failure(b -> b.testFraction(1)));
    assertEquals("validation_fraction must be in [0, 0.9], got NaN", failure(b -> b.validationFraction(Double.NaN)));
    assertEquals("hidden must be in [1, 4096], got 0", failure(b -> b.hidden(List.of(8, 0))));
    assertEquals("weight_bits must be in [2, 16], got 1", failure(b -> b.weightBits(1)));
    assertTrue(failure(b -> b.parameters("TOY")).startsWith("parameters must be auto or one of ["));
  }

  @Test
  void combinationsAreCheckedWhenBuilt() {
    assertTrue(failure(b -> b.model(ModelKind.LOGREG).hidden(List.of(8)))
        .startsWith("hidden: a logreg model has no hidden layer"));
    assertTrue(failure(b -> b.hidden(List.of())).startsWith("hidden: an mlp needs at least one hidden width"));
    assertTrue(failure(b -> b.epochs(3).warmupEpochs(3)).startsWith("warmup_epochs: 3 float epochs leave none"));
    assertEquals(Optional.of(List.of()), with(b -> b.model(ModelKind.LOGREG).hidden(List.of())).hidden());
    assertEquals(Optional.empty(), with(b -> b.label(" ")).label(), "blank = the last column");
  }

  /** The MNIST recipe of training-container/README.md, except augmentation, which is asked for. */
  @Test
  void defaultsOnMnistImagesAreTheMeasuredRecipe() {
    TrainingRequest d = TrainingRequest.defaults();
    TrainingConfig c = d.trainingConfig(MNIST);
    assertEquals(List.of(64), c.hiddenSizes());
    assertEquals(d.bits(), c.bits());
    assertEquals(BootstrapNoise.defaults(), c.noise());
    assertEquals(100, c.epochs());
    assertEquals(64, c.batchSize());
    assertEquals(0.002, c.learningRate());
    assertEquals(d.threads(), c.threads());
    assertTrue(c.augmentation().isEmpty(), "augmentation when asked for, or chosen on validation");
    assertTrue(d.choosesAugmentation(MNIST));
    assertFalse(d.choosesAugmentation(CSV));
    assertFalse(with(b -> b.augment(false)).choosesAugmentation(MNIST));
    assertFalse(with(b -> b.model(ModelKind.LOGREG)).choosesAugmentation(MNIST));
    assertEquals(ImageAugmentation.mnistDefaults().withElastic(d.elastic(), TrainingRequest.ELASTIC_GRID),
        with(b -> b.augment(true)).trainingConfig(MNIST).augmentation().orElseThrow());
    assertEquals(255.0, c.scaler().orElseThrow().max(0));
    assertEquals(30, with(b -> b.model(ModelKind.LOGREG)).trainingConfig(MNIST).epochs(), "logreg's epochs");
  }

  /** More images than the recipe's 10,000: fewer epochs (about the same steps), never fewer than 10. */
  @Test
  void moreImagesTrainFewerEpochs() {
    assertEquals(100, TrainingRequest.defaults().trainingConfig(new DataShape(8_000, 784, 10, MNIST.image()))
        .epochs(), "capped at the recipe's");
    assertEquals(17, TrainingRequest.defaults().trainingConfig(new DataShape(60_000, 784, 10, MNIST.image()))
        .epochs());
    assertEquals(10, TrainingRequest.defaults().trainingConfig(new DataShape(500_000, 784, 10, MNIST.image()))
        .epochs());
    assertEquals(7, with(b -> b.epochs(7)).trainingConfig(new DataShape(60_000, 784, 10, MNIST.image())).epochs(),
        "given wins");
  }

  /**
   * Tables: about 3000 Adam steps at 0.01 with batches of ~1/32 of the rows, hidden width from the
   * features; the image recipe's 30 epochs of 64-row batches left logistic regression at 36 % on iris.
   */
  @Test
  void tableDefaultsFollowRowsAndFeatures() {
    TrainingConfig iris = TrainingRequest.defaults().trainingConfig(CSV);
    assertEquals(List.of(8), iris.hiddenSizes(), "4 features: the smallest width");
    assertEquals(8, iris.batchSize(), "120 rows: the smallest batch");
    assertEquals(0.01, iris.learningRate());
    assertEquals(215, iris.epochs(), "108 fitted rows in 14 batches: 215 epochs for 3000 steps");
    TrainingConfig wide = TrainingRequest.defaults().trainingConfig(new DataShape(1440, 300, 3, Optional.empty()));
    assertEquals(List.of(16), wide.hiddenSizes(), "300 features: the widest default");
    assertEquals(0.00107, wide.learningRate(), "0.01 x 32/300: at 0.01 every hidden unit died");
    assertEquals(0.005, TrainingRequest.defaults().trainingConfig(new DataShape(1437, 64, 10, Optional.empty()))
        .learningRate());
    assertEquals(32, wide.batchSize(), "1440 rows / 32 = 45: the power of two below");
    assertEquals(74, wide.epochs(), "1296 fitted rows in 41 batches");
    assertEquals(500, TrainingRequest.defaults().trainingConfig(new DataShape(20, 4, 2, Optional.empty())).epochs(),
        "at most 500");
    assertEquals(30, TrainingRequest.defaults().trainingConfig(new DataShape(200_000, 4, 2, Optional.empty()))
        .epochs(), "at least 30");
    TrainingSettings s = with(b -> b.hidden(List.of(5)).batchSize(4)).settingsFor(CSV);
    assertEquals(List.of(5), s.hidden());
    assertEquals(4, s.batchSize());
    assertEquals(List.of("learning_rate 0.01", "epochs 112 (from 120 rows and batch 4)"), s.fromData());
  }

  @Test
  void otherImageSizesAugmentAtTheirSize() {
    ImageAugmentation a = with(b -> b.elastic(0).augment(true))
        .trainingConfig(new DataShape(100, 192, 2, Optional.of(new ImageShape(16, 12)))).augmentation().orElseThrow();
    assertEquals(List.of(16, 12), List.of(a.width(), a.height()));
    assertEquals(0.0, a.elasticDisplacement());
    assertTrue(with(b -> b.augment(false)).trainingConfig(MNIST).augmentation().isEmpty());
  }

  @Test
  void csvRowsFitTheirScalerAndCannotBeAugmented() {
    TrainingConfig c = with(b -> b.model(ModelKind.LOGREG).trainNoise(false)).trainingConfig(CSV);
    assertTrue(c.scaler().isEmpty());
    assertTrue(c.hiddenSizes().isEmpty());
    assertEquals(0.0, c.noise().sigmaPositions());
    assertTrue(TrainingRequest.defaults().trainingConfig(CSV).augmentation().isEmpty());
    String message = assertThrows(IllegalArgumentException.class,
        () -> with(b -> b.augment(true)).trainingConfig(CSV)).getMessage();
    assertTrue(message.startsWith("augment: augmentation distorts images"), message);
  }

  @Test
  void parameterSetAndMarginGoToTheCompiler() {
    // The default asks the compiler to choose the set; otherwise the options are the compiler's defaults.
    assertEquals(CompileOptions.defaults().withParameterChoice(Optional.empty()), TrainingRequest.defaults()
        .compileOptions());
    CompileOptions o = with(b -> b.parameters(FheParameters.PBS_L1).noiseMargin(0.1)).compileOptions();
    assertEquals(FheParameters.PBS_L1, o.parameters().name());
    assertEquals(0.1, o.rangeMargin());
    assertEquals(0.1, with(b -> b.noiseMargin(0.1)).trainingConfig(CSV).noise().marginFraction());
  }
}
