package dev.fheml.training.data;

import java.util.Objects;
import java.util.Optional;

/**
 * What the training defaults depend on: how many rows, features and classes, and whether the rows are
 * images (and of what size) or table rows.
 *
 * @param rows     the rows the trainer gets (its validation share included)
 * @param features features per row
 * @param classes  the number of classes
 * @param image    the image size when the rows are images; empty for table rows
 */
public record DataShape(int rows, int features, int classes, Optional<ImageShape> image) {
  public DataShape {
    Objects.requireNonNull(image, "image");
    if (rows < 0 || features < 1 || classes < 1) {
      throw new IllegalArgumentException("a data shape needs rows >= 0, features >= 1, classes >= 1: " + rows + ", "
          + features + ", " + classes);
    }
  }

  /** The shape of {@code rows}, images of {@code image} if present. */
  public static DataShape of(Dataset rows, Optional<ImageShape> image) {
    return new DataShape(rows.size(), rows.numFeatures(), rows.numClasses(), image);
  }

  /** Whether the rows are images. */
  public boolean isImage() {
    return image.isPresent();
  }

  @Override
  public String toString() {
    return (isImage() ? image.get() + " images" : "a table") + " of " + rows + " rows x " + features + " features, "
        + classes + " classes";
  }
}
