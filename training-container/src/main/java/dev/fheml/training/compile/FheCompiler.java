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
import java.util.Arrays;
import java.util.List;

/**
 * Compiles a {@link QuantizedModel} into a {@link Circuit} and {@link ClientSpec}, with a stated and
 * bounded probability of a catastrophic failure per query.
 *
 * <p>Every bootstrap is saturating ({@link LookupTables#asSaturating()}): neuron j's table reads
 * f(clamp(acc, r_j)) with r_j its calibrated range widened by {@link CompileOptions#rangeMargin()}.
 * Its accumulator is placed on the bootstrap's 2N-position circle by an integer multiplier k_j on its
 * weights, an offset c_j in its bias and one power-of-two scale 2^s per layer (position =
 * (k_j·acc + c_j)/2^s). The table changes only on its ramp [L_j, H_j] (where f∘clamp is not flat);
 * a saturating table continues each flat end into the mirrored half of the circle for N − ramp
 * positions, so every accumulator the client spec admits — from the worst-case bounds of the
 * quantized weights and each input's range [lo_i, hi_i] (the client spec's input range, or the previous
 * neuron's table values), W_j = [b + Σ_{w>0} w·lo_i + Σ_{w<0} w·hi_i, b + Σ_{w>0} w·hi_i + Σ_{w<0} w·lo_i]
 * — reads a flat end's value, never a mirrored one, as long as max(W_hi − L, H − W_lo)·k/2^s + z·σ_j ≤ N − 1.
 * k_j is the largest multiplier for which this holds, σ_j being the predicted reading noise at that
 * k_j (so no margin iteration: the constraint is solved directly, and a neuron that cannot meet it
 * with k_j = 1 at any scale is refused), and z the number of sigmas that keeps every read within the
 * per-query bound. Of the scales that fit, the one with the least reading noise relative to the ramps
 * is kept (for levelled layers a larger scale also enlarges the incoming bootstrap noise).
 *
 * <p>Where the worst case is much wider than the ramp, the ramp gets few positions and the reading
 * noise flips activations between neighbouring steps. With {@link CompileOptions#rangeReduction()}
 * such a layer (median under 30 positions per activation step,
 * and every sanitized output layer) computes each accumulator twice, coarse and fine, and a first
 * bootstrap of the coarse one subtracts from the fine one how far it lies outside a window around
 * the ramp; the layer's own bootstrap then places only that window (see {@code reduceIfWorthIt}). It
 * costs one bootstrap per neuron and is kept only when it multiplies the positions per step by
 * 1.5 or more.
 *
 * <p>With {@link CompileOptions#sanitize()} (the default) the output layer is mapped the same way onto
 * one more saturating bootstrap per output whose table is the clamped logit, and the response is
 * re-randomized under the client's public key; the response's own decoding (bootstrap output, public-key
 * and rounding noise against half an output unit) gets the other half of the budget. Without it, the
 * logits stay levelled, scaled so that the worst-case |logit| fits the torus, and the decoded logit may
 * be off by {@link CompileOptions#outputToleranceUnits()} units; beyond that counts as a failure.
 * Refuses ({@link UnsafeModelException}) a model whose failure probability cannot be brought under the
 * bound, and ({@link ConstantModelException}) one whose outputs are all constant on the calibration
 * data: its decisions have no margin at all, it answers one class for every input.
 */
