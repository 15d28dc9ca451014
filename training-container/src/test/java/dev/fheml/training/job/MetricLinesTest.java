package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.fheml.training.pipeline.TrainingMetrics;
import dev.fheml.training.train.ModelKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricLinesTest {
  @Test
  void everyNumberIsALineNamedAsInMetricsJson() {
    TrainingMetrics m = new TrainingMetrics("job", ModelKind.LOGREG, List.of(), "x4/w4/a4", 30, 7, 456, 1.5e-5, 113,
        0.9, 0.95, 0.94, 0.625, "P", "id", 0, List.of("s"), 0.0625, -4, true);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetricLines.print(m, new PrintStream(out, true, StandardCharsets.UTF_8));
    assertEquals(List.of("metric: epochs=30", "metric: seed=7", "metric: train_rows=456",
        "metric: train_seconds=0.000015", "metric: test_rows=113", "metric: accuracy_plain=0.9",
        "metric: accuracy_quantized=0.95", "metric: accuracy_noisy_simulated=0.94",
        "metric: accuracy_majority_class=0.625", "metric: pbs_count=0",
        "metric: p_fail_per_query=0.0625", "metric: log2_p_fail_per_query=-4.0"),
        out.toString(StandardCharsets.UTF_8).lines().toList());
  }
}
