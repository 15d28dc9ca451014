package dev.fheml.training.sagemaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.training.job.TrainingJobException;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.train.ModelKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** SageMaker's hyperparameter values parsed into a training request (whose defaults TrainingRequestTest checks). */
class HyperparametersTest {

  private static Hyperparameters json(String text) throws TrainingJobException {
    return Hyperparameters.parse(text.getBytes(StandardCharsets.UTF_8), "hyperparameters.json");
  }

  private static String failure(String text) {
    return assertThrows(TrainingJobException.class, () -> json(text).request()).getMessage();
  }

  private static TrainingRequest request(Map<String, String> values) throws TrainingJobException {
    return Hyperparameters.of(values).request();
  }

  @Test
  void sageMakerStringValuesAreTyped() throws Exception {
    TrainingRequest r = json("""
        {"model": "mlp", "hidden": "32,16", "epochs": "7", "learning_rate": "0.01", "seed": "42",
         "augment": "False", "bits": "5", "weight_bits": "6", "validation_fraction": "0", "threads": "3",
         "batch_size": "16", "weight_decay": "0", "test_fraction": "0.5", "elastic": "2", "train_noise": "no",
         "noise_positions": "4.5", "label": "kind", "parameters": "TUNIFORM_2M128_2_2_PBS_L1",
         "input_bits": "3", "activation_bits": "2"}""").request();
    assertEquals(ModelKind.MLP, r.model());
    assertEquals(Optional.of(List.of(32, 16)), r.hidden());
    assertEquals(Optional.of(7), r.epochs());
    assertEquals(Optional.of(0.01), r.learningRate());
    assertEquals(42, r.seed());
    assertEquals(Optional.of(false), r.augment());
    assertEquals(new QuantBits(3, 6, 2), r.bits(), "bits, then the one-of-three overrides");
    assertEquals(0.0, r.validationFraction());
    assertEquals(3, r.threads());
    assertEquals(Optional.of(16), r.batchSize());
    assertEquals(0.0, r.weightDecay());
    assertEquals(0.5, r.testFraction());
    assertEquals(2.0, r.elastic());
    assertFalse(r.trainNoise());
    assertEquals(4.5, r.noisePositions());
    assertEquals(Optional.of("kind"), r.label());
    assertEquals(FheParameters.PBS_L1, r.parameters().orElseThrow().name());
    assertFalse(r.compileOptions().chooseParameters());
  }

  @Test
  void pythonSdkQuotedValuesAndPlainJsonAreAccepted() throws Exception {
    TrainingRequest quoted = json("{\"model\": \"\\\"logreg\\\"\", \"epochs\": \"\\\"3\\\"\"}").request();
    assertEquals(ModelKind.LOGREG, quoted.model());
    assertEquals(Optional.of(3), quoted.epochs());
    TrainingRequest plain = json("{\"hidden\": [128, 64], \"epochs\": 12, \"train_noise\": true,"
        + " \"elastic\": 0}").request();
    assertEquals(Optional.of(List.of(128, 64)), plain.hidden());
    assertEquals(Optional.of(12), plain.epochs());
    assertEquals(0.0, plain.elastic());
    assertEquals(Optional.of(List.of(128, 64)), request(Map.of("hidden", "[128, 64]")).hidden());
    assertEquals(Optional.of(10), request(Map.of("epochs", "10.0")).epochs());
    assertEquals(ModelKind.LOGREG, request(Map.of("model", "LogReg")).model(), "any case");
    assertEquals(Optional.empty(), request(Map.of("label", "")).label());
  }

  @Test
  void noHyperparametersIsTheDefaultRequest() throws Exception {
    assertEquals(TrainingRequest.defaults(), json("{}").request());
    assertEquals(TrainingRequest.defaults(), Hyperparameters.none().request());
  }

  static List<Arguments> badValues() {
    return List.of(
        Arguments.of("{\"epochs\": \"ten\"}", "hyperparameter epochs: 'ten' is not an integer"),
        Arguments.of("{\"epochs\": \"0\"}", "hyperparameter epochs must be in [1, 100000], got 0"),
        Arguments.of("{\"epochs\": \"2.5\"}", "hyperparameter epochs: '2.5' is not an integer"),
        Arguments.of("{\"model\": \"svm\"}", "hyperparameter model must be one of [mlp, logreg], got 'svm'"),
        Arguments.of("{\"hidden\": \"64,x\"}", "hyperparameter hidden: 'x' is not an integer"),
        Arguments.of("{\"hidden\": \"[]\"}", "hyperparameter hidden: an mlp needs at least one hidden width"),
        Arguments.of("{\"model\": \"logreg\", \"hidden\": \"8\"}",
            "hyperparameter hidden: a logreg model has no hidden"),
        Arguments.of("{\"hidden\": \"16,0\"}", "hyperparameter hidden must be in [1, 4096], got 0"),
        Arguments.of("{\"augment\": \"maybe\"}", "hyperparameter augment: 'maybe' is not true or false"),
        Arguments.of("{\"learning_rate\": \"-1\"}", "hyperparameter learning_rate must be in [0.0000001, 10], got -1"),
        Arguments.of("{\"learning_rate\": \"NaN\"}", "hyperparameter learning_rate: 'NaN' is not a finite number"),
        Arguments.of("{\"test_fraction\": \"1\"}", "hyperparameter test_fraction must be in [0.01, 0.9], got 1"),
        Arguments.of("{\"seed\": \"1e30\"}", "hyperparameter seed: '1e30' is not a 64-bit integer"),
        Arguments.of("{\"parameters\": \"TOY\"}", "hyperparameter parameters must be auto or one of ["),
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
    json("{\"sagemaker_region\": \"\\\"eu-west-1\\\"\", \"_tuning_objective_metric\": \"acc\"}").request();
  }

  @Test
  void missingFileMeansDefaults(@TempDir Path dir) throws Exception {
    assertEquals(TrainingRequest.defaults(), Hyperparameters.read(dir.resolve("none.json")).request());
    Path file = Files.writeString(dir.resolve("h.json"), "{\"seed\": \"9\"}");
    assertEquals(9, Hyperparameters.read(file).request().seed());
  }
}
