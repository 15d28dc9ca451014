package dev.fheml.training.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.training.train.ModelKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingMetricsTest {
  static final TrainingMetrics METRICS = new TrainingMetrics("job-1", ModelKind.MLP, List.of(64), "x4/w4/a4", 100, 1,
      9000, 87.5, 1000, 0.9696, 0.9739, 0.9735, 0.1135, "TUNIFORM_2M128_2_2_PBS_L2", "ab12", 64,
      List.of("layer 1", "layer 2"), Math.pow(2, -60.5), -60.5, true);

  /** The keys readers of metrics.json (the demo, the benchmarks, people) know: spelled out on purpose. */
  @Test
  void jsonKeysAreTheDocumentedSnakeCaseNames() throws Exception {
    JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(METRICS));
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("name", "model", "hidden", "bits", "epochs", "seed", "train_rows", "train_seconds", "test_rows",
        "accuracy_plain", "accuracy_quantized", "accuracy_noisy_simulated", "accuracy_majority_class", "params",
        "model_id", "pbs_count", "stages", "p_fail_per_query", "log2_p_fail_per_query", "sanitized"),
        keys);
    assertEquals("mlp", json.get("model").asText());
    assertEquals("ab12", json.get("model_id").asText());
    assertEquals(0.9739, json.get("accuracy_quantized").asDouble());
  }

  @Test
  void readsBackAsTheRecord() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertEquals(METRICS, json.readValue(json.writeValueAsBytes(METRICS), TrainingMetrics.class));
    assertEquals(Long.valueOf(1), Long.valueOf(((Number) METRICS.asJsonMap().get("seed")).longValue()));
  }
}
