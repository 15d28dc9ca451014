package dev.fheml.training.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageAugmentationTest {
  private static float[] image() {
    float[] img = new float[5 * 4];
    for (int i = 0; i < img.length; i++) {
      img[i] = i * 3;
    }
    return img;
  }

  @Test
  void zeroBoundsAreTheIdentity() {
    ImageAugmentation none = new ImageAugmentation(5, 4, 0, 0, 0, 0, 3);
    float[] out = new float[20];
    none.apply(image(), 0, out, 0, new SplittableRandom(3));
    assertArrayEquals(image(), out, 1e-4f);
  }

  @Test
  void sameGeneratorSameDistortion() {
    ImageAugmentation aug = new ImageAugmentation(5, 4, 1.5, 15, 0.1, 1.0, 3);
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
    assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(1, 4, 0, 0, 0, 0, 3));
    assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(4, 4, -1, 0, 0, 0, 3));
    assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(4, 4, 0, 0, 0.9, 0, 3));
    assertThrows(IllegalArgumentException.class, () -> new ImageAugmentation(4, 4, 0, 0, 0, 1, 1));
    assertEquals(784, ImageAugmentation.mnistDefaults().pixels());
  }

  @Test
  void drawsAFixedNumberOfValues() {
    ImageAugmentation aug = new ImageAugmentation(5, 4, 1, 5, 0.1, 1, 3);
    SplittableRandom a = new SplittableRandom(1);
    SplittableRandom b = new SplittableRandom(1);
    aug.apply(image(), 0, new float[20], 0, a);
    for (int k = 0; k < aug.drawsPerImage(); k++) {
      b.nextDouble();
    }
    assertEquals(b.nextLong(), a.nextLong());
  }
}
