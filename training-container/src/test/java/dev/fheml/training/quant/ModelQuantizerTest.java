package dev.fheml.training.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.DenseLayer;
import dev.fheml.training.model.FloatModel;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ModelQuantizerTest {
  private static FloatModel tiny() {
    DenseLayer hidden = new DenseLayer(2, 2, new float[] {0.6f, -0.3f, 0.1f, 0.2f},
        new float[] {0.05f, -0.1f});
    DenseLayer out = new DenseLayer(2, 2, new float[] {1f, -1f, -0.5f, 0.25f}, new float[] {0f, 0.1f});
    return new FloatModel(MinMaxScaler.fixed(2, 0, 1), List.of(hidden, out), new double[] {1.5},
        List.of("a", "b"));
  }

  @Test
  void quantizesWeightsPerNeuronAndBiasesInAccumulatorUnits() {
    QuantizedModel q = ModelQuantizer.quantizeUncalibrated(tiny(), new QuantBits(4, 4, 4));
    QuantizedLayer h = q.layers().get(0);
    // neuron 0: max |w| 0.6 -> scale 0.6/7; 0.6 -> 7, -0.3 -> -3.5 -> -3 (half up)
    assertArrayEquals(new int[] {7, -3}, h.weightRow(0));
    // neuron 1: max 0.2 -> scale 0.2/7; 0.1 -> 3.5 -> 4, 0.2 -> 7
    assertArrayEquals(new int[] {4, 7}, h.weightRow(1));
    // bias 0.05 in units of (0.6/7)*(1/15): 0.05 / 0.0057142857 = 8.75 -> 9
    assertEquals(9, h.bias(0));
    assertEquals(0.1, h.activation().orElseThrow().scale(), 1e-12);
    assertEquals(0.1, q.layers().get(1).inputScale(), 1e-12);
  }

  @Test
  void calibrationRecordsMinAndMaxPerNeuron() {
    Dataset data = Dataset.of(new float[] {0, 0, 1, 0, 0, 1, 1, 1}, new int[4], List.of("x", "y"),
        List.of("a", "b"));
    QuantizedModel q = ModelQuantizer.quantize(tiny(), new QuantBits(4, 4, 4), data);
    IntegerEvaluator eval = new IntegerEvaluator(q);
    for (int l = 0; l < 2; l++) {
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (int r = 0; r < 4; r++) {
        long acc = eval.trace(q.input().quantize(data.row(r))).accumulators().get(l)[0];
        min = Math.min(min, acc);
        max = Math.max(max, acc);
      }
      assertEquals(new AccumulatorRange(min, max), q.layers().get(l).range(0));
    }
    assertThrows(IllegalArgumentException.class,
        () -> ModelQuantizer.calibrate(q, data.head(0)));
  }

  @Test
  void infiniteClipCannotBeQuantized() {
    FloatModel m = new FloatModel(MinMaxScaler.fixed(2, 0, 1), tiny().layers(),
        new double[] {Double.POSITIVE_INFINITY}, List.of("a", "b"));
    assertThrows(IllegalArgumentException.class,
        () -> ModelQuantizer.quantizeUncalibrated(m, new QuantBits(4, 4, 4)));
  }

  /** With many bits the integer model approximates the float model closely. */
  @Property(tries = 30)
  void highPrecisionQuantizationTracksTheFloatModel(@ForAll long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int n = 5;
    int h = 4;
    float[] w1 = new float[n * h];
    float[] w2 = new float[h * 3];
    for (int i = 0; i < w1.length; i++) {
      w1[i] = (float) rng.nextGaussian();
    }
    for (int i = 0; i < w2.length; i++) {
      w2[i] = (float) rng.nextGaussian();
    }
    FloatModel m = new FloatModel(MinMaxScaler.fixed(n, 0, 1),
        List.of(new DenseLayer(n, h, w1, new float[h]), new DenseLayer(h, 3, w2, new float[3])),
        new double[] {100}, List.of("a", "b", "c"));
    float[] raw = new float[n];
    for (int i = 0; i < n; i++) {
      raw[i] = (float) Math.round(rng.nextDouble() * 4095) / 4095f;
    }
    QuantizedModel q = ModelQuantizer.quantizeUncalibrated(m, new QuantBits(12, 16, 16));
    IntegerEvaluator eval = IntegerEvaluator.unsaturated(q); // no calibrated ranges to saturate at
    double[] expected = m.logits(raw);
    double[] actual = eval.dequantize(eval.logits(q.input().quantize(raw)));
    for (int k = 0; k < 3; k++) {
      assertTrue(Math.abs(expected[k] - actual[k]) < 0.02 * (1 + Math.abs(expected[k])),
          expected[k] + " vs " + actual[k]);
    }
  }
}
