package dev.fheml.training.sagemaker;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Map;

/**
 * Prints the numeric metrics as {@code metric: NAME=VALUE} lines, plain decimals (no exponent), so
 * a SageMaker metric definition such as {@code {"Name": "accuracy_quantized", "Regex":
 * "metric: accuracy_quantized=([0-9.]+)"}} reads them from the job's log.
 */
public final class MetricLines {
  public static final String PREFIX = "metric: ";

  private MetricLines() {}

  public static void print(Map<String, Object> metrics, PrintStream out) {
    metrics.forEach((name, value) -> {
      if (value instanceof Double d && Double.isFinite(d)) {
        out.println(PREFIX + name + "=" + BigDecimal.valueOf(d).toPlainString());
      } else if (value instanceof Integer || value instanceof Long) {
        out.println(PREFIX + name + "=" + value);
      }
    });
    out.flush();
  }
}
