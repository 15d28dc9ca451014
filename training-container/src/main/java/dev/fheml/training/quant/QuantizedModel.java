package dev.fheml.training.quant;

import java.util.List;
import java.util.Objects;

/**
 * The quantized integer model the FHE compiler consumes: an {@link InputQuantizer}, then layers of
 * {@link QuantizedLayer}, every one but the last hidden (followed by a bootstrapped activation), the
 * last producing integer logits whose real values are {@code acc_k * accumulatorScale(k)}. Evaluate it
 * with {@link IntegerEvaluator}. Immutable.
 *
 * <p>The constructor checks that it is consistent: layer 0's inputs equal the input features and its
 * input scale the input quantizer's; each later layer's inputs equal the previous layer's outputs and
 * its input scale the previous activation scale; exactly the last layer has no activation; the last
 * layer has one output per class.
 */
public final class QuantizedModel {
  private static final double SCALE_TOLERANCE = 1e-12;

  private final InputQuantizer input;
  private final List<QuantizedLayer> layers;
  private final List<String> classNames;

  /**
   * @throws IllegalArgumentException if the parts are inconsistent (see the class comment)
   */
  public QuantizedModel(InputQuantizer input, List<QuantizedLayer> layers, List<String> classNames) {
    this.input = Objects.requireNonNull(input, "input");
    this.layers = List.copyOf(layers);
    this.classNames = List.copyOf(classNames);
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one layer");
    }
    int expectedInputs = input.numFeatures();
    double expectedScale = input.scale();
    for (int l = 0; l < this.layers.size(); l++) {
      QuantizedLayer layer = this.layers.get(l);
      if (layer.inputs() != expectedInputs) {
        throw new IllegalArgumentException("layer " + l + " has " + layer.inputs()
            + " inputs, expected " + expectedInputs);
      }
      if (Math.abs(layer.inputScale() - expectedScale) > SCALE_TOLERANCE * expectedScale) {
        throw new IllegalArgumentException("layer " + l + " has input scale " + layer.inputScale()
            + ", expected " + expectedScale + " from the previous stage");
      }
      boolean last = l == this.layers.size() - 1;
      if (layer.isHidden() == last) {
        throw new IllegalArgumentException("layer " + l + (last ? " is last and must not have"
            : " is hidden and must have") + " an activation");
      }
      expectedInputs = layer.outputs();
      expectedScale = last ? 0 : layer.activation().orElseThrow().scale();
    }
    if (this.classNames.size() != expectedInputs) {
      throw new IllegalArgumentException(expectedInputs + " logits but " + this.classNames.size()
          + " class names");
    }
  }

  /** The client-side input quantizer. */
  public InputQuantizer input() {
    return input;
  }

  /** The layers, first to last. */
  public List<QuantizedLayer> layers() {
    return layers;
  }

  /** The output layer. */
  public QuantizedLayer outputLayer() {
    return layers.get(layers.size() - 1);
  }

  /** Number of hidden layers (bootstrapped activations). */
  public int hiddenLayers() {
    return layers.size() - 1;
  }

  /** Total hidden neurons: one bootstrap each under FHE. */
  public int bootstrapCount() {
    int n = 0;
    for (int l = 0; l < layers.size() - 1; l++) {
      n += layers.get(l).outputs();
    }
    return n;
  }

  /** Class names, one per logit. */
  public List<String> classNames() {
    return classNames;
  }

  /** Input bits, weight bits of layer 0 and activation bits of the first hidden layer (if any). */
  public QuantBits bits() {
    QuantizedLayer first = layers.get(0);
    int a = first.activation().map(ActivationQuantizer::bits).orElse(1);
    return new QuantBits(input.bits(), first.weightBits(), a);
  }

  /** This model with its layers replaced by {@code newLayers} (e.g. recalibrated ranges). */
  public QuantizedModel withLayers(List<QuantizedLayer> newLayers) {
    return new QuantizedModel(input, newLayers, classNames);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("QuantizedModel[x").append(input.bits()).append(' ')
        .append(input.numFeatures());
    for (QuantizedLayer l : layers) {
      s.append(" -> ").append(l.outputs());
    }
    return s.append(']').toString();
  }
}
