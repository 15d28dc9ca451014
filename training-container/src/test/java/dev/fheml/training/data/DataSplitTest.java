package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataSplitTest {
  private static Dataset data() {
    int n = 100;
    float[] f = new float[n];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      f[i] = i;
      y[i] = i < 80 ? 0 : 1;
    }
    return Dataset.of(f, y, List.of("id"), List.of("a", "b"));
  }

  @Test
  void stratifiedDisjointAndComplete() {
    DataSplit s = DataSplit.stratified(data(), 0.25, 7);
    assertEquals(25, s.heldOut().size());
    assertEquals(75, s.kept().size());
    long heldB = Arrays.stream(s.heldOut().labels()).filter(l -> l == 1).count();
    assertEquals(5, heldB);
    float[] all = new float[100];
    for (int i = 0; i < 75; i++) {
      all[i] = s.kept().feature(i, 0);
    }
    for (int i = 0; i < 25; i++) {
      all[75 + i] = s.heldOut().feature(i, 0);
    }
    Arrays.sort(all);
    for (int i = 0; i < 100; i++) {
      assertEquals(i, all[i]);
    }
  }

  @Test
  void sameSeedSameSplit() {
    DataSplit a = DataSplit.stratified(data(), 0.3, 42);
    DataSplit b = DataSplit.stratified(data(), 0.3, 42);
    assertArrayEquals(a.heldOut().row(0), b.heldOut().row(0));
    assertArrayEquals(a.kept().labels(), b.kept().labels());
    for (int i = 0; i < a.kept().size(); i++) {
      assertEquals(a.kept().feature(i, 0), b.kept().feature(i, 0));
    }
  }
}