public final class FheCompiler {
  private static final int MAX_SCALE_LOG2 = 40;
  /** Scales tried above the smallest that fits. */
  private static final int EXTRA_SCALES = 8;
  private static final long MAX_MULTIPLIER = 1L << 40;
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
   * @throws UnsafeModelException naming the layer and the reason if a value cannot be kept inside its
   *     encoding with a failure probability under the bound
   */
  public CompiledModel compile(QuantizedModel model) {
    requireSomeDecision(model);
    List<Stage> stages = new ArrayList<>();
    List<StageReport> reports = new ArrayList<>();
    List<QuantizedLayer> layers = model.layers();
    QuantizedLayer out = model.outputLayer();
    int reads = model.bootstrapCount() + (options.sanitize() ? out.outputs() : 0);
    if (options.rangeReduction()) {
      // A range-reduction read can fail two ways (mirrored, or off by more than its window's margin).
      reads += 2 * reads;
    }
    // Half the budget for bootstrap reads (shared equally), half for decoding the response.
    double readBudget = options.log2PFailBound() - 1 - Math.log(Math.max(1, reads)) / Math.log(2);
    double z = NoiseModel.sigmasForTail(readBudget);
    double inputVariance = noise.freshVariance();
    // Per-input bounds of what reaches each layer: the input spec's range, then each bootstrapped
    // neuron's own table range (its saturating table outputs nothing else), tighter than the
    // activation's full range for the neurons whose calibrated range stays below the clip.
    long[] inputLo = new long[model.input().numFeatures()];
    long[] inputHi = new long[model.input().numFeatures()];
    Arrays.fill(inputHi, model.input().maxValue());
    long inputDelta = 0;
    long[][] pendingTables = null; // the previous bootstrapped layer's tables, waiting for their output delta
    long[] outputMin = new long[out.outputs()];
    long[] outputMax = new long[out.outputs()];
    int outputCoarsening = 0; // log2 of the output units one sanitized output unit holds

    for (int l = 0; l < layers.size(); l++) {
      QuantizedLayer layer = layers.get(l);
      String name = "layer " + (l + 1) + " (" + layer.inputs() + "->" + layer.outputs() + ")";
      boolean last = l == layers.size() - 1;
      Mapping m = null;
      Reduced reduced = null;
      DenseLayer dense;
      if (layer.isHidden() || options.sanitize()) {
        m = map(layer, inputVariance, inputLo, inputHi, l == 0, z, name);
        reduced = options.rangeReduction() ? reduceIfWorthIt(layer, m, inputVariance, inputLo, inputHi, l == 0, z)
            : null;
        if (reduced != null) {
          m = reduced.fine();
        }
        long delta = Long.divideUnsigned(1L << 63, (long) params.polynomialSize() << m.scaleLog2);
        if (reduced != null) {
          dense = new DenseLayer(layer.inputs(), 2 * layer.outputs(), concat(reduced.coarseWeights(), m.weights),
              concat(reduced.coarseBias(), m.bias), delta);
          reports.add(reduced.report(name + " -> range reduction"));
        } else {
          dense = new DenseLayer(layer.inputs(), layer.outputs(), m.weights, m.bias, delta);
        }
        reports.add(m.report(name + (layer.isHidden() ? " -> bootstrap" : " -> output bootstrap"), params));
      } else {
        long maxAbs = worstCaseAbs(layer, inputLo, inputHi);
        int bits = 64 - Long.numberOfLeadingZeros(maxAbs);
        if (bits > 60) {
          throw new UnsafeModelException(name + ": worst-case |logit| " + maxAbs
              + " does not fit the 64-bit torus with a margin (needs " + bits + " bits, at most 60)");
        }
        dense = new DenseLayer(layer.inputs(), layer.outputs(), longs(layer.weights()), layer.biases(),
            1L << (62 - bits));
      }
      if (l == 0) {
        inputDelta = dense.delta();
        stages.add(new Stage.InputDense(dense));
      } else {
        stages.add(new Stage.Bootstrap(LookupTables.perOutput(pendingTables, dense.delta()).asSaturating()));
        stages.add(new Stage.LevelledDense(dense));
      }
      if (reduced != null) {
        stages.add(new Stage.Reduce(LookupTables.perOutput(reduced.corrections(), dense.delta())));
      }
      if (m != null) {
        pendingTables = tables(layer, m);
        inputVariance = noise.bootstrapOutputVariance();
        inputLo = new long[layer.outputs()];
        inputHi = new long[layer.outputs()];
        for (int j = 0; j < layer.outputs(); j++) {
          inputLo[j] = Arrays.stream(pendingTables[j]).min().orElseThrow();
          inputHi[j] = Arrays.stream(pendingTables[j]).max().orElseThrow();
        }
      }
      if (last && options.sanitize()) {
        long maxAbs = 1;
        for (int k = 0; k < out.outputs(); k++) {
          maxAbs = Math.max(maxAbs, Math.max(Math.abs(m.saturation[k].min()), Math.abs(m.saturation[k].max())));
        }
        outputCoarsening = outputCoarsening(maxAbs, out.outputs());
        long[][] outTables = coarsen(pendingTables, outputCoarsening);
        for (int k = 0; k < out.outputs(); k++) {
          outputMin[k] = coarsen(m.saturation[k].min(), outputCoarsening);
          outputMax[k] = coarsen(m.saturation[k].max(), outputCoarsening);
        }
        long outDelta = outputDelta(coarsen(maxAbs, outputCoarsening));
        stages.add(new Stage.Bootstrap(LookupTables.perOutput(outTables, outDelta).asSaturating()));
        stages.add(responseStage(outDelta, out.outputs(), outputCoarsening, reports));
      } else if (last) {
        long tolerance = options.outputToleranceUnits();
        for (int k = 0; k < out.outputs(); k++) {
          long[] w = worstCase(layer, k, inputLo, inputHi);
          outputMin[k] = w[0] - tolerance;
          outputMax[k] = w[1] + tolerance;
        }
        stages.add(levelledOutputStage(layer, dense, inputVariance, l == 0, name, reports));
      }
    }

    Circuit circuit = new Circuit(params, model.input().numFeatures(), inputDelta, stages);
    double[] scales = new double[out.outputs()];
    for (int k = 0; k < scales.length; k++) {
      scales[k] = Math.scalb(out.accumulatorScale(k), outputCoarsening);
    }
    ClientSpec spec = new ClientSpec(params, CircuitCodec.modelId(circuit), model.input().encoding(), inputDelta,
        circuit.outputDelta(), model.classNames(), scales, outputMin, outputMax);
    CompiledModel compiled = new CompiledModel(circuit, spec, reports);
    if (compiled.log2PFailPerQuery() > options.log2PFailBound()) {
      throw new UnsafeModelException(String.format("the failure probability per query, 2^%.1f, is above the bound"
          + " 2^%.1f", compiled.log2PFailPerQuery(), options.log2PFailBound()));
    }
    return compiled;
  }

