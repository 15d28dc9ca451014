package dev.fheml.training.sagemaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.training.data.BundledData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training contract end to end on a temporary root: real training, compiling and packaging. */
class SageMakerTrainTest {
  @TempDir
  Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(Map<String, String> env, String... args) {
    return SageMakerTrain.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private int run(String... args) {
    return run(Map.of(), args);
  }

  private String failure() throws Exception {
    List<String> lines = Files.readAllLines(new SageMakerPaths(dir).failure());
    assertEquals(1, lines.size(), "one line: " + lines);
    return lines.get(0);
  }

  @Test
  void csvJobWritesBothZipsAndMetricsAndClearsAnOldFailure() throws Exception {
    JobRoot root = new JobRoot(dir).hyperparameters("""
        {"model": "mlp", "hidden": "4", "epochs": "3", "batch_size": "16", "learning_rate": "0.02",
         "seed": "3", "sagemaker_job_name": "\\"ignored\\""}""");
    root.channel("train").breastCancer("wdbc.csv");
    FailureReport.write(root.paths.failure(), "an earlier run failed");

    assertEquals(0, run(Map.of("TRAINING_JOB_NAME", "job-1"), "train", "--root", dir.toString()), err.toString());

    Path model = root.paths.model();
    String id = ModelArtifacts.readServer(model.resolve("server.zip")).manifest().modelId();
    assertEquals(id, ModelArtifacts.readClient(model.resolve("client.zip")).manifest().modelId());
    JsonNode metrics = new ObjectMapper().readTree(model.resolve("metrics.json").toFile());
    assertEquals("job-1", metrics.path("name").asText());
    assertEquals(113, metrics.path("test_rows").asInt(), "20 % of each class of 569 rows held out");
    assertEquals(4 + 2, metrics.path("pbs_count").asInt(), "4 hidden neurons and a sanitizing bootstrap per class");
    assertTrue(metrics.path("log2_p_fail_per_query").asDouble() <= -40, metrics.toString());
    String log = out.toString(StandardCharsets.UTF_8);
    assertTrue(log.matches("(?s).*\\nmetric: accuracy_quantized=[0-9.]+\\n.*"), log);
    assertTrue(log.contains("metric: train_rows=456"), log);
    assertFalse(Files.exists(root.paths.failure()), "no failure file after a success");
  }

  @Test
  void idxJobWithATestChannelFromTheEnvironmentRoot() throws Exception {
    JobRoot root = new JobRoot(dir).hyperparameters("{\"hidden\": \"8\", \"epochs\": \"1\"}");
    root.channel("train").mnist(1000);
    root.channel("test").mnist(200);
    assertEquals(0, run(Map.of(SageMakerPaths.ROOT_ENV, dir.toString())), err.toString());
    JsonNode metrics = new ObjectMapper().readTree(root.paths.model().resolve("metrics.json").toFile());
    assertEquals(1000, metrics.path("train_rows").asInt());
    assertEquals(200, metrics.path("test_rows").asInt());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("28x28 images"), out.toString());
  }

  @Test
  void missingTrainChannelFails() throws Exception {
    new JobRoot(dir).channel("training").breastCancer("wdbc.csv");
    assertEquals(1, run("--root", dir.toString()));
    assertTrue(failure().startsWith("no channel 'train': expected the training data in "), failure());
    assertTrue(failure().endsWith("; channels given: [training]"), failure());
    assertTrue(err.toString().contains("training job failed: no channel 'train'"), err.toString());
  }

  @Test
  void unknownChannelFails() throws Exception {
    JobRoot root = new JobRoot(dir);
    root.channel("train").breastCancer("wdbc.csv");
    root.channel("validation").breastCancer("wdbc.csv");
    assertEquals(1, run("--root", dir.toString()));
    assertEquals("unknown channel [validation]: this image reads 'train' (required), 'test' and 'model' (optional:"
        + " an ONNX model to import)", failure());
  }

