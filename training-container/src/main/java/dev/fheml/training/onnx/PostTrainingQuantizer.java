package dev.fheml.training.onnx;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.DenseLayer;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.ModelQuantizer;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.quant.QuantizedAccuracy;
import dev.fheml.training.quant.QuantizedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Post-training quantization of an imported network into the trainer's integer-model contract
 * (training-container README): the client's raw features are scaled to [0, 1] by {@code scaler} and
 * {@link InputPreprocessing} is folded into the first layer; weights get per-neuron (per-channel)
 * symmetric scales; each hidden layer's ReLU clip, which sets its activation scale, is chosen among
 * percentiles of its calibration activations by the quantized accuracy on the calibration data
 * (greedily, first layer first); accumulator ranges are calibrated on the same data.
 */
public final class PostTrainingQuantizer {
  /** Percentiles of a layer's positive activations tried as its clip (1.0 = the maximum). */
  static final double[] CLIP_PERCENTILES = {0.99, 0.995, 0.999, 0.9999, 1.0};
  /** Calibration rows used to choose clips (all rows calibrate the ranges). */
  static final int SEARCH_ROWS = 2000;

  private PostTrainingQuantizer() {}

  /** The float model, its quantization, and what was chosen. */
  public record Result(FloatModel floatModel, QuantizedModel quantized, double[] clips, double floatAccuracy,
      double quantizedAccuracy, List<String> log) {}

  /**
   * @param scaler      maps the client's raw features to [0, 1] (fixed 0..255 for pixels, fitted otherwise)
   * @param calibration rows in the client's raw units, labelled with the model's classes
   */
  public static Result quantize(ImportedNetwork net, InputPreprocessing pre, MinMaxScaler scaler, QuantBits bits,
      Dataset calibration) {
    if (calibration.numFeatures() != net.inputSize()) {
      throw new IllegalArgumentException("the calibration data has " + calibration.numFeatures()
          + " features, the model takes " + net.inputSize());
    }
    List<DenseLayer> layers = layers(net, pre, scaler);
    List<String> names = net.classNames();
    int hidden = layers.size() - 1;
    Dataset search = calibration.size() <= SEARCH_ROWS ? calibration : calibration.head(SEARCH_ROWS);
    List<String> log = new ArrayList<>();
    double[] clips = new double[hidden];
    Arrays.fill(clips, Double.POSITIVE_INFINITY);
    for (int l = 0; l < hidden; l++) {
      double[] candidates = candidates(new FloatModel(scaler, layers, clips, names), l, search);
      for (int later = l + 1; later < hidden; later++) {
        clips[later] = Double.POSITIVE_INFINITY; // provisional: set from the maximum below
      }
      double best = Double.NaN;
      double bestAccuracy = -1;
      for (double clip : candidates) {
        clips[l] = clip;
        double[] trial = provisional(scaler, layers, clips, names, search, l);
        double accuracy = QuantizedAccuracy.exact(
            ModelQuantizer.quantize(new FloatModel(scaler, layers, trial, names), bits, search), search).accuracy();
        if (accuracy > bestAccuracy) {
          bestAccuracy = accuracy;
          best = clip;
        }
      }
      clips[l] = best;
      log.add(String.format("layer %d: ReLU clip %.4g (of %s), quantized calibration accuracy %.4f", l + 1, best,
          Arrays.toString(candidates), bestAccuracy));
    }
    FloatModel model = new FloatModel(scaler, layers, clips, names);
    QuantizedModel q = ModelQuantizer.quantize(model, bits, calibration);
    double floatAccuracy = model.accuracy(calibration);
    double quantizedAccuracy = QuantizedAccuracy.exact(q, calibration).accuracy();
    log.add(String.format("calibration accuracy: float %.4f, quantized %.4f (%s)", floatAccuracy, quantizedAccuracy,
        bits));
    return new Result(model, q, clips, floatAccuracy, quantizedAccuracy, log);
  }

  /** The network's layers as float dense layers, the first reading scaler outputs in [0, 1]. */
  public static List<DenseLayer> layers(ImportedNetwork net, InputPreprocessing pre, MinMaxScaler scaler) {
    int[] shape = net.inputShape();
    int n = net.inputSize();
    List<DenseLayer> out = new ArrayList<>();
    for (int l = 0; l < net.layerCount(); l++) {
      double[] w = net.weights(l);
      double[] b = net.bias(l);
      int inputs = net.layerInputs(l);
      int outputs = net.layerOutputs(l);
      if (l == 0) {
        // input_i = a_i * raw_i + c_i and raw_i = min_i + u_i * range_i, u_i the scaler's output.
        for (int i = 0; i < n; i++) {
          double a = pre.multiplier(i, shape);
          double c = pre.offset(i, shape);
          double range = scaler.max(i) - scaler.min(i);
          double constant = a * scaler.min(i) + c;
          double factor = range > 0 ? a * range : 0;
          for (int j = 0; j < outputs; j++) {
            b[j] += w[j * inputs + i] * constant;
            w[j * inputs + i] *= factor;
          }
        }
      }
      out.add(new DenseLayer(inputs, outputs, toFloats(w), toFloats(b)));
    }
    return out;
  }

  /** Clips for layers after {@code layer}: their maximum activation with the clips chosen so far. */
  private static double[] provisional(MinMaxScaler scaler, List<DenseLayer> layers, double[] clips, List<String> names,
      Dataset data, int layer) {
    double[] out = clips.clone();
    for (int l = layer + 1; l < out.length; l++) {
      out[l] = maxActivation(new FloatModel(scaler, layers, out, names), l, data);
    }
    return out;
  }

  private static double[] candidates(FloatModel model, int layer, Dataset data) {
    double[] values = activations(model, layer, data);
    Arrays.sort(values);
    double[] out = new double[CLIP_PERCENTILES.length];
    for (int k = 0; k < out.length; k++) {
      int at = (int) Math.min(values.length - 1, Math.floor(CLIP_PERCENTILES[k] * (values.length - 1)));
      out[k] = values.length == 0 ? 1 : Math.max(values[at], 1e-6);
    }
    return Arrays.stream(out).distinct().toArray();
  }

  private static double maxActivation(FloatModel model, int layer, Dataset data) {
    return Math.max(Arrays.stream(activations(model, layer, data)).max().orElse(1), 1e-6);
  }

  /** The positive pre-clip activations of hidden layer {@code layer} over {@code data}. */
  private static double[] activations(FloatModel model, int layer, Dataset data) {
    List<Double> positive = new ArrayList<>();
    for (int r = 0; r < data.size(); r++) {
      float[] raw = data.row(r);
      double[] a = new double[raw.length];
      for (int i = 0; i < raw.length; i++) {
        a[i] = model.scaler().transform(i, raw[i]);
      }
      for (int l = 0; l <= layer; l++) {
        a = model.layers().get(l).apply(a);
        if (l < layer) {
          for (int j = 0; j < a.length; j++) {
            a[j] = Math.min(Math.max(a[j], 0), model.reluClip(l));
          }
        }
      }
      for (double v : a) {
        if (v > 0) {
          positive.add(v);
        }
      }
    }
    return positive.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static float[] toFloats(double[] v) {
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) v[i];
    }
    return out;
  }
}
