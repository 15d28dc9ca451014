package dev.fheml.training.train;

import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.DenseLayer;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.ActivationQuantizer;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.quant.WeightQuantization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The mutable training state of a dense network and its forward/backward pass on one mini-batch, with
 * quantization-aware training: weights fake-quantized per neuron ({@link WeightQuantization}), biases
 * rounded to accumulator units, hidden pre-activations read with Gaussian noise of the bootstrap's size,
 * then a ReLU clipped at a learned clip (PACT) and fake-quantized to the activation bits
 * ({@link ActivationQuantizer} semantics). Rounding uses the straight-through estimator.
 *
 * <p>Weights are stored transposed ({@code inputs x outputs}) so that both passes are
 * {@code y += a * row} loops that skip zero inputs. Parallel loops own disjoint outputs, so results do
 * not depend on the thread count. Not thread-safe.
 */
final class QatNetwork {
  private final int layerCount;
  private final int[] size;
  private final QuantBits bits;
  private final ParallelRange parallel;
  private final int capacity;

  final float[][] w;
  final float[][] b;
  final float[] clip;
  final float[][] gw;
  final float[][] gb;
  final float[] gclip;
  private final float[][] wq;
  private final float[][] bq;
  private final float[][] sigma;

  private final float[][] act;
  private final float[][] z;
  private final float[][] dz;
  private final float[] gclipRows;

  private boolean quantize;

  QatNetwork(int[] size, QuantBits bits, int capacity, ParallelRange parallel) {
    this.size = size.clone();
    this.layerCount = size.length - 1;
    this.bits = bits;
    this.capacity = capacity;
    this.parallel = parallel;
    w = new float[layerCount][];
    b = new float[layerCount][];
    gw = new float[layerCount][];
    gb = new float[layerCount][];
    wq = new float[layerCount][];
    bq = new float[layerCount][];
    z = new float[layerCount][];
    dz = new float[layerCount][];
    act = new float[layerCount][];
    for (int l = 0; l < layerCount; l++) {
      int n = size[l];
      int m = size[l + 1];
      w[l] = new float[n * m];
      gw[l] = new float[n * m];
      wq[l] = new float[n * m];
      b[l] = new float[m];
      gb[l] = new float[m];
      bq[l] = new float[m];
      z[l] = new float[capacity * m];
      dz[l] = new float[capacity * m];
      act[l] = new float[capacity * n];
    }
    clip = new float[layerCount - 1];
    Arrays.fill(clip, Float.POSITIVE_INFINITY);
    gclip = new float[layerCount - 1];
    gclipRows = new float[capacity];
    sigma = new float[layerCount - 1][];
    for (int l = 0; l < layerCount - 1; l++) {
      sigma[l] = new float[size[l + 1]];
    }
  }

  /** He-normal weights for hidden layers, LeCun-normal for the output layer, zero biases. */
  void initialize(SplittableRandom rng) {
    for (int l = 0; l < layerCount; l++) {
      double std = Math.sqrt((l < layerCount - 1 ? 2.0 : 1.0) / size[l]);
      for (int k = 0; k < w[l].length; k++) {
        w[l][k] = (float) (std * rng.nextGaussian());
      }
    }
  }

  /** Starts from {@code model}'s weights, biases and ReLU clips (fine-tuning). */
  void load(FloatModel model) {
    if (model.layers().size() != layerCount) {
      throw new IllegalArgumentException("the model has " + model.layers().size() + " layers, the network "
          + layerCount);
    }
    for (int l = 0; l < layerCount; l++) {
      DenseLayer d = model.layers().get(l);
      int n = size[l];
      int m = size[l + 1];
      if (d.inputs() != n || d.outputs() != m) {
        throw new IllegalArgumentException("layer " + l + " is " + d.inputs() + " -> " + d.outputs() + ", the network's "
            + n + " -> " + m);
      }
      for (int j = 0; j < m; j++) {
        for (int i = 0; i < n; i++) {
          w[l][i * m + j] = d.weight(j, i);
        }
        b[l][j] = d.bias(j);
      }
    }
    for (int l = 0; l < clip.length; l++) {
      clip[l] = (float) model.reluClip(l);
    }
  }

  int layers() {
    return layerCount;
  }

  int size(int k) {
    return size[k];
  }

  /** The input buffer of the next batch: {@code capacity x size(0)} quantized real inputs. */
  float[] inputBuffer() {
    return act[0];
  }

