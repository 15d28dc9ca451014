package dev.fheml.training.sagemaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HyperparametersTest {

  private static Hyperparameters json(String text) throws TrainingJobException {
    return Hyperparameters.parse(text.getBytes(StandardCharsets.UTF_8), "hyperparameters.json");
  }

  private static String failure(String text) {
    return assertThrows(TrainingJobException.class, () -> JobSettings.from(json(text))).getMessage();
  }

  @Test
  void sageMakerStringValuesAreTyped() throws Exception {
    JobSettings s = JobSettings.from(json("""
        {"model": "mlp", "hidden": "32,16", "epochs": "7", "learning_rate": "0.01", "seed": "42",
         "augment": "False", "bits": "5", "weight_bits": "6", "validation_fraction": "0"}"""));
    assertEquals(List.of(32, 16), s.hidden());
    assertEquals(7, s.epochs().orElseThrow());
    assertEquals(0.01, s.learningRate());
    assertEquals(42, s.seed());
    assertEquals(false, s.augment().orElseThrow());
    assertEquals(5, s.bits().inputBits());
    assertEquals(6, s.bits().weightBits());
    assertEquals(5, s.bits().activationBits());
    assertEquals(0.0, s.validationFraction());
  }

  @Test
  void pythonSdkQuotedValuesAndPlainJsonAreAccepted() throws Exception {
    JobSettings quoted = JobSettings.from(json("{\"model\": \"\\\"logreg\\\"\", \"epochs\": \"\\\"3\\\"\"}"));
    assertTrue(quoted.linear());
    assertEquals(3, quoted.epochs().orElseThrow());
    JobSettings plain = JobSettings.from(json("{\"hidden\": [128, 64], \"epochs\": 12, \"train_noise\": true,"
        + " \"elastic\": 0}"));
    assertEquals(List.of(128, 64), plain.hidden());
    assertEquals(12, plain.epochs().orElseThrow());
    assertEquals(0.0, plain.elastic());
    assertEquals(List.of(128, 64), JobSettings.from(Hyperparameters.of(Map.of("hidden", "[128, 64]"))).hidden());
    assertEquals(10, JobSettings.from(Hyperparameters.of(Map.of("epochs", "10.0"))).epochs().orElseThrow());
  }

  @Test
  void defaultsAreDocumented() throws Exception {
    JobSettings d = JobSettings.defaults();
    assertFalse(d.linear());
    assertEquals(List.of(64), d.hidden());
    assertTrue(d.epochs().isEmpty());
    assertEquals(64, d.batchSize());
    assertEquals(1, d.seed());
    assertEquals(0.2, d.testFraction());
    assertEquals(Runtime.getRuntime().availableProcessors(), d.threads());
    assertEquals(d, JobSettings.from(json("{}")));
  }

  static List<Arguments> badValues() {
    return List.of(
        Arguments.of("{\"epochs\": \"ten\"}", "hyperparameter epochs: 'ten' is not an integer"),
        Arguments.of("{\"epochs\": \"0\"}", "hyperparameter epochs: '0' is not in [1, 100000]"),
        Arguments.of("{\"epochs\": \"2.5\"}", "hyperparameter epochs: '2.5' is not an integer"),
        Arguments.of("{\"model\": \"svm\"}", "hyperparameter model: 'svm' is not one of [mlp, logreg]"),
        Arguments.of("{\"hidden\": \"64,x\"}", "hyperparameter hidden: 'x' is not an integer"),
        Arguments.of("{\"hidden\": \"[]\"}", "an mlp needs at least one hidden width"),
        Arguments.of("{\"model\": \"logreg\", \"hidden\": \"8\"}", "a logreg model has no hidden layer"),
        Arguments.of("{\"augment\": \"maybe\"}", "hyperparameter augment: 'maybe' is not true or false"),
        Arguments.of("{\"learning_rate\": \"-1\"}", "hyperparameter learning_rate: '-1' is not in"),
        Arguments.of("{\"test_fraction\": \"1\"}", "hyperparameter test_fraction: '1' is not in"),
        Arguments.of("{\"seed\": \"1e30\"}", "hyperparameter seed: '1e30' is not a 64-bit integer"),
        Arguments.of("{\"parameters\": \"TOY\"}", "hyperparameter parameters: 'TOY' is not one of"),
        Arguments.of("{\"epoch\": \"3\"}", "unknown hyperparameter [epoch]; known: ["),
        Arguments.of("{\"hidden\": {\"a\": 1}}", "hyperparameter hidden in hyperparameters.json must be a string"),
        Arguments.of("[\"epochs\"]", "must hold a JSON object of hyperparameters"),
        Arguments.of("{\"epochs\": \"3\"", "hyperparameters.json is not valid JSON"));
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void badValuesNameTheHyperparameter(String text, String expected) {
    String message = failure(text);
    assertTrue(message.contains(expected), message);
  }

  @Test
  void sageMakerOwnEntriesAreNotUnknown() throws Exception {
    JobSettings.from(json("{\"sagemaker_region\": \"\\\"eu-west-1\\\"\", \"_tuning_objective_metric\": \"acc\"}"));
  }

  @Test
  void missingFileMeansDefaults(@TempDir Path dir) throws Exception {
    assertEquals(JobSettings.defaults(), JobSettings.from(Hyperparameters.read(dir.resolve("none.json"))));
    Path file = Files.writeString(dir.resolve("h.json"), "{\"seed\": \"9\"}");
    assertEquals(9, JobSettings.from(Hyperparameters.read(file)).seed());
  }
}
