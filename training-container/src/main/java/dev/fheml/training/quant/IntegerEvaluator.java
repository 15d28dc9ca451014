package dev.fheml.training.quant;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The plaintext-integer reference evaluation of a {@link QuantizedModel}: exact {@code long} arithmetic
 * for every dense layer and the lookup-table activation for hidden layers, with the FHE circuit's
 * saturation ({@link QuantizedLayer#activateSaturated}: an accumulator outside its calibrated range,
 * widened by the margin, reads the nearer end), and, for a sanitized circuit, its saturated logits
 * ({@link QuantizedLayer#saturateLogit}). Its exact mode is what the FHE circuit must reproduce bit for
 * bit ("accuracy_quantized").
 *
 * <p>In noisy mode each hidden accumulator is read as {@code acc + N(0, sigma^2)} before the lookup,
 * with {@code sigma} from a {@link BootstrapNoise} and the neuron's calibrated range, simulating the
 * bootstrap's approximate rounding. Noise comes only from the given generator, so a seeded generator
 * gives reproducible results. Thread-safe: it holds only the immutable model.
 */
public final class IntegerEvaluator {
  private final QuantizedModel model;
  private final double marginFraction;
  private final boolean saturate;
  private final boolean saturateLogits;

  /** An evaluator for {@code model} compiled with the default margin and sanitized outputs. */
  public IntegerEvaluator(QuantizedModel model) {
    this(model, BootstrapNoise.DEFAULT_MARGIN_FRACTION, true);
  }

  /**
   * @param marginFraction the compiler's range margin (its saturation ranges)
   * @param saturateLogits whether the logits go through a sanitizing output bootstrap
   */
  public IntegerEvaluator(QuantizedModel model, double marginFraction, boolean saturateLogits) {
    this(model, marginFraction, true, saturateLogits);
  }

  private IntegerEvaluator(QuantizedModel model, double marginFraction, boolean saturate, boolean saturateLogits) {
    this.model = Objects.requireNonNull(model, "model");
    this.marginFraction = marginFraction;
    this.saturate = saturate;
    this.saturateLogits = saturateLogits;
  }

  /**
   * Without any saturation: for calibration, which measures the ranges saturation is defined by (the
   * model's ranges are not calibrated yet when it runs).
   */
  public static IntegerEvaluator unsaturated(QuantizedModel model) {
    return new IntegerEvaluator(model, 0, false, false);
  }

  /** The model evaluated. */
  public QuantizedModel model() {
    return model;
  }

  /** Exact integer logits for quantized input {@code x}. */
  public long[] logits(int[] x) {
    return trace(x).logits();
  }

  /** The exact evaluation with every intermediate value. */
  public EvaluationTrace trace(int[] x) {
    return run(x, null, null);
  }

  /**
   * A noisy evaluation: hidden accumulators are read with the bootstrap noise before the lookup.
   *
   * @param noise the noise model; {@code sigmaPositions == 0} gives the exact evaluation
   * @param rng   source of the Gaussian noise
   */
  public EvaluationTrace trace(int[] x, BootstrapNoise noise, RandomGenerator rng) {
    return run(x, Objects.requireNonNull(noise, "noise"), Objects.requireNonNull(rng, "rng"));
  }

  /** The real-valued logits {@code logits[k] * accumulatorScale(k)} of the output layer. */
  public double[] dequantize(long[] logits) {
    QuantizedLayer out = model.outputLayer();
    if (logits.length != out.outputs()) {
      throw new IllegalArgumentException("expected " + out.outputs() + " logits, got " + logits.length);
    }
    double[] v = new double[logits.length];
    for (int k = 0; k < v.length; k++) {
      v[k] = logits[k] * out.accumulatorScale(k);
    }
    return v;
  }

  /** The predicted class: argmax of the dequantized logits, lowest index on ties. */
  public int predict(long[] logits) {
    double[] v = dequantize(logits);
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }

  private EvaluationTrace run(int[] x, BootstrapNoise noise, RandomGenerator rng) {
    int maxX = model.input().maxValue();
    for (int i = 0; i < x.length; i++) {
      if (x[i] < 0 || x[i] > maxX) {
        throw new IllegalArgumentException("input " + i + " = " + x[i] + " is not in [0, " + maxX + "]");
      }
    }
    List<long[]> accs = new ArrayList<>();
    List<int[]> acts = new ArrayList<>();
    int outOfRange = 0;
    int[] in = x;
    long[] acc = null;
    double margin = noise == null ? marginFraction : noise.marginFraction();
    for (QuantizedLayer layer : model.layers()) {
      acc = layer.accumulate(in);
      accs.add(acc);
      if (!layer.isHidden()) {
        if (saturateLogits) {
          long[] saturated = new long[acc.length];
          for (int k = 0; k < acc.length; k++) {
            saturated[k] = layer.saturateLogit(k, acc[k], margin);
          }
          acc = saturated;
        }
        break;
      }
      int[] a = new int[acc.length];
      for (int j = 0; j < acc.length; j++) {
        AccumulatorRange r = layer.range(j);
        if (!r.contains(acc[j], margin)) {
          outOfRange++;
        }
        double read = acc[j];
        if (noise != null && noise.sigmaPositions() > 0) {
          read += noise.sigmaAccumulator(r.width()) * rng.nextGaussian();
        }
        a[j] = saturate ? layer.activateSaturated(j, read, margin) : layer.activate(j, read);
      }
      acts.add(a);
      in = a;
    }
    return new EvaluationTrace(List.copyOf(accs), List.copyOf(acts), acc, predict(acc), outOfRange);
  }
}
