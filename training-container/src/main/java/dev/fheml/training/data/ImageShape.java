package dev.fheml.training.data;

/**
 * The size of the images in a dataset whose rows are row-major pixels (IDX {@code [n, height, width]}).
 *
 * @param width  pixels per row, {@code >= 1}
 * @param height rows, {@code >= 1}
 */
public record ImageShape(int width, int height) {
  /** Validates the size. */
  public ImageShape {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("an image is at least 1x1, got " + width + "x" + height);
    }
  }

  /** Pixels per image: the features of one row. */
  public int pixels() {
    return width * height;
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
