package dev.fheml.training.train;

import java.util.SplittableRandom;

/**
 * Random small distortions of images for data augmentation: an affine part (rotation by up to
 * {@code maxRotationDegrees}, scaling by a factor in {@code [1 - maxScaleDelta, 1 + maxScaleDelta]},
 * a shift of up to {@code maxShift} pixels on each axis, about the image centre) plus a smooth elastic
 * part (a {@code elasticGrid x elasticGrid} grid of control points, each displaced by up to
 * {@code elasticDisplacement} pixels on each axis, interpolated bilinearly over the image). All draws
 * are uniform. Pixels are resampled with bilinear interpolation, zero outside the image. Images are
 * row-major {@code height x width}.
 *
 * @param width               image width in pixels
 * @param height              image height in pixels
 * @param maxShift            largest shift in pixels, {@code >= 0}
 * @param maxRotationDegrees  largest rotation, {@code >= 0}
 * @param maxScaleDelta       largest relative scale change, in [0, 0.5]
 * @param elasticDisplacement largest control-point displacement in pixels, {@code >= 0}
 * @param elasticGrid         control points per axis, 2..16
 */
public record ImageAugmentation(int width, int height, double maxShift, double maxRotationDegrees,
    double maxScaleDelta, double elasticDisplacement, int elasticGrid) {

  /** Validates the fields. */
  public ImageAugmentation {
    if (width < 2 || height < 2) {
      throw new IllegalArgumentException("image size must be at least 2x2: " + width + "x" + height);
    }
    if (!(maxShift >= 0) || !(maxRotationDegrees >= 0) || !(maxScaleDelta >= 0 && maxScaleDelta <= 0.5)
        || !(elasticDisplacement >= 0) || elasticGrid < 2 || elasticGrid > 16) {
      throw new IllegalArgumentException("invalid augmentation bounds: shift " + maxShift
          + ", rotation " + maxRotationDegrees + ", scale " + maxScaleDelta + ", elastic "
          + elasticDisplacement + " on a " + elasticGrid + " grid");
    }
  }

  /** Defaults for 28x28 MNIST digits: 2 px shift, 10 degrees, 10 % scale, no elastic part. */
  public static ImageAugmentation mnistDefaults() {
    return new ImageAugmentation(28, 28, 2.0, 10.0, 0.10, 0.0, 4);
  }

  /** This augmentation with an elastic part of {@code displacement} pixels on a {@code grid} grid. */
  public ImageAugmentation withElastic(double displacement, int grid) {
    return new ImageAugmentation(width, height, maxShift, maxRotationDegrees, maxScaleDelta,
        displacement, grid);
  }

  /** Number of pixels per image. */
  public int pixels() {
    return width * height;
  }

  /** How many values {@link #apply} draws from its generator, whatever the bounds. */
  public int drawsPerImage() {
    return 4 + 2 * elasticGrid * elasticGrid;
  }

  /**
   * Writes a randomly distorted copy of the image at {@code src[srcOff ..]} into {@code dst[dstOff ..]}.
   * Draws exactly {@link #drawsPerImage()} values from {@code rng}.
   */
  public void apply(float[] src, int srcOff, float[] dst, int dstOff, SplittableRandom rng) {
    double angle = Math.toRadians(uniform(rng, maxRotationDegrees));
    double scale = 1.0 + uniform(rng, maxScaleDelta);
    double shiftX = uniform(rng, maxShift);
    double shiftY = uniform(rng, maxShift);
    int g = elasticGrid;
    double[] gridX = new double[g * g];
    double[] gridY = new double[g * g];
    for (int k = 0; k < g * g; k++) {
      gridX[k] = uniform(rng, elasticDisplacement);
      gridY[k] = uniform(rng, elasticDisplacement);
    }
    double cos = Math.cos(angle) / scale;
    double sin = Math.sin(angle) / scale;
    double cx = (width - 1) / 2.0;
    double cy = (height - 1) / 2.0;
    for (int y = 0; y < height; y++) {
      double gy = (double) y * (g - 1) / (height - 1);
      for (int x = 0; x < width; x++) {
        double gx = (double) x * (g - 1) / (width - 1);
        double px = x - cx - shiftX;
        double py = y - cy - shiftY;
        double sx = cos * px + sin * py + cx + interpolate(gridX, g, gx, gy);
        double sy = -sin * px + cos * py + cy + interpolate(gridY, g, gx, gy);
        dst[dstOff + y * width + x] = sample(src, srcOff, sx, sy);
      }
    }
  }

  private static double interpolate(double[] grid, int g, double gx, double gy) {
    int x0 = Math.min((int) gx, g - 2);
    int y0 = Math.min((int) gy, g - 2);
    double fx = gx - x0;
    double fy = gy - y0;
    return (1 - fx) * (1 - fy) * grid[y0 * g + x0] + fx * (1 - fy) * grid[y0 * g + x0 + 1]
        + (1 - fx) * fy * grid[(y0 + 1) * g + x0] + fx * fy * grid[(y0 + 1) * g + x0 + 1];
  }

  private float sample(float[] src, int off, double x, double y) {
    int x0 = (int) Math.floor(x);
    int y0 = (int) Math.floor(y);
    double fx = x - x0;
    double fy = y - y0;
    double v = (1 - fx) * (1 - fy) * pixel(src, off, x0, y0) + fx * (1 - fy) * pixel(src, off, x0 + 1, y0)
        + (1 - fx) * fy * pixel(src, off, x0, y0 + 1) + fx * fy * pixel(src, off, x0 + 1, y0 + 1);
    return (float) v;
  }

  private float pixel(float[] src, int off, int x, int y) {
    if (x < 0 || y < 0 || x >= width || y >= height) {
      return 0f;
    }
    return src[off + y * width + x];
  }

  private static double uniform(SplittableRandom rng, double bound) {
    return (rng.nextDouble() * 2 - 1) * bound;
  }
}
