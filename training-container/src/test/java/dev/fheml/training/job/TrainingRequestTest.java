package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.training.compile.CompileOptions;
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
  private static final Optional<ImageShape> CSV = Optional.empty();
  private static final Optional<ImageShape> MNIST = Optional.of(Mnist.IMAGE);

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
    assertEquals(List.of(64), d.hidden());
    assertEquals(100, d.epochs());
    assertEquals(64, d.batchSize());
    assertEquals(0.002, d.learningRate());
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
    assertEquals(FheParameters.PBS_L2, d.parameters().name());
    assertEquals(30, with(b -> b.model(ModelKind.LOGREG)).epochs(), "logreg's epochs");
    assertEquals(List.of(), with(b -> b.model(ModelKind.LOGREG)).hidden(), "logreg's hidden");
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
    assertTrue(failure(b -> b.parameters("TOY")).startsWith("parameters must be one of ["));
  }

  @Test
  void combinationsAreCheckedWhenBuilt() {
    assertTrue(failure(b -> b.model(ModelKind.LOGREG).hidden(List.of(8)))
        .startsWith("hidden: a logreg model has no hidden layer"));
    assertTrue(failure(b -> b.hidden(List.of())).startsWith("hidden: an mlp needs at least one hidden width"));
    assertTrue(failure(b -> b.epochs(3).warmupEpochs(3)).startsWith("warmup_epochs: 3 float epochs leave none"));
    assertEquals(List.of(), with(b -> b.model(ModelKind.LOGREG).hidden(List.of())).hidden());
    assertEquals(Optional.empty(), with(b -> b.label(" ")).label(), "blank = the last column");
  }

  @Test
  void defaultsOnMnistImagesAreTheMeasuredRecipe() {
    TrainingConfig c = TrainingRequest.defaults().trainingConfig(MNIST);
    TrainingRequest d = TrainingRequest.defaults();
    assertEquals(d.hidden(), c.hiddenSizes());
    assertEquals(d.bits(), c.bits());
    assertEquals(BootstrapNoise.defaults(), c.noise());
    assertEquals(d.epochs(), c.epochs());
    assertEquals(d.batchSize(), c.batchSize());
    assertEquals(d.learningRate(), c.learningRate());
    assertEquals(d.threads(), c.threads());
    assertEquals(ImageAugmentation.mnistDefaults().withElastic(d.elastic(), TrainingRequest.ELASTIC_GRID),
        c.augmentation().orElseThrow());
    assertEquals(255.0, c.scaler().orElseThrow().max(0));
  }

  @Test
  void otherImageSizesAugmentAtTheirSize() {
    ImageAugmentation a = with(b -> b.elastic(0)).trainingConfig(Optional.of(new ImageShape(16, 12)))
        .augmentation().orElseThrow();
    assertEquals(List.of(16, 12), List.of(a.width(), a.height()));
    assertEquals(0.0, a.elasticDisplacement());
    assertTrue(with(b -> b.augment(false)).trainingConfig(MNIST).augmentation().isEmpty());
    assertTrue(with(b -> b.model(ModelKind.LOGREG)).trainingConfig(MNIST).augmentation().isEmpty());
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
    assertEquals(CompileOptions.defaults(), TrainingRequest.defaults().compileOptions());
    CompileOptions o = with(b -> b.parameters(FheParameters.PBS_L1).noiseMargin(0.1)).compileOptions();
    assertEquals(FheParameters.PBS_L1, o.parameters().name());
    assertEquals(0.1, o.rangeMargin());
    assertEquals(0.1, with(b -> b.noiseMargin(0.1)).trainingConfig(CSV).noise().marginFraction());
  }
}
