package dev.fheml.training.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded, stratified split of a dataset into a kept part and a held-out part (validation or test):
 * each class contributes {@code round(fraction * its count)} rows to the held-out part, chosen by a
 * shuffle seeded with {@code seed}. The same inputs always give the same split.
 *
 * @param kept     the rows not held out, in shuffled order
 * @param heldOut  the held-out rows, in shuffled order
 */
public record DataSplit(Dataset kept, Dataset heldOut) {

  /**
   * Splits {@code data}.
   *
   * @param fraction in [0, 1): the share of each class held out
   * @throws IllegalArgumentException if {@code fraction} is out of range
   */
  public static DataSplit stratified(Dataset data, double fraction, long seed) {
    if (!(fraction >= 0 && fraction < 1)) {
      throw new IllegalArgumentException("fraction must be in [0, 1): " + fraction);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    List<List<Integer>> byClass = new ArrayList<>();
    for (int c = 0; c < data.numClasses(); c++) {
      byClass.add(new ArrayList<>());
    }
    for (int i = 0; i < data.size(); i++) {
      byClass.get(data.label(i)).add(i);
    }
    List<Integer> kept = new ArrayList<>();
    List<Integer> held = new ArrayList<>();
    for (List<Integer> rows : byClass) {
      int[] idx = rows.stream().mapToInt(Integer::intValue).toArray();
      shuffle(idx, rng);
      int h = (int) Math.round(fraction * idx.length);
      for (int k = 0; k < idx.length; k++) {
        (k < h ? held : kept).add(idx[k]);
      }
    }
    int[] keptIdx = kept.stream().mapToInt(Integer::intValue).toArray();
    int[] heldIdx = held.stream().mapToInt(Integer::intValue).toArray();
    shuffle(keptIdx, rng);
    shuffle(heldIdx, rng);
    return new DataSplit(data.subset(keptIdx), data.subset(heldIdx));
  }

  /** Fisher-Yates shuffle of {@code a} in place with {@code rng}. */
  public static void shuffle(int[] a, SplittableRandom rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
