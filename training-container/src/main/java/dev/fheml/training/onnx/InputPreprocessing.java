package dev.fheml.training.onnx;

import dev.fheml.core.circuit.InputLayout;
import java.util.Arrays;

/**
 * What the exported graph expects to have been done to the client's raw features before its input:
 * {@code input = (raw * scale - mean[c]) / std[c]}, {@code c} the channel of an image input (or one
 * mean/std for all). PyTorch's {@code ToTensor} is {@code scale = 1/255}; {@code Normalize(mean, std)}
 * adds the rest; scikit-learn pipelines scale inside the graph ({@link #none()}). The importer folds
 * this into the first layer, so the client keeps sending raw values.
 *
 * @param scale multiplies every raw value first
 * @param mean  one value, or one per channel
 * @param std   as many values as {@code mean}, all positive
 */
public record InputPreprocessing(double scale, double[] mean, double[] std) {
  public InputPreprocessing {
    mean = mean.clone();
    std = std.clone();
    if (!(scale > 0) || !Double.isFinite(scale) || mean.length == 0 || mean.length != std.length) {
      throw new IllegalArgumentException("need a positive scale and as many means as standard deviations");
    }
    for (double s : std) {
      if (!(s > 0)) {
        throw new IllegalArgumentException("standard deviations must be positive: " + Arrays.toString(std));
      }
    }
  }

  /** Raw values go in as they are (CSV features; a scikit-learn pipeline scales in its own graph). */
  public static InputPreprocessing none() {
    return new InputPreprocessing(1, new double[] {0}, new double[] {1});
  }

  /** 8-bit pixels as PyTorch's {@code ToTensor} gives them: {@code pixel / 255}. */
  public static InputPreprocessing pixels() {
    return new InputPreprocessing(1 / 255.0, new double[] {0}, new double[] {1});
  }

  /** {@code ToTensor} then {@code Normalize(mean, std)}. */
  public static InputPreprocessing pixels(double[] mean, double[] std) {
    return new InputPreprocessing(1 / 255.0, mean, std);
  }

  /** The multiplier of raw feature {@code i} of an input of {@code shape}. */
  double multiplier(int i, int[] shape) {
    return scale / std[channel(i, shape)];
  }

  /** The constant added to feature {@code i} after the multiplier. */
  double offset(int i, int[] shape) {
    int c = channel(i, shape);
    return -mean[c] / std[c];
  }

  private int channel(int i, int[] shape) {
    if (mean.length == 1) {
      return 0;
    }
    if (shape.length != 3 || shape[0] != mean.length) {
      throw new IllegalArgumentException(mean.length + " per-channel means for an input of shape "
          + Arrays.toString(shape));
    }
    return i / (shape[1] * shape[2]);
  }

  /**
   * For people and for {@code client.zip}: {@code pixel / 255}, then {@code Normalize(...)} when
   * there is one, or the raw features as they are.
   */
  public String describe() {
    boolean identity = mean.length == 1 && mean[0] == 0 && std[0] == 1;
    if (scale == 1 && identity) {
      return InputLayout.AS_GIVEN;
    }
    String scaled = scale == 1 / 255.0 ? "pixel / 255" : "raw * " + scale;
    return identity ? scaled : scaled + ", then Normalize(mean " + Arrays.toString(mean) + ", std "
        + Arrays.toString(std) + ")";
  }

  @Override
  public String toString() {
    return "input = (raw * " + scale + " - " + Arrays.toString(mean) + ") / " + Arrays.toString(std);
  }
}
