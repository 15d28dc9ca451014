package dev.fheml.training.model;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The trained float model: an input scaler, dense layers, and between consecutive layers a clipped ReLU
 * {@code min(max(z, 0), clip)} with one learned clip per hidden layer. The last layer's outputs are the
 * class logits. A model with one layer is a multinomial logistic regression. Immutable.
 *
 * <p>Its plain evaluation ({@link #logits}) uses unquantized scaled inputs, float weights and exact
 * activations; quantization is done by {@code dev.fheml.training.quant.ModelQuantizer}.
 */
public final class FloatModel {
  private final MinMaxScaler scaler;
  private final List<DenseLayer> layers;
  private final double[] reluClips;
  private final List<String> classNames;

  /**
   * @param scaler     maps raw features to [0, 1]; its feature count is the first layer's inputs
   * @param layers     at least one; each layer's inputs equal the previous layer's outputs
   * @param reluClips  one positive clip per hidden layer ({@code layers.size() - 1} values; may be
   *                   {@code +Infinity} for a plain ReLU)
   * @param classNames one per output of the last layer
   * @throws IllegalArgumentException if the shapes disagree
   */
  public FloatModel(MinMaxScaler scaler, List<DenseLayer> layers, double[] reluClips,
      List<String> classNames) {
    this.scaler = Objects.requireNonNull(scaler, "scaler");
    this.layers = List.copyOf(layers);
    this.reluClips = reluClips.clone();
    this.classNames = List.copyOf(classNames);
    if (this.layers.isEmpty()) {
      throw new IllegalArgumentException("a model needs at least one layer");
    }
    if (this.layers.get(0).inputs() != scaler.numFeatures()) {
      throw new IllegalArgumentException("the scaler has " + scaler.numFeatures()
          + " features, the first layer " + this.layers.get(0).inputs() + " inputs");
    }
    for (int l = 1; l < this.layers.size(); l++) {
      if (this.layers.get(l).inputs() != this.layers.get(l - 1).outputs()) {
        throw new IllegalArgumentException("layer " + l + " has " + this.layers.get(l).inputs()
            + " inputs, layer " + (l - 1) + " " + this.layers.get(l - 1).outputs() + " outputs");
      }
    }
    if (this.reluClips.length != this.layers.size() - 1) {
      throw new IllegalArgumentException(this.layers.size() + " layers need "
          + (this.layers.size() - 1) + " ReLU clips, got " + this.reluClips.length);
    }
    for (double c : this.reluClips) {
      if (!(c > 0)) {
        throw new IllegalArgumentException("a ReLU clip must be positive: " + c);
      }
    }
    if (this.classNames.size() != outputs()) {
      throw new IllegalArgumentException(outputs() + " outputs but " + this.classNames.size()
          + " class names");
    }
  }

  /** The input scaler fitted on the training data. */
  public MinMaxScaler scaler() {
    return scaler;
  }

  /** The dense layers, first to last. */
  public List<DenseLayer> layers() {
    return layers;
  }

  /** The clip of hidden layer {@code hidden} (the activation after layer {@code hidden}). */
  public double reluClip(int hidden) {
    return reluClips[hidden];
  }

  /** Class names, one per logit. */
  public List<String> classNames() {
    return classNames;
  }

  /** Number of raw input features. */
  public int inputs() {
    return scaler.numFeatures();
  }

  /** Number of logits (classes). */
  public int outputs() {
    return layers.get(layers.size() - 1).outputs();
  }

  /** Plain float logits for one row of raw features. */
  public double[] logits(float[] raw) {
    if (raw.length != inputs()) {
      throw new IllegalArgumentException("expected " + inputs() + " features, got " + raw.length);
    }
    double[] a = new double[raw.length];
    for (int i = 0; i < raw.length; i++) {
      a[i] = scaler.transform(i, raw[i]);
    }
    for (int l = 0; l < layers.size(); l++) {
      a = layers.get(l).apply(a);
      if (l < reluClips.length) {
        for (int j = 0; j < a.length; j++) {
          a[j] = Math.min(Math.max(a[j], 0.0), reluClips[l]);
        }
      }
    }
    return a;
  }

  /** The predicted class (argmax of the plain logits, lowest index on ties). */
  public int predict(float[] raw) {
    return argmax(logits(raw));
  }

  /** Plain accuracy on {@code data}. */
  public double accuracy(Dataset data) {
    int correct = 0;
    for (int i = 0; i < data.size(); i++) {
      if (predict(data.row(i)) == data.label(i)) {
        correct++;
      }
    }
    return data.size() == 0 ? 0.0 : (double) correct / data.size();
  }

  /** Index of the largest value, lowest index on ties. */
  public static int argmax(double[] v) {
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("FloatModel[").append(inputs());
    for (DenseLayer l : layers) {
      s.append(" -> ").append(l.outputs());
    }
    return s.append(", clips ").append(Arrays.toString(reluClips)).append(']').toString();
  }
}