  /** Refuses a model whose every output is constant on the calibration data: it has one answer. */
  private static void requireSomeDecision(QuantizedModel model) {
    QuantizedLayer out = model.outputLayer();
    for (int k = 0; k < out.outputs(); k++) {
      if (out.range(k).min() != out.range(k).max()) {
        return;
      }
    }
    List<Long> scores = new ArrayList<>();
    for (int k = 0; k < out.outputs(); k++) {
      scores.add(out.range(k).min());
    }
    throw new ConstantModelException("every output is the same on all the calibration data (scores " + scores
        + "): the model answers one class for every input, so it did not learn (a training loss stuck at"
        + " ln(classes) shows it)");
  }

  /**
   * log2 of the factor the sanitized outputs are divided by: 0 when the set's bootstrap output noise lets
   * the clamped logits be decoded exactly (the level-2 sets), else the least that does. A noisier
   * bootstrap (level 1) cannot carry a logit of up to 2^11 units to the client with a 2^-41 failure
   * bound; rounding it to 2^c units can, and costs little, since the table read that produced it is
   * already noisy by several positions. The agreement the rounding loses is measured, not assumed
   * ({@link ParameterChoice}).
   */
  private int outputCoarsening(long maxAbs, int outputs) {
    for (int c = 0; c < 62; c++) {
      if (responseLog2PFail(outputDelta(coarsen(maxAbs, c)), outputs, COMPACTION_BITS[COMPACTION_BITS.length
          - 1]) <= options.log2PFailBound() - 1) {
        return c;
      }
    }
    throw new UnsafeModelException("the sanitized response cannot be decoded with a failure probability under 2^"
        + (options.log2PFailBound() - 1) + " at any output resolution");
  }

  /** The largest power-of-two delta that keeps values of |v| ≤ {@code maxAbs} in the padded half torus. */
  private static long outputDelta(long maxAbs) {
    return 1L << (62 - (64 - Long.numberOfLeadingZeros(Math.max(1, maxAbs))));
  }

  /** v / 2^c, rounded to nearest (ties up); v itself for c = 0. */
  private static long coarsen(long v, int c) {
    return c == 0 ? v : Math.floorDiv(v + (1L << (c - 1)), 1L << c);
  }

  private static long[][] coarsen(long[][] tables, int c) {
    if (c == 0) {
      return tables;
    }
    long[][] out = new long[tables.length][];
    for (int j = 0; j < tables.length; j++) {
      out[j] = Arrays.stream(tables[j]).map(v -> coarsen(v, c)).toArray();
    }
    return out;
  }

  /** σ of a sanitized output as the client decodes it: bootstrap output, re-randomization, compaction. */
  private double responseSigma(int bits) {
    return Math.sqrt(noise.bootstrapOutputVariance() + noise.publicKeyEncryptionVariance()
        + noise.compactVariance(false, bits));
  }

  private double responseLog2PFail(long outDelta, int outputs, int bits) {
    return NoiseModel.log2Tail(outDelta / 0x1p64 / 2 / responseSigma(bits)) + Math.log(outputs) / Math.log(2);
  }

  /** The sanitized response: re-randomized, compacted with the fewest bits that decode within budget. */
  private Stage responseStage(long outDelta, int outputs, int coarsening, List<StageReport> reports) {
    double budget = options.log2PFailBound() - 1;
    double half = outDelta / 0x1p64 / 2;
    for (int bits : COMPACTION_BITS) {
      double sigma = responseSigma(bits);
      double log2P = responseLog2PFail(outDelta, outputs, bits);
      if (log2P <= budget) {
        reports.add(new StageReport("response (sanitized)", 0, sigma / (2 * half), "output units", half / sigma,
            log2P, String.format("re-randomized under the client's public key, delta 2^%d, compacted to %d bits"
                + " under the big key%s", 63 - Long.numberOfLeadingZeros(outDelta), bits, coarsening == 0 ? ""
                : ", outputs rounded to 2^" + coarsening + " logit units")));
        return new Stage.Compact(false, bits, true);
      }
    }
    throw new UnsafeModelException("the sanitized response cannot be decoded with a failure probability under 2^"
        + budget + " even at 32 bits");
  }

