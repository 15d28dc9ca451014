package dev.fheml.training.job;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.IdxBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes a channel's data files into a folder (created as needed), for tests. */
public final class ChannelFolder {
  private final Path dir;

  public ChannelFolder(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /** Writes {@code bytes} as {@code file} (a path relative to the folder). */
  public Path file(String file, byte[] bytes) throws IOException {
    Path p = dir.resolve(file);
    Files.createDirectories(p.getParent());
    return Files.write(p, bytes);
  }

  public Path text(String file, String text) throws IOException {
    return file(file, text.getBytes(StandardCharsets.UTF_8));
  }

  /** The bundled breast-cancer CSV as {@code name}. */
  public Path breastCancer(String name) throws IOException {
    return file(name, Files.readAllBytes(BundledData.locate().root().resolve("breast-cancer/wdbc.csv")));
  }

  /** The first {@code n} bundled MNIST training images as a raw IDX pair. */
  public void mnist(int n) throws IOException {
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
    file("train-images-idx3-ubyte", IdxBytes.write(new int[] {n, 28, 28}, pixels));
    file("train-labels-idx1-ubyte", IdxBytes.write(new int[] {n}, labels));
  }

  /**
   * {@code n} random {@code h x w} images with digit labels as an IDX pair (gzip-compressed when
   * {@code gzip}) named {@code images}/{@code labels}.
   */
  public void idxImages(int n, int h, int w, boolean gzip, long seed) throws IOException {
    Random r = new Random(seed);
    byte[] pixels = new byte[n * h * w];
    r.nextBytes(pixels);
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      labels[i] = (byte) (i % 10);
    }
    byte[] img = IdxBytes.write(new int[] {n, h, w}, pixels);
    byte[] lbl = IdxBytes.write(new int[] {n}, labels);
    file("images", gzip ? IdxBytes.gzip(img) : img);
    file("labels", gzip ? IdxBytes.gzip(lbl) : lbl);
  }
}
