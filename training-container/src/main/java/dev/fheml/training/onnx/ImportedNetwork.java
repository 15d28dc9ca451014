package dev.fheml.training.onnx;

import java.util.Arrays;
import java.util.List;

/**
 * What an ONNX graph computes, reduced to what the FHE compiler runs: affine layers with a ReLU
 * between consecutive ones (every convolution, batch normalization, pooling, scaling and bias folded
 * into the affine map it belongs to), the last layer's outputs being the class scores. Inputs are in
 * the graph's own units (e.g. normalized pixels); see {@link InputPreprocessing} for the client's raw
 * units. Immutable.
 */
public final class ImportedNetwork {
  private final String source;
  private final int[] inputShape;
  private final List<AffineMap> layers;
  private final List<String> classNames;
  private final List<String> log;

  ImportedNetwork(String source, int[] inputShape, List<AffineMap> layers, List<String> classNames, List<String> log) {
    this.source = source;
    this.inputShape = inputShape.clone();
    this.layers = List.copyOf(layers);
    this.classNames = List.copyOf(classNames);
    this.log = List.copyOf(log);
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException("no layer");
    }
    if (this.layers.get(0).inputs != inputSize()) {
      throw new IllegalArgumentException("the first layer reads " + this.layers.get(0).inputs + " values, the input has "
          + inputSize());
    }
    if (this.classNames.size() != this.layers.get(this.layers.size() - 1).outputs) {
      throw new IllegalArgumentException(this.classNames.size() + " class names for "
          + this.layers.get(this.layers.size() - 1).outputs + " scores");
    }
  }

  /** The file (or other source) the network was read from. */
  public String source() {
    return source;
  }

  /** The input's shape without the batch dimension: {@code [C, H, W]} for images, {@code [F]} for features. */
  public int[] inputShape() {
    return inputShape.clone();
  }

  public int inputSize() {
    return LinearOps.size(inputShape);
  }

  /** Number of affine layers (hidden layers + the output layer). */
  public int layerCount() {
    return layers.size();
  }

  public int layerInputs(int layer) {
    return layers.get(layer).inputs;
  }

  public int layerOutputs(int layer) {
    return layers.get(layer).outputs;
  }

  /** Row-major {@code outputs x inputs} weights of a layer (a copy). */
  public double[] weights(int layer) {
    return layers.get(layer).weights.clone();
  }

  public double[] bias(int layer) {
    return layers.get(layer).bias.clone();
  }

  public List<String> classNames() {
    return classNames;
  }

  /** ReLU'd values per input: one bootstrap each under FHE. */
  public int bootstraps() {
    int n = 0;
    for (int l = 0; l < layers.size() - 1; l++) {
      n += layers.get(l).outputs;
    }
    return n;
  }

  /** One line per ONNX node: what was folded where, what was dropped and why. */
  public List<String> log() {
    return log;
  }

  /** The float class scores of one input in the graph's units (what onnxruntime computes, before any softmax). */
  public double[] scores(double[] input) {
    if (input.length != inputSize()) {
      throw new IllegalArgumentException("expected " + inputSize() + " input values, got " + input.length);
    }
    double[] a = input;
    for (int l = 0; l < layers.size(); l++) {
      a = layers.get(l).apply(a);
      if (l < layers.size() - 1) {
        for (int j = 0; j < a.length; j++) {
          a[j] = Math.max(a[j], 0);
        }
      }
    }
    return a;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ImportedNetwork[").append(Arrays.toString(inputShape));
    for (AffineMap l : layers) {
      s.append(" -> ").append(l.outputs);
    }
    return s.append(", ").append(bootstraps()).append(" bootstraps]").toString();
  }
}
