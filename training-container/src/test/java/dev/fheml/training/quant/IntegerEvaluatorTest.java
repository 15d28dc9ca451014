package dev.fheml.training.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IntegerEvaluatorTest {
  private final IntegerEvaluator eval = new IntegerEvaluator(TinyModels.twoByTwo());

  @Test
  void matchesAHandComputedExample() {
    // x = (3, 1)
    // hidden acc: 2*3 - 1*1 + 1 = 6 ; -3*3 + 3*1 - 2 = -8
    // real: 6 * 0.3 / 3 = 0.6 -> 0.6 / 0.5 = 1.2 -> 1 ; -8 -> relu 0
    // output acc: 1*1 + 2*0 + 0 = 1 ; 3*1 - 1*0 + 1 = 4
    // dequantized: 1 * 1.0 * 0.5 = 0.5 ; 4 * 0.5 * 0.5 = 1.0 -> class 1
    EvaluationTrace t = eval.trace(new int[] {3, 1});
    assertArrayEquals(new long[] {6, -8}, t.accumulators().get(0));
    assertArrayEquals(new int[] {1, 0}, t.activations().get(0));
    assertArrayEquals(new long[] {1, 4}, t.logits());
    assertEquals(1, t.predicted());
    assertEquals(0, t.outOfRange());
    assertArrayEquals(new double[] {0.5, 1.0}, eval.dequantize(t.logits()), 1e-12);
  }

  @Test
  void secondHandComputedExample() {
    // x = (3, 0): hidden acc 7 -> real 0.7 -> 1.4 -> 1 ; -11 -> 0 ; logits (1, 4)
    // x = (2, 0): hidden acc 5 -> real 0.5 -> 1.0 -> 1 ; logits (1, 4)
    // x = (0, 3): hidden acc -2 -> 0 ; 7 -> 7*0.15/3 = 0.35 -> 0.7 -> 1 ; logits (2, 0)
    assertArrayEquals(new long[] {2, 0}, eval.logits(new int[] {0, 3}));
    assertEquals(0, eval.predict(eval.logits(new int[] {0, 3})));
    assertArrayEquals(new long[] {1, 4}, eval.logits(new int[] {3, 0}));
  }

  @Test
  void zeroNoiseEqualsExact() {
    BootstrapNoise none = BootstrapNoise.defaults().withSigmaPositions(0);
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < 4; b++) {
        int[] x = {a, b};
        assertArrayEquals(eval.logits(x), eval.trace(x, none, new SplittableRandom(1)).logits());
      }
    }
  }

  @Test
  void noiseIsSeededAndChangesReadings() {
    BootstrapNoise loud = new BootstrapNoise(2048, 400, 0);
    int[] x = {3, 1};
    long[] first = eval.trace(x, loud, new SplittableRandom(5)).logits();
    assertArrayEquals(first, eval.trace(x, loud, new SplittableRandom(5)).logits());
    boolean changed = false;
    for (int s = 0; s < 50 && !changed; s++) {
      changed = !java.util.Arrays.equals(eval.logits(x), eval.trace(x, loud,
          new SplittableRandom(s)).logits());
    }
    assertEquals(true, changed, "400 positions of noise must change some activation");
  }

  @Test
  void noiseSigmaFollowsTheRangeWidth() {
    BootstrapNoise n = new BootstrapNoise(2048, 7, 0.05);
    assertEquals(7 * 1000 * 1.1 / 2048, n.sigmaAccumulator(1000), 1e-12);
    assertEquals(0.0, n.withSigmaPositions(0).sigmaAccumulator(1000));
  }

  @Test
  void outOfRangeAccumulatorsAreCounted() {
    // x = (0, 0): hidden acc (1, -2), both inside; x = (3, 3): (4, -2) inside
    assertEquals(0, eval.trace(new int[] {3, 3}).outOfRange());
    QuantizedModel narrow = TinyModels.twoByTwo().withLayers(java.util.List.of(
        TinyModels.twoByTwo().layers().get(0).withRanges(new AccumulatorRange[] {
            new AccumulatorRange(0, 1), new AccumulatorRange(0, 1)}),
        TinyModels.twoByTwo().layers().get(1)));
    assertNotEquals(0, new IntegerEvaluator(narrow).trace(new int[] {3, 1}).outOfRange());
  }

  @Test
  void rejectsInputsOutsideTheirBits() {
    assertThrows(IllegalArgumentException.class, () -> eval.logits(new int[] {4, 0}));
    assertThrows(IllegalArgumentException.class, () -> eval.logits(new int[] {0, -1}));
    assertThrows(IllegalArgumentException.class, () -> eval.logits(new int[] {0}));
  }
}
