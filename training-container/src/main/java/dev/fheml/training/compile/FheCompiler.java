package dev.fheml.training.compile;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.LookupTables;
import dev.fheml.core.NoiseModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitCodec;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.Stage;
import dev.fheml.training.quant.AccumulatorRange;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles a {@link QuantizedModel} into a {@link Circuit} and {@link ClientSpec}.
 *
 * <p>Hidden layers: each neuron's calibrated accumulator range (widened by
 * {@link CompileOptions#rangeMargin()}) is mapped onto the bootstrap's N positions minus a noise
 * margin at both ends, by an integer multiplier k_j on its weights and an offset c_j in its bias
 * (free: the fresh input's noise is tiny), with one global power-of-two scale 2^s when a range is
 * wider than N. The neuron's lookup table lists, for every position, the activation of the
 * accumulator value at that position, so positions outside the calibrated range still read correct
 * (extrapolated) values; only a value that leaves [0, N) would wrap. Output layer: levelled, scaled
 * so that the worst-case |logit| fits the torus, then compacted with the fewest bits that keep the
 * decoding exact. Refuses (UnsafeModelException) a model for which this is impossible.
 */
public final class FheCompiler {
  private static final int MAX_SCALE_LOG2 = 40;
  private static final long MAX_MULTIPLIER = 1L << 20;
  private static final int[] COMPACTION_BITS = {16, 24, 32};

  private final CompileOptions options;
  private final FheParameters params;
  private final NoiseModel noise;

  public FheCompiler(CompileOptions options) {
    this.options = options;
    this.params = options.parameters();
    this.noise = new NoiseModel(params);
  }

  /**
   * @throws UnsafeModelException naming the layer and the reason if a value cannot be kept inside
   *     its encoding with the required margins
   */
  public CompiledModel compile(QuantizedModel model) {
    List<Stage> stages = new ArrayList<>();
    List<StageReport> reports = new ArrayList<>();
    List<QuantizedLayer> layers = model.layers();
    double inputVariance = noise.freshVariance();
    long inputMax = model.input().maxValue();
    long inputDelta = 0;
    long[][] pendingTables = null; // tables of the previous hidden layer, waiting for their output delta
    int pendingWidth = 0;

    for (int l = 0; l < layers.size(); l++) {
      QuantizedLayer layer = layers.get(l);
      String name = "layer " + (l + 1) + " (" + layer.inputs() + "->" + layer.outputs() + ")";
      long delta;
      DenseLayer dense;
      HiddenMapping m = null;
      if (layer.isHidden()) {
        m = mapHidden(layer, inputVariance, l == 0, name);
        delta = Long.divideUnsigned(1L << 63, (long) params.polynomialSize() << m.scaleLog2);
        dense = new DenseLayer(layer.inputs(), layer.outputs(), m.weights, m.bias, delta);
        reports.add(new StageReport(name + " -> bootstrap", layer.outputs(), m.maxSigma, "positions",
            m.margin / m.maxSigma, String.format("scale 2^%d, multipliers k in [%d, %d], %d of %d positions kept free"
                + " at each end", m.scaleLog2, m.minK, m.maxK, m.margin, params.polynomialSize())));
      } else {
        long maxAbs = worstCaseAbs(layer, inputMax);
        int bits = 64 - Long.numberOfLeadingZeros(maxAbs);
        if (bits > 60) {
          throw new UnsafeModelException(name + ": worst-case |logit| " + maxAbs
              + " does not fit the 64-bit torus with a margin (needs " + bits + " bits, at most 60)");
        }
        delta = 1L << (62 - bits);
        dense = new DenseLayer(layer.inputs(), layer.outputs(), longs(layer.weights()), layer.biases(), delta);
      }
      if (l == 0) {
        inputDelta = delta;
        stages.add(new Stage.InputDense(dense));
      } else {
        stages.add(new Stage.Bootstrap(LookupTables.perOutput(pendingTables, delta)));
        stages.add(new Stage.LevelledDense(dense));
      }
      if (layer.isHidden()) {
        pendingTables = tables(layer, m);
        pendingWidth = layer.outputs();
        inputVariance = noise.bootstrapOutputVariance();
        inputMax = layer.activation().orElseThrow().maxLevel();
      } else {
        stages.add(outputStage(layer, dense, inputVariance, l == 0, name, reports));
      }
    }
    if (pendingWidth != 0 && !(stages.get(stages.size() - 1) instanceof Stage.Compact)) {
      throw new AssertionError("the last layer of a validated model is an output layer");
    }

    Circuit circuit = new Circuit(params, model.input().numFeatures(), inputDelta, stages);
    QuantizedLayer out = model.outputLayer();
    double[] scales = new double[out.outputs()];
    for (int k = 0; k < scales.length; k++) {
      scales[k] = out.accumulatorScale(k);
    }
    ClientSpec spec = new ClientSpec(params, CircuitCodec.modelId(circuit), model.input().encoding(),
        inputDelta, circuit.outputDelta(), model.classNames(), scales);
    return new CompiledModel(circuit, spec, reports);
  }

  private Stage outputStage(QuantizedLayer layer, DenseLayer dense, double inputVariance, boolean glweInput,
      String name, List<StageReport> reports) {
    double[] norms = new double[layer.outputs()];
    for (int k = 0; k < norms.length; k++) {
      norms[k] = dense.rowNormSquared(k);
    }
    double maxNorm = max(glweInput ? noise.packedNormsSquared(norms, layer.inputs()) : norms);
    double unit = dense.delta() / 0x1p64; // one logit unit as a fraction of the torus
    double variance = NoiseModel.denseVariance(inputVariance, maxNorm);
    int bits = COMPACTION_BITS[COMPACTION_BITS.length - 1];
    for (int b : COMPACTION_BITS) {
      if (Math.sqrt(noise.compactVariance(false, b)) <= unit / 16) {
        bits = b;
        break;
      }
    }
    double sigmaUnits = Math.sqrt(variance + noise.compactVariance(false, bits)) / unit;
    reports.add(new StageReport(name + " -> output", 0, sigmaUnits, "logit units", 0.5 / sigmaUnits,
        String.format("delta 2^%d, response compacted to %d bits under the big key", 63 - Long.numberOfLeadingZeros(
            dense.delta()), bits)));
    return new Stage.Compact(false, bits);
  }

  /** Per-neuron placement of a hidden layer's accumulators on the bootstrap's positions. */
  private record HiddenMapping(int scaleLog2, long[] weights, long[] bias, long[] k, long[] c, int margin,
      double maxSigma, long minK, long maxK) {}

  private static double max(double[] xs) {
    double m = 0;
    for (double x : xs) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** @param glweInput the layer reads the fresh GLWE, whose rows share packed weight polynomials */
  private HiddenMapping mapHidden(QuantizedLayer layer, double inputVariance, boolean glweInput, String name) {
    int n = params.polynomialSize();
    int outputs = layer.outputs();
    double[] lo = new double[outputs];
    double[] hi = new double[outputs];
    double maxWidth = 1;
    for (int j = 0; j < outputs; j++) {
      AccumulatorRange r = layer.range(j);
      double w = r.max() - r.min();
      lo[j] = Math.floor(r.min() - options.rangeMargin() * w);
      hi[j] = Math.ceil(r.max() + options.rangeMargin() * w);
      maxWidth = Math.max(maxWidth, hi[j] - lo[j]);
    }
    int margin = 0;
    long[] k = new long[outputs];
    double maxSigma = 0;
    int scaleLog2 = 0;
    // The margin depends on the reading noise, which depends on the multipliers: iterate to a fixed point.
    for (int round = 0; round < 4; round++) {
      int usable = n - 2 * margin;
      if (usable < 16) {
        throw new UnsafeModelException(name + ": the bootstrap's reading noise (sigma " + String.format("%.1f", maxSigma)
            + " positions, " + options.noiseSigmas() + " sigma kept at each end) leaves no room in the " + n
            + " positions");
      }
      scaleLog2 = Math.max(0, (int) Math.ceil(Math.log(maxWidth / usable) / Math.log(2)));
      if (scaleLog2 > MAX_SCALE_LOG2) {
        throw new UnsafeModelException(name + ": accumulator range " + (long) maxWidth + " is too wide to encode");
      }
      double room = (double) usable * (1L << scaleLog2);
      double[] norms = new double[outputs];
      for (int j = 0; j < outputs; j++) {
        k[j] = Math.max(1, Math.min(MAX_MULTIPLIER, (long) Math.floor(room / Math.max(1, hi[j] - lo[j]))));
        double norm = 0;
        for (int w : layer.weightRow(j)) {
          norm += (double) w * w;
        }
        norms[j] = norm * k[j] * k[j];
      }
      if (glweInput) {
        norms = noise.packedNormsSquared(norms, layer.inputs());
      }
      maxSigma = 0;
      for (int j = 0; j < outputs; j++) {
        maxSigma = Math.max(maxSigma, noise.readingSigmaPositions(NoiseModel.denseVariance(inputVariance, norms[j])));
      }
      int needed = (int) Math.ceil(options.noiseSigmas() * maxSigma);
      if (needed == margin) {
        break;
      }
      margin = needed;
    }
    long half = ((long) n << scaleLog2) / 2;
    long[] weights = new long[outputs * layer.inputs()];
    long[] bias = new long[outputs];
    long[] c = new long[outputs];
    long minK = Long.MAX_VALUE;
    long maxK = 0;
    for (int j = 0; j < outputs; j++) {
      c[j] = Math.round(half - k[j] * (lo[j] + hi[j]) / 2);
      int[] row = layer.weightRow(j);
      for (int i = 0; i < row.length; i++) {
        weights[j * layer.inputs() + i] = k[j] * row[i];
      }
      bias[j] = k[j] * layer.bias(j) + c[j];
      minK = Math.min(minK, k[j]);
      maxK = Math.max(maxK, k[j]);
    }
    return new HiddenMapping(scaleLog2, weights, bias, k, c, margin, maxSigma, minK, maxK);
  }

  /** Table of hidden neuron j: for every position, the activation of the accumulator found there. */
  private long[][] tables(QuantizedLayer layer, HiddenMapping m) {
    int n = params.polynomialSize();
    long[][] tables = new long[layer.outputs()][n];
    for (int j = 0; j < layer.outputs(); j++) {
      for (int u = 0; u < n; u++) {
        double acc = ((double) u * (1L << m.scaleLog2) - m.c[j]) / m.k[j];
        tables[j][u] = layer.activate(j, acc);
      }
    }
    return tables;
  }

  private static long worstCaseAbs(QuantizedLayer layer, long inputMax) {
    long max = 0;
    for (int k = 0; k < layer.outputs(); k++) {
      long sum = Math.abs(layer.bias(k));
      for (int w : layer.weightRow(k)) {
        sum = Math.addExact(sum, Math.abs((long) w) * inputMax);
      }
      max = Math.max(max, sum);
    }
    return max;
  }

  private static long[] longs(int[] v) {
    long[] out = new long[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = v[i];
    }
    return out;
  }
}
