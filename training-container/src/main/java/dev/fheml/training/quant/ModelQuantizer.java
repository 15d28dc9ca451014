package dev.fheml.training.quant;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.model.DenseLayer;
import dev.fheml.training.model.FloatModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Turns a trained {@link FloatModel} into the {@link QuantizedModel}: per-neuron symmetric weights
 * ({@link WeightQuantization}), biases rounded to accumulator units, hidden activations quantized over
 * {@code [0, clip]} of each layer's learned ReLU clip, and accumulator ranges calibrated as the exact
 * min/max over a calibration dataset (the training data).
 *
 * <p>Quantization-aware training uses the same functions, so the quantized model computes what the
 * network was trained to compute.
 */
public final class ModelQuantizer {
  private ModelQuantizer() {
  }

  /**
   * Quantizes and calibrates.
   *
   * @param calibration rows whose accumulators define the ranges (at least one row)
   * @throws IllegalArgumentException if a ReLU clip is infinite or the dataset does not fit the model
   */
  public static QuantizedModel quantize(FloatModel model, QuantBits bits, Dataset calibration) {
    return calibrate(quantizeUncalibrated(model, bits), calibration);
  }

  /** Quantizes with every accumulator range set to {@code [0, 0]}; see {@link #calibrate}. */
  public static QuantizedModel quantizeUncalibrated(FloatModel model, QuantBits bits) {
    InputQuantizer input = new InputQuantizer(model.scaler(), bits.inputBits());
    List<QuantizedLayer> layers = new ArrayList<>();
    double inScale = input.scale();
    for (int l = 0; l < model.layers().size(); l++) {
      DenseLayer f = model.layers().get(l);
      boolean hidden = l < model.layers().size() - 1;
      Optional<ActivationQuantizer> act = Optional.empty();
      if (hidden) {
        double clip = model.reluClip(l);
        if (!Double.isFinite(clip)) {
          throw new IllegalArgumentException("hidden layer " + l + " has no finite ReLU clip");
        }
        act = Optional.of(ActivationQuantizer.forClip(clip, bits.activationBits()));
      }
      layers.add(quantizeLayer(f, bits.weightBits(), inScale, act));
      inScale = act.map(ActivationQuantizer::scale).orElse(0.0);
    }
    return new QuantizedModel(input, layers, model.classNames());
  }

  private static QuantizedLayer quantizeLayer(DenseLayer f, int weightBits, double inScale,
      Optional<ActivationQuantizer> act) {
    int n = f.inputs();
    int m = f.outputs();
    float[] w = f.weights();
    int[] q = new int[n * m];
    long[] b = new long[m];
    double[] scales = new double[m];
    for (int j = 0; j < m; j++) {
      double maxAbs = 0;
      for (int i = 0; i < n; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(w[j * n + i]));
      }
      scales[j] = WeightQuantization.scale(maxAbs, weightBits);
      for (int i = 0; i < n; i++) {
        q[j * n + i] = WeightQuantization.quantize(w[j * n + i], scales[j], weightBits);
      }
      b[j] = WeightQuantization.quantizeBias(f.bias(j), scales[j] * inScale);
    }
    AccumulatorRange[] ranges = new AccumulatorRange[m];
    Arrays.fill(ranges, new AccumulatorRange(0, 0));
    return new QuantizedLayer(n, m, weightBits, q, b, scales, inScale, act, ranges);
  }

  /**
   * Sets every neuron's accumulator range (every layer, the output layer included) to the exact min/max
   * over {@code calibration}.
   *
   * @throws IllegalArgumentException if {@code calibration} is empty or has the wrong feature count
   */
  public static QuantizedModel calibrate(QuantizedModel model, Dataset calibration) {
    if (calibration.size() == 0) {
      throw new IllegalArgumentException("calibration needs at least one row");
    }
    if (calibration.numFeatures() != model.input().numFeatures()) {
      throw new IllegalArgumentException("calibration data has " + calibration.numFeatures()
          + " features, the model " + model.input().numFeatures());
    }
    IntegerEvaluator eval = IntegerEvaluator.unsaturated(model);
    int layers = model.layers().size();
    long[][] min = new long[layers][];
    long[][] max = new long[layers][];
    for (int l = 0; l < layers; l++) {
      min[l] = new long[model.layers().get(l).outputs()];
      max[l] = new long[min[l].length];
      Arrays.fill(min[l], Long.MAX_VALUE);
      Arrays.fill(max[l], Long.MIN_VALUE);
    }
    for (int r = 0; r < calibration.size(); r++) {
      List<long[]> accs = eval.trace(model.input().quantize(calibration.row(r))).accumulators();
      for (int l = 0; l < layers; l++) {
        long[] a = accs.get(l);
        for (int j = 0; j < a.length; j++) {
          min[l][j] = Math.min(min[l][j], a[j]);
          max[l][j] = Math.max(max[l][j], a[j]);
        }
      }
    }
    List<QuantizedLayer> out = new ArrayList<>();
    for (int l = 0; l < layers; l++) {
      AccumulatorRange[] ranges = new AccumulatorRange[min[l].length];
      for (int j = 0; j < ranges.length; j++) {
        ranges[j] = new AccumulatorRange(min[l][j], max[l][j]);
      }
      out.add(model.layers().get(l).withRanges(ranges));
    }
    return model.withLayers(out);
  }
}
