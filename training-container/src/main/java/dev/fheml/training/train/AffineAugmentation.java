package dev.fheml.training.train;

import java.util.SplittableRandom;

/**
 * Random small affine distortions of square-pixel images for data augmentation: rotation by up to
 * {@code maxRotationDegrees}, scaling by a factor in {@code [1 - maxScaleDelta, 1 + maxScaleDelta]} and
 * a shift of up to {@code maxShift} pixels on each axis, all uniform, about the image centre, sampled
 * with bilinear interpolation (zero outside the image). Images are row-major {@code height x width}.
 *
 * @param width              image width in pixels
 * @param height             image height in pixels
 * @param maxShift           largest shift in pixels, {@code >= 0}
 * @param maxRotationDegrees largest rotation, {@code >= 0}
 * @param maxScaleDelta      largest relative scale change, in [0, 0.5]
 */
public record AffineAugmentation(int width, int height, double maxShift, double maxRotationDegrees,
    double maxScaleDelta) {

  /** Validates the fields. */
  public AffineAugmentation {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
    }
    if (!(maxShift >= 0) || !(maxRotationDegrees >= 0) || !(maxScaleDelta >= 0 && maxScaleDelta <= 0.5)) {
      throw new IllegalArgumentException("invalid augmentation bounds: shift " + maxShift
          + ", rotation " + maxRotationDegrees + ", scale " + maxScaleDelta);
    }
  }

  /** Defaults for 28x28 MNIST digits: 2 px shift, 10 degrees, 10 % scale. */
  public static AffineAugmentation mnistDefaults() {
    return new AffineAugmentation(28, 28, 2.0, 10.0, 0.10);
  }

  /** Number of pixels per image. */
  public int pixels() {
    return width * height;
  }

  /**
   * Writes a randomly distorted copy of the image at {@code src[srcOff ..]} into {@code dst[dstOff ..]}.
   * Draws exactly four values from {@code rng}, whatever the bounds.
   */
  public void apply(float[] src, int srcOff, float[] dst, int dstOff, SplittableRandom rng) {
    double angle = Math.toRadians(uniform(rng, maxRotationDegrees));
    double scale = 1.0 + uniform(rng, maxScaleDelta);
    double shiftX = uniform(rng, maxShift);
    double shiftY = uniform(rng, maxShift);
    double cos = Math.cos(angle) / scale;
    double sin = Math.sin(angle) / scale;
    double cx = (width - 1) / 2.0;
    double cy = (height - 1) / 2.0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double px = x - cx - shiftX;
        double py = y - cy - shiftY;
        double sx = cos * px + sin * py + cx;
        double sy = -sin * px + cos * py + cy;
        dst[dstOff + y * width + x] = sample(src, srcOff, sx, sy);
      }
    }
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
