package dev.fheml.training.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Loads an MNIST-style pair of IDX files (images {@code [n, rows, cols]} and labels {@code [n]}, both
 * unsigned bytes, optionally gzip-compressed) into a {@link Dataset} of raw pixel values 0..255, one
 * feature per pixel in row-major order, with the ten classes {@code "0"} .. {@code "9"}.
 */
public final class Mnist {
  /** Number of digit classes. */
  public static final int CLASSES = 10;
  /** Pixel values are in [0, MAX_PIXEL]. */
  public static final int MAX_PIXEL = 255;
  /** The size of MNIST digits (the bundled ones among them). */
  public static final ImageShape IMAGE = new ImageShape(28, 28);

  private Mnist() {
  }

  /**
   * Reads the images and labels with the default {@link IdxReader}.
   *
   * @throws DatasetFormatException if a file is not valid IDX, the images are not rank 3, the labels
   *                                not rank 1, their counts differ or a label is not a digit
   */
  public static Dataset load(Path images, Path labels) throws IOException {
    IdxReader reader = new IdxReader();
    return fromArrays(reader.read(images), images.toString(), reader.read(labels), labels.toString());
  }

  /** Builds the dataset from already-read arrays; the names are used in error messages. */
  public static Dataset fromArrays(IdxArray images, String imagesName, IdxArray labels,
      String labelsName) throws DatasetFormatException {
    if (images.rank() != 3) {
      throw new DatasetFormatException(imagesName, "offset 3",
          "MNIST images must have rank 3 [n, rows, cols], got " + images);
    }
    if (labels.rank() != 1) {
      throw new DatasetFormatException(labelsName, "offset 3",
          "MNIST labels must have rank 1 [n], got " + labels);
    }
    int n = images.dim(0);
    if (labels.dim(0) != n) {
      throw new DatasetFormatException(labelsName, "offset 4",
          labels.dim(0) + " labels for " + n + " images in " + imagesName);
    }
    int pixels = images.dim(1) * images.dim(2);
    float[] features = new float[n * pixels];
    for (int i = 0; i < features.length; i++) {
      features[i] = images.unsigned(i);
    }
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = labels.unsigned(i);
      if (y[i] >= CLASSES) {
        throw new DatasetFormatException(labelsName, "offset " + (8 + i),
            "label " + y[i] + " of image " + i + " is not a digit 0..9");
      }
    }
    return Dataset.of(features, y, Dataset.numberedNames("px", pixels),
        Dataset.numberedNames("", CLASSES));
  }
}