  private Stage levelledOutputStage(QuantizedLayer layer, DenseLayer dense, double inputVariance, boolean glweInput,
      String name, List<StageReport> reports) {
    double[] norms = new double[layer.outputs()];
    for (int k = 0; k < norms.length; k++) {
      norms[k] = dense.rowNormSquared(k);
    }
    double maxNorm = max(glweInput ? noise.packedNormsSquared(norms, layer.inputs()) : norms);
    double unit = dense.delta() / 0x1p64; // one logit unit as a fraction of the torus
    double variance = NoiseModel.denseVariance(inputVariance, maxNorm);
    double reach = options.outputToleranceUnits() + 0.5;
    double budget = options.log2PFailBound() - 1;
    for (int bits : COMPACTION_BITS) {
      double sigmaUnits = Math.sqrt(variance + noise.compactVariance(false, bits)) / unit;
      double log2P = NoiseModel.log2Tail(reach / sigmaUnits) + Math.log(layer.outputs()) / Math.log(2);
      if (log2P <= budget) {
        reports.add(new StageReport(name + " -> output", 0, sigmaUnits, "output units", reach / sigmaUnits, log2P,
            String.format("levelled, not sanitized: delta 2^%d, decoded within +-%d units, compacted to %d bits",
                63 - Long.numberOfLeadingZeros(dense.delta()), options.outputToleranceUnits(), bits)));
        return new Stage.Compact(false, bits, false);
      }
    }
    double sigmaUnits = Math.sqrt(variance + noise.compactVariance(false, 32)) / unit;
    throw new UnsafeModelException(String.format("%s: the levelled output's noise (sigma %.3g output units) decodes"
        + " beyond +-%d units with probability above the bound 2^%.1f: sanitize the output, raise the tolerance,"
        + " or use smaller output weights or the level-2 parameters", name, sigmaUnits,
        options.outputToleranceUnits(), options.log2PFailBound()));
  }

  /**
   * Per-neuron placement of a layer's accumulators on the bootstrap's circle.
   *
   * @param saturation per neuron, the range outside which its table saturates
   * @param ramp       per neuron, {L, H}: where its table is not flat (null for a constant table)
   * @param sigma      per neuron, the predicted reading noise in positions
   * @param distance   per neuron, positions from its worst-case reads to the mirrored ramp
   */
  private record Mapping(int scaleLog2, long[] k, long[] c, long[] weights, long[] bias,
      AccumulatorRange[] saturation, double[][] ramp, double[] sigma, double[] distance, boolean hidden) {

    double log2PFail() {
      double sum = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < k.length; j++) {
        if (ramp[j] != null) {
          sum = NoiseModel.log2Sum(sum, NoiseModel.log2Tail(distance[j] / sigma[j]));
        }
      }
      return sum;
    }

