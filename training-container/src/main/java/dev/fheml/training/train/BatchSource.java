package dev.fheml.training.train;

import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.quant.InputQuantizer;
import java.util.SplittableRandom;

/**
 * Shuffled mini-batches of quantized inputs: each row is (optionally) distorted by the augmentation,
 * quantized exactly as the client will ({@link InputQuantizer}) and written as real values
 * {@code x * scale}. Rows without augmentation are quantized once up front.
 */
final class BatchSource {
  private final Dataset data;
  private final InputQuantizer quantizer;
  private final ImageAugmentation augmentation;
  private final int batchSize;
  private final int d;
  private final float[] quantized;
  private final int[] order;
  private final int[] labels;
  private final float[] raw;
  private final float[] distorted;
  private SplittableRandom rng;
  private int position;

  BatchSource(Dataset data, InputQuantizer quantizer, ImageAugmentation augmentation, int batchSize) {
    this.data = data;
    this.quantizer = quantizer;
    this.augmentation = augmentation;
    this.batchSize = batchSize;
    this.d = data.numFeatures();
    this.order = new int[data.size()];
    this.labels = new int[batchSize];
    this.raw = new float[d];
    this.distorted = new float[d];
    if (augmentation == null) {
      quantized = new float[data.size() * d];
      for (int r = 0; r < data.size(); r++) {
        data.copyRow(r, raw, 0);
        quantize(quantizer, raw, quantized, r * d);
      }
    } else {
      quantized = null;
    }
  }

  /** Writes the quantized real values {@code x_i * scale} of raw row {@code src} to {@code dst[off ..]}. */
  static void quantize(InputQuantizer q, float[] src, float[] dst, int off) {
    double scale = q.scale();
    int[] x = q.quantize(src);
    for (int i = 0; i < x.length; i++) {
      dst[off + i] = (float) (x[i] * scale);
    }
  }

  int batchesPerEpoch() {
    return (data.size() + batchSize - 1) / batchSize;
  }

  /** Starts an epoch: a new shuffle drawn from {@code epochRng}, which also drives augmentation. */
  void startEpoch(SplittableRandom epochRng) {
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    DataSplit.shuffle(order, epochRng);
    this.rng = epochRng;
    this.position = 0;
  }

  /** Fills {@code buffer} with the next batch; returns its row count, 0 at the end of the epoch. */
  int next(float[] buffer) {
    int rows = Math.min(batchSize, order.length - position);
    for (int k = 0; k < rows; k++) {
      int r = order[position + k];
      labels[k] = data.label(r);
      if (augmentation == null) {
        System.arraycopy(quantized, r * d, buffer, k * d, d);
      } else {
        data.copyRow(r, raw, 0);
        augmentation.apply(raw, 0, distorted, 0, rng);
        quantize(quantizer, distorted, buffer, k * d);
      }
    }
    position += rows;
    return rows;
  }

  /** Labels of the last batch. */
  int[] labels() {
    return labels;
  }
}
