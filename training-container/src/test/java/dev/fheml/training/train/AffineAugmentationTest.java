package dev.fheml.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AffineAugmentationTest {
  private static float[] image() {
    float[] img = new float[5 * 4];
    for (int i = 0; i < img.length; i++) {
      img[i] = i * 3;
    }
    return img;
  }

  @Test
  void zeroBoundsAreTheIdentity() {
    AffineAugmentation none = new AffineAugmentation(5, 4, 0, 0, 0);
    float[] out = new float[20];
    none.apply(image(), 0, out, 0, new SplittableRandom(3));
    assertArrayEquals(image(), out, 1e-4f);
  }

  @Test
  void sameGeneratorSameDistortion() {
    AffineAugmentation aug = new AffineAugmentation(5, 4, 1.5, 15, 0.1);
    float[] a = new float[20];
    float[] b = new float[20];
    aug.apply(image(), 0, a, 0, new SplittableRandom(9));
    aug.apply(image(), 0, b, 0, new SplittableRandom(9));
    assertArrayEquals(a, b);
    float max = 0;
    for (float v : a) {
      max = Math.max(max, v);
    }
    assertTrue(max <= 57f + 1e-3f, "bilinear interpolation cannot exceed the source maximum");
  }

  @Test
  void boundsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new AffineAugmentation(0, 4, 0, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new AffineAugmentation(4, 4, -1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new AffineAugmentation(4, 4, 0, 0, 0.9));
    assertEquals(784, AffineAugmentation.mnistDefaults().pixels());
  }
}
