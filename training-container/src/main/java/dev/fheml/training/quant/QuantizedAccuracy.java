package dev.fheml.training.quant;

import dev.fheml.training.data.Dataset;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Accuracy of a {@link QuantizedModel} on a dataset with the {@link IntegerEvaluator}, exact or noisy.
 * Rows are evaluated in parallel; in noisy mode row {@code i} draws its noise from a generator seeded
 * with {@code seed} and {@code i}, so the result does not depend on the thread count.
 */
public final class QuantizedAccuracy {
  private QuantizedAccuracy() {
  }

  /** Exact integer accuracy ("accuracy_quantized"). */
  public static AccuracyReport exact(QuantizedModel model, Dataset data) {
    return measure(model, data, null, 0);
  }

  /** Accuracy with the bootstrap noise simulated, seeded. */
  public static AccuracyReport noisy(QuantizedModel model, Dataset data, BootstrapNoise noise,
      long seed) {
    return measure(model, data, noise, seed);
  }

  /**
   * The share of rows whose noisy prediction equals the exact one (how often the bootstrap noise changes
   * the answer), seeded as {@link #noisy}.
   */
  public static double agreement(QuantizedModel model, Dataset data, BootstrapNoise noise, long seed) {
    IntegerEvaluator eval = new IntegerEvaluator(model);
    InputQuantizer q = model.input();
    long same = IntStream.range(0, data.size()).parallel().filter(i -> {
      int[] x = q.quantize(data.row(i));
      return eval.trace(x).predicted() == eval.trace(x, noise, rowRandom(seed, i)).predicted();
    }).count();
    return data.size() == 0 ? 1.0 : (double) same / data.size();
  }

  private static SplittableRandom rowRandom(long seed, int row) {
    return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + row);
  }

  private static AccuracyReport measure(QuantizedModel model, Dataset data, BootstrapNoise noise,
      long seed) {
    IntegerEvaluator eval = new IntegerEvaluator(model);
    InputQuantizer q = model.input();
    long[] counts = IntStream.range(0, data.size()).parallel().mapToObj(i -> {
      int[] x = q.quantize(data.row(i));
      EvaluationTrace t = noise == null ? eval.trace(x)
          : eval.trace(x, noise, rowRandom(seed, i));
      return new long[] {t.predicted() == data.label(i) ? 1 : 0, t.outOfRange()};
    }).reduce(new long[2], (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    return new AccuracyReport(data.size(), (int) counts[0], counts[1]);
  }
}
