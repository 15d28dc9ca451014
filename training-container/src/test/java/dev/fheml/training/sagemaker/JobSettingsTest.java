package dev.fheml.training.sagemaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.Recipes;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the hyperparameters become the trainer's and the compiler's settings. */
class JobSettingsTest {
  private static final Dataset ROWS = Dataset.of(new float[4], new int[] {0, 1}, List.of("a", "b"),
      List.of("x", "y"));
  private static final TrainingData CSV = new TrainingData("train", ROWS, Optional.empty(), List.of(Path.of("a.csv")));

  private static TrainingData images(int w, int h) {
    Dataset d = Dataset.of(new float[2 * w * h], new int[] {0, 1}, Dataset.numberedNames("px", w * h),
        Dataset.numberedNames("", 10));
    return new TrainingData("train", d, Optional.of(new TrainingData.ImageShape(w, h)), List.of());
  }

  private static JobSettings settings(Map<String, String> h) throws TrainingJobException {
    return JobSettings.from(Hyperparameters.of(h));
  }

  @Test
  void defaultsOnMnistImagesAreTheMeasuredMnistRecipe() throws Exception {
    TrainingConfig ours = JobSettings.defaults().trainingConfig(images(28, 28));
    TrainingConfig recipe = Recipes.mnist(List.of(64), null, 1);
    assertEquals(recipe.hiddenSizes(), ours.hiddenSizes());
    assertEquals(recipe.bits(), ours.bits());
    assertEquals(recipe.noise(), ours.noise());
    assertEquals(recipe.epochs(), ours.epochs());
    assertEquals(recipe.augmentation(), ours.augmentation());
    assertEquals(recipe.learningRate(), ours.learningRate());
    assertEquals(recipe.batchSize(), ours.batchSize());
    assertEquals(255.0, ours.scaler().orElseThrow().max(0));
  }

  @Test
  void otherImageSizesAugmentAtTheirSize() throws Exception {
    ImageAugmentation a = settings(Map.of("elastic", "0")).trainingConfig(images(16, 12)).augmentation().orElseThrow();
    assertEquals(List.of(16, 12), List.of(a.width(), a.height()));
    assertEquals(0.0, a.elasticDisplacement());
    assertTrue(settings(Map.of("augment", "false")).trainingConfig(images(28, 28)).augmentation().isEmpty());
    assertTrue(settings(Map.of("model", "logreg")).trainingConfig(images(28, 28)).augmentation().isEmpty());
  }

  @Test
  void csvRowsFitTheirScalerAndCannotBeAugmented() throws Exception {
    TrainingConfig c = settings(Map.of("model", "logreg", "train_noise", "false")).trainingConfig(CSV);
    assertTrue(c.scaler().isEmpty());
    assertTrue(c.hiddenSizes().isEmpty());
    assertEquals(30, c.epochs());
    assertEquals(0.0, c.noise().sigmaPositions());
    String message = assertThrows(TrainingJobException.class,
        () -> settings(Map.of("augment", "true")).trainingConfig(CSV)).getMessage();
    assertTrue(message.contains("augmentation distorts images, but channel train holds CSV rows"), message);
  }

  @Test
  void parameterSetGoesToTheCompiler() throws Exception {
    assertEquals(FheParameters.PBS_L2, JobSettings.defaults().compileOptions().parameters());
    assertEquals(FheParameters.PBS_L1,
        settings(Map.of("parameters", FheParameters.PBS_L1)).compileOptions().parameters());
  }
}
