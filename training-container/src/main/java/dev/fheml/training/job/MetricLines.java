package dev.fheml.training.job;

import dev.fheml.training.pipeline.TrainingMetrics;
import java.io.PrintStream;
import java.math.BigDecimal;

/**
 * Prints the numeric metrics as {@code metric: NAME=VALUE} lines, plain decimals (no exponent), so
 * a SageMaker metric definition such as {@code {"Name": "accuracy_quantized", "Regex":
 * "metric: accuracy_quantized=([0-9.]+)"}} reads them from the job's log.
 */
public final class MetricLines {
  public static final String PREFIX = "metric: ";

  private MetricLines() {}

  /** One line per finite number of {@code metrics}, named as in {@code metrics.json}. */
  public static void print(TrainingMetrics metrics, PrintStream out) {
    metrics.asJsonMap().forEach((name, value) -> {
      if (value instanceof Double d && Double.isFinite(d)) {
        out.println(PREFIX + name + "=" + BigDecimal.valueOf(d).toPlainString());
      } else if (value instanceof Integer || value instanceof Long) {
        out.println(PREFIX + name + "=" + value);
      }
    });
    out.flush();
  }
}
