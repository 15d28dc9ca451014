package dev.fheml.training.sagemaker;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.IdxBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Builds a SageMaker training layout ({@code input/config}, {@code input/data/<channel>}) in a folder. */
final class JobRoot {
  final SageMakerPaths paths;

  JobRoot(Path root) {
    this.paths = new SageMakerPaths(root);
  }

  JobRoot hyperparameters(String json) throws IOException {
    Files.createDirectories(paths.hyperparameters().getParent());
    Files.writeString(paths.hyperparameters(), json);
    return this;
  }

  /** Writes {@code bytes} as {@code channel/file}. */
  Path file(String channel, String file, byte[] bytes) throws IOException {
    Path p = paths.channel(channel).resolve(file);
    Files.createDirectories(p.getParent());
    return Files.write(p, bytes);
  }

  Path text(String channel, String file, String text) throws IOException {
    return file(channel, file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** The bundled breast-cancer CSV as {@code channel/name}. */
  Path breastCancer(String channel, String name) throws IOException {
    return file(channel, name, Files.readAllBytes(BundledData.locate().root().resolve("breast-cancer/wdbc.csv")));
  }

  /** The first {@code n} bundled MNIST training images as a raw IDX pair. */
  void mnist(String channel, int n) throws IOException {
    Dataset d = BundledData.locate().mnistTrain().head(n);
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      float[] row = d.row(i);
      for (int k = 0; k < row.length; k++) {
        pixels[i * 784 + k] = (byte) row[k];
      }
      labels[i] = (byte) d.label(i);
    }
    file(channel, "train-images-idx3-ubyte", IdxBytes.write(new int[] {n, 28, 28}, pixels));
    file(channel, "train-labels-idx1-ubyte", IdxBytes.write(new int[] {n}, labels));
  }

  /**
   * {@code n} random {@code h x w} images with digit labels as an IDX pair (gzip-compressed when
   * {@code gzip}) named {@code images}/{@code labels}.
   */
  void idxImages(String channel, int n, int h, int w, boolean gzip, long seed) {
    Random r = new Random(seed);
    byte[] pixels = new byte[n * h * w];
    r.nextBytes(pixels);
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
    }
    try {
      byte[] img = IdxBytes.write(new int[] {n, h, w}, pixels);
      byte[] lbl = IdxBytes.write(new int[] {n}, labels);
      file(channel, "images", gzip ? IdxBytes.gzip(img) : img);
      file(channel, "labels", gzip ? IdxBytes.gzip(lbl) : lbl);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