  /** Turns quantization (weights, activations and noise) on or off. */
  void setQuantize(boolean on) {
    this.quantize = on;
  }

  boolean quantizing() {
    return quantize;
  }

  /** Sets the noise standard deviation (real units) of each neuron of hidden layer {@code l}. */
  void setNoise(int l, float[] stdDev) {
    System.arraycopy(stdDev, 0, sigma[l], 0, sigma[l].length);
  }

  /** Input scale of layer {@code l}: the input quantizer's for layer 0, else the activation step. */
  double inputScale(int l) {
    return l == 0 ? 1.0 / bits.maxInput() : (double) clip[l - 1] / bits.maxActivation();
  }

  /** Recomputes the effective (fake-quantized or float) weights; call after each parameter update. */
  void refreshEffectiveWeights() {
    for (int l = 0; l < layerCount; l++) {
      if (!quantize) {
        System.arraycopy(w[l], 0, wq[l], 0, w[l].length);
        System.arraycopy(b[l], 0, bq[l], 0, b[l].length);
        continue;
      }
      int n = size[l];
      int m = size[l + 1];
      double inScale = inputScale(l);
      float[] src = w[l];
      float[] dst = wq[l];
      for (int j = 0; j < m; j++) {
        double maxAbs = 0;
        for (int i = 0; i < n; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(src[i * m + j]));
        }
        double s = WeightQuantization.scale(maxAbs, bits.weightBits());
        for (int i = 0; i < n; i++) {
          dst[i * m + j] = (float) (s * WeightQuantization.quantize(src[i * m + j], s, bits.weightBits()));
        }
        double unit = s * inScale;
        bq[l][j] = (float) (unit * WeightQuantization.quantizeBias(b[l][j], unit));
      }
    }
  }

  /**
   * Forward pass over {@code rows} inputs in {@link #inputBuffer()}.
   *
   * @param gauss standard normal draws, {@code rows x size(l+1)} per hidden layer, or null for no noise
   */
  void forward(int rows, float[][] gauss) {
    for (int l = 0; l < layerCount; l++) {
      int n = size[l];
      int m = size[l + 1];
      float[] a = act[l];
      float[] zl = z[l];
      float[] wl = wq[l];
      float[] bl = bq[l];
      parallel.forEach(rows, (from, to) -> {
        for (int r = from; r < to; r++) {
          int zo = r * m;
          System.arraycopy(bl, 0, zl, zo, m);
          int ao = r * n;
          for (int i = 0; i < n; i++) {
            float ai = a[ao + i];
            if (ai != 0f) {
              int wo = i * m;
              for (int j = 0; j < m; j++) {
                zl[zo + j] += ai * wl[wo + j];
              }
            }
          }
        }
      });
      if (l < layerCount - 1) {
        activate(l, rows, gauss == null ? null : gauss[l]);
      }
    }
  }

  private void activate(int l, int rows, float[] noise) {
    int m = size[l + 1];
    float[] zl = z[l];
    float[] out = act[l + 1];
    float[] sd = sigma[l];
    int count = rows * m;
    if (noise != null && quantize) {
      for (int k = 0; k < count; k++) {
        zl[k] += sd[k % m] * noise[k];
      }
    }
    if (!quantize) {
      for (int k = 0; k < count; k++) {
        out[k] = Math.max(zl[k], 0f);
      }
      return;
    }
    float c = clip[l];
    int levels = bits.maxActivation();
    float step = (float) ((double) c / levels);
    for (int k = 0; k < count; k++) {
      float v = zl[k] / step;
      out[k] = v > 0 ? Math.min(Math.round(v), levels) * step : 0f;
    }
  }

  /** The pre-activations of layer {@code l} of the last forward pass ({@code rows x size(l+1)}). */
  float[] preActivations(int l) {
    return z[l];
  }

  /**
   * Softmax cross-entropy of the last forward pass against {@code labels}, and the backward pass
   * filling the gradients.
   *
   * @return the summed loss over the rows
   */
  double backward(int rows, int[] labels) {
    double loss = lossGradient(rows, labels);
    for (int l = layerCount - 1; l >= 0; l--) {
      weightGradient(l, rows);
      if (l > 0) {
        inputGradient(l, rows);
      }
    }
    return loss;
  }

  private double lossGradient(int rows, int[] labels) {
    int k = size[layerCount];
    float[] logits = z[layerCount - 1];
    float[] d = dz[layerCount - 1];
    double loss = 0;
    double[] p = new double[k];
    for (int r = 0; r < rows; r++) {
      int o = r * k;
      double max = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < k; c++) {
        max = Math.max(max, logits[o + c]);
      }
      double sum = 0;
      for (int c = 0; c < k; c++) {
        p[c] = Math.exp(logits[o + c] - max);
        sum += p[c];
      }
      loss += Math.log(sum) + max - logits[o + labels[r]];
      for (int c = 0; c < k; c++) {
        d[o + c] = (float) ((p[c] / sum - (c == labels[r] ? 1 : 0)) / rows);
      }
    }
    return loss;
  }

  private void weightGradient(int l, int rows) {
    int n = size[l];
    int m = size[l + 1];
    float[] a = act[l];
    float[] d = dz[l];
    float[] g = gw[l];
    parallel.forEach(n, (from, to) -> {
      for (int i = from; i < to; i++) {
        int go = i * m;
        Arrays.fill(g, go, go + m, 0f);
        for (int r = 0; r < rows; r++) {
          float ai = a[r * n + i];
          if (ai != 0f) {
            int dofs = r * m;
            for (int j = 0; j < m; j++) {
              g[go + j] += ai * d[dofs + j];
            }
          }
        }
      }
    });
    float[] gbl = gb[l];
    Arrays.fill(gbl, 0f);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < m; j++) {
        gbl[j] += d[r * m + j];
      }
    }
  }

  /** Gradient into hidden layer {@code l - 1}'s pre-activations, through the clipped ReLU (STE). */
  private void inputGradient(int l, int rows) {
    int n = size[l];
    int m = size[l + 1];
    float[] d = dz[l];
    float[] wl = wq[l];
    float[] zPrev = z[l - 1];
    float[] dPrev = dz[l - 1];
    float c = quantize ? clip[l - 1] : Float.POSITIVE_INFINITY;
    parallel.forEach(rows, (from, to) -> {
      for (int r = from; r < to; r++) {
        float clipGrad = 0f;
        int dofs = r * m;
        for (int i = 0; i < n; i++) {
          int wo = i * m;
          float s = 0f;
          for (int j = 0; j < m; j++) {
            s += wl[wo + j] * d[dofs + j];
          }
          float zi = zPrev[r * n + i];
          if (zi >= c) {
            clipGrad += s;
            dPrev[r * n + i] = 0f;
          } else {
            dPrev[r * n + i] = zi > 0f ? s : 0f;
          }
        }
        gclipRows[r] = clipGrad;
      }
    });
    float total = 0f;
    for (int r = 0; r < rows; r++) {
      total += gclipRows[r];
    }
    gclip[l - 1] = quantize ? total : 0f;
  }

  /** A deep copy of the parameters. */
  float[][] snapshot() {
    float[][] s = new float[2 * layerCount + 1][];
    for (int l = 0; l < layerCount; l++) {
      s[2 * l] = w[l].clone();
      s[2 * l + 1] = b[l].clone();
    }
    s[2 * layerCount] = clip.clone();
    return s;
  }

  /** Restores parameters saved by {@link #snapshot()}. */
  void restore(float[][] s) {
    for (int l = 0; l < layerCount; l++) {
      System.arraycopy(s[2 * l], 0, w[l], 0, w[l].length);
      System.arraycopy(s[2 * l + 1], 0, b[l], 0, b[l].length);
    }
    System.arraycopy(s[2 * layerCount], 0, clip, 0, clip.length);
    refreshEffectiveWeights();
  }

  /** The float model of the current parameters (latent weights, un-transposed). */
  FloatModel toFloatModel(MinMaxScaler scaler, List<String> classNames) {
    List<DenseLayer> layers = new ArrayList<>();
    for (int l = 0; l < layerCount; l++) {
      int n = size[l];
      int m = size[l + 1];
      float[] rowMajor = new float[n * m];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
          rowMajor[j * n + i] = w[l][i * m + j];
        }
      }
      layers.add(new DenseLayer(n, m, rowMajor, b[l]));
    }
    double[] clips = new double[clip.length];
    for (int l = 0; l < clip.length; l++) {
      clips[l] = clip[l];
    }
    return new FloatModel(scaler, layers, clips, classNames);
  }

  int capacity() {
    return capacity;
  }
}
