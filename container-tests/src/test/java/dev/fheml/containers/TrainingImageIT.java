package dev.fheml.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.artifact.ModelArtifacts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The training image under SageMaker's training contract, run with podman. */
class TrainingImageIT {

  @Test
  void trainsOnMountedIdxChannelsAndWritesTheModel() throws Exception {
    TrainedModel.Job job = TrainedModel.job();
    assertEquals(0, job.result().exitCode(), job.result().output());
    Path model = job.model();
    String modelId = ModelArtifacts.readServer(model.resolve("server.zip")).manifest().modelId();
    ModelArtifacts.ClientModel client = ModelArtifacts.readClient(model.resolve("client.zip"));
    assertEquals(modelId, client.manifest().modelId());
    assertFalse(client.samples().isEmpty(), "client.zip carries smoke-test samples");

    JsonNode metrics = new ObjectMapper().readTree(model.resolve("metrics.json").toFile());
    assertEquals(modelId, metrics.path("model_id").asText());
    assertEquals(10_000, metrics.path("train_rows").asInt());
    assertEquals(10_000, metrics.path("test_rows").asInt());
    assertEquals(32 + 10, metrics.path("pbs_count").asInt()); // with a sanitizing bootstrap per class
    double accuracy = metrics.path("accuracy_quantized").asDouble();
    assertTrue(accuracy > 0.85, "3 epochs of a 784-32-10 MLP on 10k images: " + accuracy);
    assertTrue(job.result().output().contains("metric: accuracy_quantized=" + accuracy), job.result().output());
    assertFalse(Files.exists(job.failure()), "no failure file after a success");
  }

  @Test
  void runsAsNonRoot() throws Exception {
    TrainedModel.Job job = TrainedModel.job();
    // The files the job wrote are owned by the process that wrote them.
    assertEquals(1000, Files.getAttribute(job.model().resolve("server.zip"), "unix:uid"));
    Podman.Result id = Podman.run(Duration.ofMinutes(1), List.of("--rm", "--entrypoint", "id", Images.training(), "-u"))
        .orFail("id -u in the training image");
    assertEquals("1000", id.output().strip());
  }

  @Test
  void badChannelWritesTheFailureFileAndExitsNonZero() throws Exception {
    Path root = TrainedModel.newRoot("bad-channel");
    Files.createDirectories(root.resolve("input/data/train"));
    Files.write(root.resolve("input/data/train/weights.bin"), new byte[] {1, 2, 0, 3, (byte) 0xfe, 0});
    Podman.Result r = TrainedModel.train(root, "{\"epochs\": \"1\"}");
    assertEquals(1, r.exitCode(), r.output());
    List<String> failure = Files.readAllLines(root.resolve("output/failure"));
    assertEquals(1, failure.size(), "one line: " + failure);
    assertTrue(failure.get(0).contains("weights.bin is neither IDX (header 00 00 08 <rank>) nor CSV text"),
        failure.get(0));
    assertFalse(Files.exists(root.resolve("model/server.zip")));
  }

  @Test
  void badHyperparameterStringFailsTheJob() throws Exception {
    Path root = TrainedModel.newRoot("bad-hyperparameter");
    TrainedModel.copy(Path.of(System.getProperty("fheml.data.dir"), "breast-cancer/wdbc.csv"),
        root.resolve("input/data/train"));
    Podman.Result r = TrainedModel.train(root, "{\"hidden\": \"64,sixteen\"}");
    assertEquals(1, r.exitCode(), r.output());
    assertEquals(List.of("hyperparameter hidden: 'sixteen' is not an integer"),
        Files.readAllLines(root.resolve("output/failure")));
  }
}
