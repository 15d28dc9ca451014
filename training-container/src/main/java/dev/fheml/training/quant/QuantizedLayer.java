package dev.fheml.training.quant;

import dev.fheml.training.model.DenseLayer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One layer of the quantized integer model, exactly as the FHE circuit computes it:
 * {@code acc_j = sum_i w[j][i] * in_i + b_j} with signed integer weights of {@code weightBits} bits
 * ({@code |w| <= 2^(weightBits-1) - 1}) and a {@code long} bias. The real pre-activation is
 * {@code acc_j * accumulatorScale(j)} with {@code accumulatorScale(j) = weightScale(j) * inputScale()}.
 *
 * <p>A hidden layer has an {@link ActivationQuantizer}: the bootstrap turns {@code acc_j} into the
 * unsigned activation {@link #activate(int, double)}. The output layer has none: its accumulators are the
 * logits. Every layer carries the calibrated {@link AccumulatorRange} of each neuron.
 *
 * <p>Immutable; arrays are copied in and out.
 */
public final class QuantizedLayer {
  private static final long MAX_BIAS = 1L << 48;

  private final int inputs;
  private final int outputs;
  private final int weightBits;
  private final int[] weights;
  /** Nonzero columns per row for a mostly-zero layer, else null. */
  private final int[][] nonzero;
  private final long[] bias;
  private final double[] weightScales;
  private final double inputScale;
  private final ActivationQuantizer activation;
  private final long[] accMin;
  private final long[] accMax;

  /**
   * @param inputs       number of inputs
   * @param outputs      number of neurons
   * @param weightBits   2..16
   * @param weights      row-major {@code outputs x inputs}, each within {@code weightBits}
   * @param bias         {@code outputs} values, {@code |b| <= 2^48}
   * @param weightScales {@code outputs} positive finite per-neuron weight scales
   * @param inputScale   positive finite real value of one input unit
   * @param activation   the activation of a hidden layer, empty for the output layer
   * @param ranges       {@code outputs} calibrated accumulator ranges
   * @throws IllegalArgumentException if any of the above does not hold
   */
  public QuantizedLayer(int inputs, int outputs, int weightBits, int[] weights, long[] bias,
      double[] weightScales, double inputScale, Optional<ActivationQuantizer> activation,
      AccumulatorRange[] ranges) {
    int maxW = WeightQuantization.maxMagnitude(weightBits);
    if (inputs < 1 || outputs < 1) {
      throw new IllegalArgumentException("a layer needs inputs and outputs: " + inputs + " -> " + outputs);
    }
    if ((long) inputs * outputs != weights.length || bias.length != outputs
        || weightScales.length != outputs || ranges.length != outputs) {
      throw new IllegalArgumentException("a " + inputs + " -> " + outputs + " layer needs "
          + (long) inputs * outputs + " weights and " + outputs
          + " biases, scales and ranges; got " + weights.length + ", " + bias.length + ", "
          + weightScales.length + ", " + ranges.length);
    }
    for (int k = 0; k < weights.length; k++) {
      if (Math.abs(weights[k]) > maxW) {
        throw new IllegalArgumentException("weight " + weights[k] + " of neuron " + (k / inputs)
            + ", input " + (k % inputs) + " exceeds " + weightBits + " bits (|w| <= " + maxW + ")");
      }
    }
    for (int j = 0; j < outputs; j++) {
      if (Math.abs(bias[j]) > MAX_BIAS) {
        throw new IllegalArgumentException("bias " + bias[j] + " of neuron " + j + " exceeds 2^48");
      }
      if (!(weightScales[j] > 0) || !Double.isFinite(weightScales[j])) {
        throw new IllegalArgumentException("weight scale of neuron " + j + " must be positive: "
            + weightScales[j]);
      }
      Objects.requireNonNull(ranges[j], "range of neuron " + j);
    }
    if (!(inputScale > 0) || !Double.isFinite(inputScale)) {
      throw new IllegalArgumentException("input scale must be positive and finite: " + inputScale);
    }
    this.inputs = inputs;
    this.outputs = outputs;
    this.weightBits = weightBits;
    this.weights = weights.clone();
    this.nonzero = DenseLayer.sparseRows(k -> this.weights[k] != 0, inputs, outputs);
    this.bias = bias.clone();
    this.weightScales = weightScales.clone();
    this.inputScale = inputScale;
    this.activation = activation.orElse(null);
    this.accMin = new long[outputs];
    this.accMax = new long[outputs];
    for (int j = 0; j < outputs; j++) {
      accMin[j] = ranges[j].min();
      accMax[j] = ranges[j].max();
    }
  }

  /** This layer with other calibrated ranges. */
  public QuantizedLayer withRanges(AccumulatorRange[] ranges) {
    return new QuantizedLayer(inputs, outputs, weightBits, weights, bias, weightScales, inputScale,
        activation(), ranges);
  }

  /** Number of inputs. */
  public int inputs() {
    return inputs;
  }

  /** Number of neurons. */
  public int outputs() {
    return outputs;
  }

  /** Weight bits: every weight satisfies {@code |w| <= 2^(weightBits-1) - 1}. */
  public int weightBits() {
    return weightBits;
  }

  /** The integer weight from input {@code input} to neuron {@code output}. */
  public int weight(int output, int input) {
    Objects.checkIndex(output, outputs);
    Objects.checkIndex(input, inputs);
    return weights[output * inputs + input];
  }

  /** A copy of the weights of neuron {@code output} (length {@link #inputs()}). */
  public int[] weightRow(int output) {
    Objects.checkIndex(output, outputs);
    return Arrays.copyOfRange(weights, output * inputs, (output + 1) * inputs);
  }

  /** A copy of all weights, row-major {@code outputs x inputs}. */
  public int[] weights() {
    return weights.clone();
  }

  /** The integer bias of neuron {@code output}, in accumulator units. */
  public long bias(int output) {
    return bias[output];
  }

  /** A copy of the biases. */
  public long[] biases() {
    return bias.clone();
  }

  /** The real value of one weight unit of neuron {@code output}. */
  public double weightScale(int output) {
    return weightScales[output];
  }

  /** The real value of one input unit (input quantizer or previous activation scale). */
  public double inputScale() {
    return inputScale;
  }

  /** The real value of one accumulator unit of neuron {@code output}. */
  public double accumulatorScale(int output) {
    return weightScales[output] * inputScale;
  }

  /** Whether a bootstrapped activation follows (a hidden layer). */
  public boolean isHidden() {
    return activation != null;
  }

  /** The activation quantizer of a hidden layer; empty for the output layer. */
  public Optional<ActivationQuantizer> activation() {
    return Optional.ofNullable(activation);
  }

  /** The calibrated accumulator range of neuron {@code output}. */
  public AccumulatorRange range(int output) {
    return new AccumulatorRange(accMin[output], accMax[output]);
  }

  /**
   * The exact integer accumulators for integer inputs.
   *
   * @throws IllegalArgumentException if {@code in} has the wrong length
   */
  public long[] accumulate(int[] in) {
    if (in.length != inputs) {
      throw new IllegalArgumentException("expected " + inputs + " inputs, got " + in.length);
    }
    long[] acc = new long[outputs];
    for (int j = 0; j < outputs; j++) {
      long s = bias[j];
      int off = j * inputs;
      if (nonzero != null) {
        for (int i : nonzero[j]) {
          s += (long) weights[off + i] * in[i];
        }
      } else {
        for (int i = 0; i < inputs; i++) {
          s += (long) weights[off + i] * in[i];
        }
      }
      acc[j] = s;
    }
    return acc;
  }

  /**
   * The lookup-table function of hidden neuron {@code output}: the activation level for accumulator
   * value {@code acc} (an exact integer, or a noisy reading of one).
   *
   * @throws IllegalStateException on the output layer
   */
  public int activate(int output, double acc) {
    if (activation == null) {
      throw new IllegalStateException("the output layer has no activation");
    }
    return activation.quantize(acc * accumulatorScale(output));
  }

  /**
   * The activation with the FHE circuit's saturation: {@code activate(output, clamp(acc, r))} where
   * {@code r} is the neuron's range widened by {@code marginFraction} ({@link AccumulatorRange#widened}).
   * Identical to {@link #activate} inside the range; outside it, the nearer end's value.
   */
  public int activateSaturated(int output, double acc, double marginFraction) {
    return activate(output, range(output).widened(marginFraction).clamp(acc));
  }

  /** An output-layer logit with the saturation of a sanitized circuit's output bootstrap (see above). */
  public long saturateLogit(int output, long acc, double marginFraction) {
    return (long) range(output).widened(marginFraction).clamp(acc);
  }

  @Override
  public String toString() {
    return "QuantizedLayer[" + inputs + " -> " + outputs + ", w" + weightBits
        + (activation == null ? ", output" : ", a" + activation.bits()) + "]";
  }
}