    StageReport report(String stage, FheParameters params) {
      double maxSigma = 0;
      double minMargin = Double.POSITIVE_INFINITY;
      long minK = Long.MAX_VALUE;
      long maxK = 0;
      for (int j = 0; j < k.length; j++) {
        maxSigma = Math.max(maxSigma, sigma[j]);
        if (ramp[j] != null) {
          minMargin = Math.min(minMargin, distance[j] / sigma[j]);
        }
        minK = Math.min(minK, k[j]);
        maxK = Math.max(maxK, k[j]);
      }
      return new StageReport(stage, k.length, maxSigma, "positions", minMargin, log2PFail(),
          String.format("saturating, scale 2^%d, multipliers k in [%d, %d], worst-case inputs kept %.0f+ positions"
              + " from the mirrored half of %d", scaleLog2, minK, maxK, minMargin * maxSigma, params.polynomialSize()));
    }
  }

  /** Below this many positions per activation step (median over a layer) range reduction is tried. */
  private static final double REDUCE_BELOW_POSITIONS_PER_STEP = 30;
  /** ...and kept when it multiplies the positions per step by at least this. */
  private static final double REDUCE_MIN_GAIN = 1.5;

  /**
   * A layer placed with range reduction: its coarse rows (whole worst case inside the table's domain),
   * their correction tables, and the fine mapping the layer's own bootstrap reads.
   */
  private record Reduced(Mapping fine, long[] coarseWeights, long[] coarseBias, long[][] corrections,
      double[] coarseSigma, double[] coarseDistance, double z, int scaleLog2, long[] coarseK) {

    /** Each coarse read fails when it lands in the mirrored half or misses its window's margin. */
    StageReport report(String stage) {
      double sum = Double.NEGATIVE_INFINITY;
      double maxSigma = 0;
      double minMargin = Double.POSITIVE_INFINITY;
      for (int j = 0; j < coarseSigma.length; j++) {
        double margin = Math.min(coarseDistance[j] / coarseSigma[j], (z * coarseSigma[j] + 1) / coarseSigma[j]);
        sum = NoiseModel.log2Sum(sum, NoiseModel.log2Sum(NoiseModel.log2Tail(coarseDistance[j] / coarseSigma[j]),
            NoiseModel.log2Tail((z * coarseSigma[j] + 1) / coarseSigma[j])));
        maxSigma = Math.max(maxSigma, coarseSigma[j]);
        minMargin = Math.min(minMargin, margin);
      }
      return new StageReport(stage, coarseSigma.length, maxSigma, "positions", minMargin, sum,
          String.format("coarse worst case inside the domain (scale 2^%d, multipliers k in [%d, %d]), the correction"
              + " subtracted from the fine accumulators (k in [%d, %d])", scaleLog2, Arrays.stream(coarseK).min()
              .orElse(0), Arrays.stream(coarseK).max().orElse(0), Arrays.stream(fine.k).min().orElse(0),
              Arrays.stream(fine.k).max().orElse(0)));
    }
  }

  /**
   * Range reduction of one layer, when its plain placement {@code plain} leaves too few positions per
   * activation step and reduction gains enough; null otherwise.
   *
   * <p>Every neuron's accumulator is computed twice from the same inputs at one scale 2^s: coarse,
   * k_c·acc + c_c, with the whole worst case W inside the table's domain z·σ_c from both ends; and
   * fine, k_f·acc + c_f, which may wrap. A plain bootstrap of the coarse value reads acc within e =
   * (z·σ_c + 1)·2^s/k_c and outputs, at the fine scale, g = acc − clamp(acc, [L − e, H + e]) for the
   * ramp [L, H]; subtracting it from the fine value leaves acc' in [L − 2e, H + 2e], equal to acc
   * wherever the table is not flat and on the same flat end otherwise. The layer's bootstrap then
   * reads acc' placed for that window (span H − L + 2e instead of the worst case).
   */
  private Reduced reduceIfWorthIt(QuantizedLayer layer, Mapping plain, double inputVariance, long[] inputLo,
      long[] inputHi, boolean glweInput, double z) {
    double plainSteps = medianPositionsPerStep(layer, plain);
    if (layer.isHidden() && plainSteps >= REDUCE_BELOW_POSITIONS_PER_STEP) {
      return null;
    }
    Bounds bounds = Bounds.of(layer, plain, inputLo, inputHi);
    Reduced best = null;
    double bestSteps = 0;
    for (int s = 0; s <= MAX_SCALE_LOG2; s++) {
      Reduced r = reduceAt(s, layer, plain, bounds, inputVariance, glweInput, z);
      if (r != null) {
        double steps = medianPositionsPerStep(layer, r.fine());
        if (steps > bestSteps) {
          best = r;
          bestSteps = steps;
        }
      }
    }
    return best != null && bestSteps >= REDUCE_MIN_GAIN * plainSteps ? best : null;
  }

  /**
   * What range reduction needs of a layer whatever the scale: each neuron's worst case, its width, the
   * squared norm of its weights, and the ramp its window surrounds (the saturation range for a neuron
   * without one).
   */
  private record Bounds(long[][] worst, double[] width, double[] normSq, double[][] ramp) {
    static Bounds of(QuantizedLayer layer, Mapping plain, long[] inputLo, long[] inputHi) {
      int n = layer.outputs();
      long[][] worst = new long[n][];
      double[] width = new double[n];
      double[] normSq = new double[n];
      double[][] ramp = new double[n][];
      for (int j = 0; j < n; j++) {
        worst[j] = worstCase(layer, j, inputLo, inputHi);
        width[j] = Math.max(1, worst[j][1] - worst[j][0]);
        for (int weight : layer.weightRow(j)) {
          normSq[j] += (double) weight * weight;
        }
        ramp[j] = plain.ramp[j] != null ? plain.ramp[j]
            : new double[] {plain.saturation[j].min(), plain.saturation[j].max()};
      }
      return new Bounds(worst, width, normSq, ramp);
    }
  }

  private Reduced reduceAt(int s, QuantizedLayer layer, Mapping plain, Bounds bounds, double inputVariance,
      boolean glweInput, double z) {
    int n = layer.outputs();
    int size = params.polynomialSize();
    double avail = size - 2; // one position kept for rounding the offsets
    double scale = Math.scalb(1.0, s);
    double extra = noise.bootstrapOutputVariance(); // the correction's own noise, added to the fine value
    long[] kc = new long[n];
    long[] kf = new long[n];
    double[] width = bounds.width();
    double[] normSq = bounds.normSq();
    double[] spanF = new double[n];
    double[][] window = new double[n][];
    double[] sigmaC = new double[n];
    double[] sigmaF = new double[n];
    // Coarse rows: the worst case's full width plus z sigmas at both ends inside the domain.
    for (int j = 0; j < n; j++) {
      kc[j] = largestK(width[j], 2 * z, normSq[j], inputVariance, 0, s, avail);
      if (kc[j] < 1) {
        return null;
      }
    }
    for (int round = 0; round < 30; round++) {
      sigmaC = sigmas(kc, true, normSq, inputVariance, 0, glweInput, layer.inputs(), kf);
      for (int j = 0; j < n; j++) {
        double e = (z * sigmaC[j] + 1) * scale / kc[j];
        double[] ramp = bounds.ramp()[j];
        window[j] = new double[] {ramp[0] - e, ramp[1] + e};
        spanF[j] = ramp[1] - ramp[0] + 2 * e + 1;
        if (kf[j] == 0) {
          kf[j] = Math.max(1, largestK(spanF[j], z, normSq[j], inputVariance, extra, s, avail));
        }
      }
      sigmaF = sigmas(kf, false, normSq, inputVariance, extra, glweInput, layer.inputs(), kc);
      boolean ok = true;
      for (int j = 0; j < n; j++) {
        // Packed rows share their noise: shrink any multiplier whose constraint the sharing broke.
        if (width[j] * kc[j] / scale + 2 * z * sigmaC[j] > avail) {
          kc[j] = (long) Math.floor((avail - 2 * z * sigmaC[j]) * scale / width[j]);
          ok = false;
        }
        if (spanF[j] * kf[j] / scale + z * sigmaF[j] > avail) {
          kf[j] = (long) Math.floor((avail - z * sigmaF[j]) * scale / spanF[j]);
          ok = false;
        }
        if (kc[j] < 1 || kf[j] < 1) {
          return null;
        }
      }
      if (ok) {
        return build(s, layer, plain, bounds, kc, kf, window, spanF, sigmaC, sigmaF, z);
      }
    }
    return null;
  }

  private Reduced build(int s, QuantizedLayer layer, Mapping plain, Bounds bounds, long[] kc, long[] kf,
      double[][] window, double[] spanF, double[] sigmaC, double[] sigmaF, double z) {
    long[][] worst = bounds.worst();
    int n = layer.outputs();
    int inputs = layer.inputs();
    int size = params.polynomialSize();
    double scale = Math.scalb(1.0, s);
    long half = ((long) size << s) / 2;
    long[] coarseWeights = new long[n * inputs];
    long[] coarseBias = new long[n];
    long[] fineWeights = new long[n * inputs];
    long[] fineBias = new long[n];
    long[] cf = new long[n];
    double[] distanceC = new double[n];
    double[] distanceF = new double[n];
    long[][] corrections = new long[n][size];
    for (int j = 0; j < n; j++) {
      // Coarse: the worst case's centre at the middle of the domain [0, N).
      long cc = Math.round((size - 1) * scale / 2 - kc[j] * (worst[j][0] + worst[j][1]) / 2.0);
      double[] ramp = bounds.ramp()[j];
      cf[j] = Math.round(half - kf[j] * (ramp[0] + ramp[1]) / 2);
      int[] row = layer.weightRow(j);
      for (int i = 0; i < inputs; i++) {
        coarseWeights[j * inputs + i] = Math.multiplyExact(kc[j], (long) row[i]);
        fineWeights[j * inputs + i] = Math.multiplyExact(kf[j], (long) row[i]);
      }
      coarseBias[j] = Math.addExact(Math.multiplyExact(kc[j], layer.bias(j)), cc);
      fineBias[j] = Math.addExact(Math.multiplyExact(kf[j], layer.bias(j)), cf[j]);
      double low = (kc[j] * (double) worst[j][0] + cc) / scale;
      double high = (kc[j] * (double) worst[j][1] + cc) / scale;
      distanceC[j] = Math.min(low, size - 1 - high);
      distanceF[j] = size - 1 - spanF[j] * kf[j] / scale;
      for (int u = 0; u < size; u++) {
        double acc = (u * scale - cc) / kc[j];
        double outside = acc - Math.max(window[j][0], Math.min(window[j][1], acc));
        corrections[j][u] = Math.round(kf[j] * outside);
      }
    }
    Mapping fine = new Mapping(s, kf, cf, fineWeights, fineBias, plain.saturation, plain.ramp, sigmaF, distanceF,
        layer.isHidden());
    return new Reduced(fine, coarseWeights, coarseBias, corrections, sigmaC, distanceC, z, s, kc);
  }

  /** Largest k with span·k/2^s + sigmas·σ(k) <= avail (σ from the row's own norm), 0 if none. */
  private long largestK(double span, double sigmas, double normSq, double inputVariance, double extra, int s,
      double avail) {
    double scale = Math.scalb(1.0, s);
    long lo = 0;
    long hi = (long) Math.min(MAX_MULTIPLIER, Math.floor(scale * avail / span));
    while (lo < hi) {
      long mid = lo + (hi - lo + 1) / 2;
      double sigma = noise.readingSigmaPositions(NoiseModel.denseVariance(inputVariance, normSq * mid * mid) + extra);
      if (span * mid / scale + sigmas * sigma <= avail) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /**
   * Reading sigmas (positions) of rows with multipliers {@code k}; on the packed input the rows of one
   * product share their noise, the coarse rows (first) and the fine ones ({@code others}, or the other
   * way round) of a layer being packed together.
   */
  private double[] sigmas(long[] k, boolean coarseFirst, double[] normSq, double inputVariance, double extra,
      boolean glweInput, int inputs, long[] others) {
    int n = k.length;
    double[] norms = new double[n];
    for (int j = 0; j < n; j++) {
      norms[j] = normSq[j] * k[j] * k[j];
    }
    if (glweInput) {
      // Both halves in one list, as the dense layer computes them (coarse rows first).
      double[] all = new double[2 * n];
      for (int j = 0; j < n; j++) {
        double other = normSq[j] * others[j] * others[j];
        all[coarseFirst ? j : n + j] = norms[j];
        all[coarseFirst ? n + j : j] = other;
      }
      double[] packed = noise.packedNormsSquared(all, inputs);
      for (int j = 0; j < n; j++) {
        norms[j] = packed[coarseFirst ? j : n + j];
      }
    }
    double[] out = new double[n];
    for (int j = 0; j < n; j++) {
      out[j] = noise.readingSigmaPositions(NoiseModel.denseVariance(inputVariance, norms[j]) + extra);
    }
    return out;
  }

  /** Median over a layer's ramped neurons of the positions its bootstrap gives one activation step. */
  private static double medianPositionsPerStep(QuantizedLayer layer, Mapping m) {
    List<Double> values = new ArrayList<>();
    for (int j = 0; j < m.k.length; j++) {
      if (m.ramp[j] != null) {
        double positions = (m.ramp[j][1] - m.ramp[j][0]) * m.k[j] / Math.scalb(1.0, m.scaleLog2);
        double steps = layer.isHidden()
            ? Math.max(1, layer.activate(j, m.ramp[j][1]) - layer.activate(j, m.ramp[j][0]))
            : Math.max(1, m.ramp[j][1] - m.ramp[j][0]);
        values.add(positions / steps);
      }
    }
    if (values.isEmpty()) {
      return Double.POSITIVE_INFINITY;
    }
    values.sort(null);
    return values.get(values.size() / 2);
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** One scale's multipliers, or null when some neuron cannot fit. */
  private record Fit(int scaleLog2, long[] k, double[] sigma, double[] distance, double score) {}

  private Mapping map(QuantizedLayer layer, double inputVariance, long[] inputLo, long[] inputHi, boolean glweInput,
      double z,
      String name) {
    int outputs = layer.outputs();
    AccumulatorRange[] saturation = new AccumulatorRange[outputs];
    double[][] ramp = new double[outputs][];
    double[] span = new double[outputs];
    double[] normSq = new double[outputs];
    for (int j = 0; j < outputs; j++) {
      saturation[j] = layer.range(j).widened(options.rangeMargin());
      ramp[j] = ramp(layer, j, saturation[j]);
      long[] w = worstCase(layer, j, inputLo, inputHi);
      if (ramp[j] != null) {
        double lo = Math.min(w[0], ramp[j][0]);
        double hi = Math.max(w[1], ramp[j][1]);
        span[j] = Math.max(Math.max(hi - ramp[j][0], ramp[j][1] - lo), 1);
      }
      for (int weight : layer.weightRow(j)) {
        normSq[j] += (double) weight * weight;
      }
    }
    Fit best = null;
    int first = -1;
    for (int s = 0; s <= MAX_SCALE_LOG2 && (first < 0 || s <= first + EXTRA_SCALES); s++) {
      Fit fit = fit(s, span, normSq, ramp, inputVariance, glweInput, layer.inputs(), z);
      if (fit != null) {
        first = first < 0 ? s : first;
        best = best == null || fit.score < best.score ? fit : best;
      }
    }
    if (best == null) {
      throw new UnsafeModelException(String.format("%s: no scale keeps every admissible accumulator %.1f reading"
          + " sigmas (the per-read share of the 2^%.1f bound) away from a table's mirrored half: the worst-case"
          + " accumulators are too wide or the incoming noise too large for the %d positions", name, z,
          options.log2PFailBound(), params.polynomialSize()));
    }
    int s = best.scaleLog2;
    long half = ((long) params.polynomialSize() << s) / 2;
    long[] weights = new long[outputs * layer.inputs()];
    long[] bias = new long[outputs];
    long[] c = new long[outputs];
    for (int j = 0; j < outputs; j++) {
      long kj = best.k[j];
      double centre = ramp[j] != null ? (ramp[j][0] + ramp[j][1]) / 2 : (saturation[j].min() + saturation[j].max()) / 2.0;
      c[j] = Math.round(half - kj * centre);
      int[] row = layer.weightRow(j);
      for (int i = 0; i < row.length; i++) {
        weights[j * layer.inputs() + i] = Math.multiplyExact(kj, (long) row[i]);
      }
      bias[j] = Math.addExact(Math.multiplyExact(kj, layer.bias(j)), c[j]);
    }
    return new Mapping(s, best.k, c, weights, bias, saturation, ramp, best.sigma, best.distance, layer.isHidden());
  }

  private Fit fit(int s, double[] span, double[] normSq, double[][] ramp, double inputVariance, boolean glweInput,
      int inputs, double z) {
    int outputs = span.length;
    double avail = params.polynomialSize() - 1;
    double scale = Math.scalb(1.0, s);
    long[] k = new long[outputs];
    double[] sigma = new double[outputs];
    double[] distance = new double[outputs];
    long[] upper = new long[outputs];
    for (int j = 0; j < outputs; j++) {
      upper[j] = ramp[j] == null ? 1 : (long) Math.min(MAX_MULTIPLIER, Math.floor(scale * avail / span[j]));
      if (upper[j] < 1) {
        return null;
      }
    }
    if (glweInput) {
      // The packed rows share their noise, which grows with every k: size each k for the noise at the
      // largest k's (an upper bound), then report the noise at the k's chosen.
      double[] bound = readingSigmas(upper, normSq, inputVariance, inputs);
      for (int j = 0; j < outputs; j++) {
        k[j] = ramp[j] == null ? 1 : (long) Math.floor(scale * (avail - z * bound[j]) / span[j]);
        if (k[j] < 1) {
          return null;
        }
      }
      sigma = readingSigmas(k, normSq, inputVariance, inputs);
    } else {
      for (int j = 0; j < outputs; j++) {
        long lo = 1;
        long hi = upper[j];
        if (ramp[j] != null && !fits(lo, s, span[j], normSq[j], inputVariance, z)) {
          return null;
        }
        while (ramp[j] != null && lo < hi) {
          long mid = lo + (hi - lo + 1) / 2;
          if (fits(mid, s, span[j], normSq[j], inputVariance, z)) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        k[j] = lo;
        sigma[j] = sigmaAt(lo, normSq[j], inputVariance);
      }
    }
    double score = 0;
    for (int j = 0; j < outputs; j++) {
      distance[j] = avail - span[j] * k[j] / scale;
      if (ramp[j] != null) {
        // Reading noise in accumulator units, relative to the ramp it blurs.
        score = Math.max(score, sigma[j] * scale / k[j] / Math.max(1, ramp[j][1] - ramp[j][0]));
      }
    }
    return new Fit(s, k, sigma, distance, score);
  }

  private boolean fits(long k, int s, double span, double normSq, double inputVariance, double z) {
    return span * k / Math.scalb(1.0, s) + z * sigmaAt(k, normSq, inputVariance) <= params.polynomialSize() - 1;
  }

  private double sigmaAt(long k, double normSq, double inputVariance) {
    return noise.readingSigmaPositions(NoiseModel.denseVariance(inputVariance, normSq * k * k));
  }

  private double[] readingSigmas(long[] k, double[] normSq, double inputVariance, int inputs) {
    double[] norms = new double[k.length];
    for (int j = 0; j < k.length; j++) {
      norms[j] = normSq[j] * k[j] * k[j];
    }
    double[] packed = noise.packedNormsSquared(norms, inputs);
    double[] out = new double[k.length];
    for (int j = 0; j < k.length; j++) {
      out[j] = noise.readingSigmaPositions(NoiseModel.denseVariance(inputVariance, packed[j]));
    }
    return out;
  }

  /**
   * {L, H}: the accumulators between which neuron j's saturated table changes (a monotone activation,
   * ReLU with clipping, so both ends are intervals found by bisection); the whole range for an output;
   * null when the table is constant.
   */
  private static double[] ramp(QuantizedLayer layer, int j, AccumulatorRange range) {
    if (!layer.isHidden()) {
      return range.min() == range.max() ? null : new double[] {range.min(), range.max()};
    }
    int bottom = layer.activate(j, range.min());
    int top = layer.activate(j, range.max());
    if (bottom == top) {
      return null;
    }
    double rampLo = boundary(layer, j, range, bottom, true);
    double rampHi = boundary(layer, j, range, top, false);
    return new double[] {Math.floor(rampLo), Math.ceil(rampHi)};
  }

  /** Bisection for where a monotone activation stops (or starts) reading {@code value}. */
  private static double boundary(QuantizedLayer layer, int j, AccumulatorRange range, int value, boolean fromBelow) {
    double lo = range.min();
    double hi = range.max();
    for (int i = 0; i < 80; i++) {
      double mid = (lo + hi) / 2;
      if ((layer.activate(j, mid) == value) == fromBelow) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return fromBelow ? lo : hi;
  }

  /** Table of neuron j: for every position, its function of the (saturated) accumulator found there. */
  private long[][] tables(QuantizedLayer layer, Mapping m) {
    int n = params.polynomialSize();
    long[][] tables = new long[layer.outputs()][n];
    for (int j = 0; j < layer.outputs(); j++) {
      for (int u = 0; u < n; u++) {
        double acc = m.saturation[j].clamp(((double) u * (1L << m.scaleLog2) - m.c[j]) / m.k[j]);
        tables[j][u] = m.hidden ? layer.activate(j, acc) : Math.round(acc);
      }
    }
    return tables;
  }

  private static double max(double[] xs) {
    double m = 0;
    for (double x : xs) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** {lowest, highest} accumulator of neuron k over every admissible input x_i in [inputLo_i, inputHi_i]. */
  private static long[] worstCase(QuantizedLayer layer, int k, long[] inputLo, long[] inputHi) {
    long lo = layer.bias(k);
    long hi = layer.bias(k);
    int[] row = layer.weightRow(k);
    for (int i = 0; i < row.length; i++) {
      long w = row[i];
      lo = Math.addExact(lo, Math.multiplyExact(w, w > 0 ? inputLo[i] : inputHi[i]));
      hi = Math.addExact(hi, Math.multiplyExact(w, w > 0 ? inputHi[i] : inputLo[i]));
    }
    return new long[] {lo, hi};
  }

  private static long worstCaseAbs(QuantizedLayer layer, long[] inputLo, long[] inputHi) {
    long max = 0;
    for (int k = 0; k < layer.outputs(); k++) {
      long[] w = worstCase(layer, k, inputLo, inputHi);
      max = Math.max(max, Math.max(Math.abs(w[0]), Math.abs(w[1])));
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