  @Test
  void aModelChannelImportsTheOnnxModelCalibratedOnTrain() throws Exception {
    Path onnx = BundledData.locate().root().resolve("onnx");
    JobRoot root = new JobRoot(dir).hyperparameters("{\"seed\": \"2\"}");
    root.channel("model").file("model.onnx", Files.readAllBytes(onnx.resolve("breast-cancer-logreg.onnx")));
    root.channel("train").file("train.csv", Files.readAllBytes(onnx.resolve("breast-cancer-train.csv")));
    root.channel("test").file("test.csv", Files.readAllBytes(onnx.resolve("breast-cancer-test.csv")));

    assertEquals(0, run(Map.of("TRAINING_JOB_NAME", "import-1"), "--root", dir.toString()), err.toString());

    Path model = root.paths.model();
    String id = ModelArtifacts.readServer(model.resolve("server.zip")).manifest().modelId();
    assertEquals(id, ModelArtifacts.readClient(model.resolve("client.zip")).manifest().modelId());
    JsonNode metrics = new ObjectMapper().readTree(model.resolve("metrics.json").toFile());
    assertEquals(114, metrics.path("test_rows").asInt());
    assertEquals(455, metrics.path("train_rows").asInt(), "every calibration row");
    assertEquals(2, metrics.path("pbs_count").asInt(), "logistic regression: only the sanitizing bootstrap per class");
    JsonNode imported = metrics.path("import");
    assertEquals("model.onnx", imported.path("source").asText());
    assertEquals(List.of(30, 2), List.of(imported.path("layers").get(0).asInt(), imported.path("layers").get(1).asInt()));
    // scikit-learn's own accuracy on these rows is 111/114 (data/onnx/breast-cancer-logreg.reference.json)
    assertEquals(111 / 114.0, imported.path("float_accuracy").asDouble(), 1e-9);
    assertTrue(metrics.path("accuracy_quantized").asDouble() >= 108 / 114.0, metrics.toString());
  }

  @Test
  void trainerHyperparametersAreRefusedForAnImport() throws Exception {
    Path onnx = BundledData.locate().root().resolve("onnx");
    JobRoot root = new JobRoot(dir).hyperparameters("{\"hidden\": \"16\"}");
    root.channel("model").file("m.onnx", Files.readAllBytes(onnx.resolve("breast-cancer-mlp.onnx")));
    root.channel("train").file("train.csv", Files.readAllBytes(onnx.resolve("breast-cancer-train.csv")));
    assertEquals(1, run("--root", dir.toString()));
    assertTrue(failure().startsWith("hyperparameter hidden chooses what the trainer builds; an imported model brings"
        + " its own architecture"), failure());
    assertFalse(Files.exists(root.paths.model().resolve("server.zip")));
  }

  @Test
  void badHyperparameterFailsBeforeTraining() throws Exception {
    new JobRoot(dir).hyperparameters("{\"epochs\": \"many\"}").channel("train").breastCancer("wdbc.csv");
    assertEquals(1, run("--root", dir.toString()));
    assertEquals("hyperparameter epochs: 'many' is not an integer", failure());
    assertFalse(Files.exists(new SageMakerPaths(dir).model().resolve("server.zip")));
  }

  @Test
  void unreadableDataFailsNamingTheFileAndLine() throws Exception {
    new JobRoot(dir).channel("train").text("rows.csv", "a,b,label\n1,2,x\n3,oops,y\n");
    assertEquals(1, run("--root", dir.toString()));
    assertTrue(failure().startsWith("unreadable training data: "), failure());
    assertTrue(failure().contains("rows.csv: line 3, column 2 (b): 'oops' is not a number"), failure());
  }

  @Test
  void badArgumentsExitWithTwoAndAFailureFile() throws Exception {
    assertEquals(2, run("serve", "--root", dir.toString()));
    assertTrue(err.toString().contains("this is the training image"), err.toString());
    assertEquals(2, run("--root", dir.toString(), "--epochs", "3"));
    assertEquals("unexpected argument '--epochs'", failure());
    assertEquals(0, run("--help"));
    assertTrue(out.toString().startsWith("usage:"), out.toString());
  }
}
