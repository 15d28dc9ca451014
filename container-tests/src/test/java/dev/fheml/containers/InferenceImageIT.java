package dev.fheml.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.FheClient;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.local.LocalStack;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The inference image serving the model the training image wrote, behind the local stack
 * (s3proxy + async invoker on this machine): the container runs on the host network, so it
 * reaches s3proxy on 127.0.0.1 and the invoker reaches it on its SAGEMAKER_BIND_TO_PORT.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceImageIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private final String container = "fheml-it-inference-" + UUID.randomUUID();
  private Path model;
  private URI server;
  private LocalStack stack;

  @BeforeAll
  void start() throws Exception {
    TrainedModel.Job job = TrainedModel.job();
    assertEquals(0, job.result().exitCode(), "the training image must have produced a model:\n" + job.result().output());
    model = job.model();
    int port = freePort();
    server = URI.create("http://127.0.0.1:" + port);
    stack = LocalStack.start(LocalStack.Options.of(model).withExternalServer(server));
    Podman.run(Duration.ofMinutes(2), List.of("--detach", "--name", container, "--network", "host",
        "-e", "SAGEMAKER_BIND_TO_PORT=" + port,
        "-e", "FHEML_KEY_BUCKET=" + stack.bucket(),
        "-e", "FHEML_S3_ENDPOINT=" + stack.s3Endpoint(),
        "-e", "AWS_REGION=" + stack.region(),
        "-e", "AWS_ACCESS_KEY_ID=" + LocalStack.ACCESS_KEY,
        "-e", "AWS_SECRET_ACCESS_KEY=" + LocalStack.SECRET_KEY,
        "-e", "AWS_EC2_METADATA_DISABLED=true",
        "-v", model + ":/opt/ml/model:ro",
        Images.inference(), "serve")).orFail("starting the inference container");
    awaitPing(Duration.ofMinutes(2));
  }

  @AfterAll
  void stop() {
    if (stack != null) {
      stack.close();
    }
    Podman.podman(Duration.ofMinutes(1), "rm", "--force", "--time", "0", container);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> ping() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(server.resolve("/ping")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void awaitPing(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = ping();
        if (r.statusCode() == 200) {
          return;
        }
        last = r.statusCode() + " " + r.body();
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError("/ping not ready after " + timeout + " (last: " + last + "); container log:\n"
        + Podman.podman(Duration.ofSeconds(30), "logs", container).output());
  }

  @Test
  @Order(1)
  void pingAnswersWithTheTrainedModel() throws Exception {
    HttpResponse<String> r = ping();
    assertEquals(200, r.statusCode());
    String expected = ModelArtifacts.readClient(model.resolve("client.zip")).manifest().modelId();
    assertEquals(expected, new ObjectMapper().readTree(r.body()).path("model_id").asText());
  }

  @Test
  @Order(2)
  void encryptedRoundTripThroughTheLocalStack() throws Exception {
    Path keys = Files.createTempDirectory(Path.of(System.getProperty("fheml.it.work")), "keys-");
    try (FheClient client = stack.clientBuilder().keyStore(keys).clientId("container-it").build()) {
      List<Sample> samples = client.samples().subList(0, 4);
      List<Prediction> predictions = client.predictBatch(samples.stream().map(Sample::features).toList());
      for (int i = 0; i < samples.size(); i++) {
        assertEquals(samples.get(i).expectedClass(), predictions.get(i).classIndex(), "sample " + i);
      }
    }
    String log = Podman.podman(Duration.ofSeconds(30), "logs", container).output();
    assertTrue(log.contains("\"event\":\"invocation\""), log);
  }

  @Test
  @Order(3)
  void runsAsNonRootAndExtractsTheNativeLibraryIntoItsTemp() {
    Podman.Result status = Podman.podman(Duration.ofSeconds(30), "exec", container, "cat", "/proc/1/status")
        .orFail("reading the server's process status");
    assertTrue(status.output().lines().anyMatch(l -> l.matches("Uid:\\s+1000\\s+1000\\s+1000\\s+1000")),
        status.output());
    assertEquals("1000", Podman.podman(Duration.ofSeconds(30), "exec", container, "id", "-u").orFail("id -u")
        .output().strip());
    Podman.Result tmp = Podman.podman(Duration.ofSeconds(30), "exec", container, "sh", "-c",
        "stat -c '%u %n' /tmp/fheml-native-*/libfheml_native.so").orFail("finding the extracted native library");
    assertTrue(tmp.output().startsWith("1000 /tmp/fheml-native-"), tmp.output());
  }

  @Test
  @Order(4)
  void sigtermStopsTheServerGracefully() {
    Podman.podman(Duration.ofMinutes(1), "stop", "--time", "30", container).orFail("podman stop");
    String log = Podman.podman(Duration.ofSeconds(30), "logs", container).output();
    assertTrue(log.contains("stopping: draining requests in flight") && log.contains("stopped"), log);
  }
}
