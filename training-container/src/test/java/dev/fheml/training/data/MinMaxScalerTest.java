package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class MinMaxScalerTest {
  private static Dataset twoFeatures(float[] rows) {
    return Dataset.of(rows, new int[rows.length / 2], List.of("a", "b"), List.of("c"));
  }

  @Test
  void fitsMinAndMaxPerFeature() {
    MinMaxScaler s = MinMaxScaler.fit(twoFeatures(new float[] {1, 10, 3, 10, 2, 10}));
    assertEquals(1.0, s.min(0));
    assertEquals(3.0, s.max(0));
    assertEquals(0.5, s.transform(0, 2.0));
    assertEquals(0.0, s.transform(0, 1.0));
    assertEquals(1.0, s.transform(0, 3.0));
  }

  @Test
  void clampsOutsideTheFittedRange() {
    MinMaxScaler s = MinMaxScaler.fit(twoFeatures(new float[] {0, 0, 4, 1}));
    assertEquals(0.0, s.transform(0, -5));
    assertEquals(1.0, s.transform(0, 100));
  }

  @Test
  void constantFeatureMapsToZero() {
    MinMaxScaler s = MinMaxScaler.fit(twoFeatures(new float[] {1, 10, 3, 10}));
    assertEquals(0.0, s.transform(1, 10));
    assertEquals(0.0, s.transform(1, 99));
  }

  @Test
  void rejectsInvalidRanges() {
    assertThrows(IllegalArgumentException.class,
        () -> new MinMaxScaler(new double[] {1}, new double[] {0}));
    assertThrows(IllegalArgumentException.class,
        () -> new MinMaxScaler(new double[] {1}, new double[] {1, 2}));
    assertThrows(IllegalArgumentException.class,
        () -> new MinMaxScaler(new double[] {Double.NaN}, new double[] {1}));
  }

  @Property
  void alwaysInUnitInterval(@ForAll double lo, @ForAll double width, @ForAll double raw) {
    if (!Double.isFinite(lo) || !Double.isFinite(width) || !Double.isFinite(lo + Math.abs(width))) {
      return;
    }
    MinMaxScaler s = new MinMaxScaler(new double[] {lo}, new double[] {lo + Math.abs(width)});
    double u = s.transform(0, raw);
    assertTrue(u >= 0 && u <= 1, "u = " + u);
  }
}
