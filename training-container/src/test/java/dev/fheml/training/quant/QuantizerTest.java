package dev.fheml.training.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.circuit.InputEncoding;
import dev.fheml.training.data.MinMaxScaler;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class QuantizerTest {

  @Property
  void weightsStayWithinTheirBits(@ForAll @IntRange(min = 2, max = 16) int bits,
      @ForAll @DoubleRange(min = -1e6, max = 1e6) double w,
      @ForAll @DoubleRange(min = 1e-6, max = 1e3) @Scale(8) double maxAbs) {
    double s = WeightQuantization.scale(maxAbs, bits);
    int q = WeightQuantization.quantize(w, s, bits);
    assertTrue(Math.abs(q) <= (1 << (bits - 1)) - 1, "q = " + q);
    if (Math.abs(w) <= maxAbs) {
      assertTrue(Math.abs(q * s - w) <= s / 2 + 1e-9 * maxAbs, "error above half a step");
    }
  }

  @Test
  void largestWeightMapsToTheLargestLevel() {
    double s = WeightQuantization.scale(0.7, 4);
    assertEquals(0.1, s, 1e-12);
    assertEquals(7, WeightQuantization.quantize(0.7, s, 4));
    assertEquals(-7, WeightQuantization.quantize(-0.7, s, 4));
    assertEquals(2, WeightQuantization.quantize(0.15, s, 4), "round half up");
    assertEquals(-1, WeightQuantization.quantize(-0.15, s, 4), "round half up");
    assertEquals(1.0, WeightQuantization.scale(0, 4), "all-zero neuron");
    assertThrows(IllegalArgumentException.class, () -> WeightQuantization.maxMagnitude(1));
  }

  @Property
  void activationsStayWithinTheirBits(@ForAll @IntRange(min = 1, max = 16) int bits,
      @ForAll @DoubleRange(min = -1e9, max = 1e9) double real,
      @ForAll @DoubleRange(min = 1e-6, max = 1e3) @Scale(8) double scale) {
    int a = new ActivationQuantizer(scale, bits).quantize(real);
    assertTrue(a >= 0 && a <= (1 << bits) - 1, "a = " + a);
  }

  @Test
  void activationIsReluThenRounding() {
    ActivationQuantizer q = ActivationQuantizer.forClip(1.5, 4);
    assertEquals(0.1, q.scale(), 1e-12);
    assertEquals(0, q.quantize(-3));
    assertEquals(0, q.quantize(0.04));
    assertEquals(1, q.quantize(0.06));
    assertEquals(15, q.quantize(1.5));
    assertEquals(15, q.quantize(99));
    assertEquals(0, q.quantize(Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> new ActivationQuantizer(0, 4));
  }

  @Test
  void inputQuantizerRoundsScaledValues() {
    InputQuantizer q = new InputQuantizer(MinMaxScaler.fixed(3, 0, 255), 4);
    assertEquals(15, q.maxValue());
    assertEquals(1.0 / 15, q.scale(), 1e-15);
    int[] x = q.quantize(new float[] {0, 255, 127.5f});
    assertEquals(0, x[0]);
    assertEquals(15, x[1]);
    assertEquals(8, x[2], "7.5 rounds half up");
    assertEquals(15, q.quantize(new float[] {1000, -5, 0})[0], "clamped");
    assertThrows(IllegalArgumentException.class, () -> q.quantize(new float[2]));
  }

  @Property
  void inputsStayWithinTheirBits(@ForAll @IntRange(min = 1, max = 16) int bits,
      @ForAll @FloatRange(min = -1e4f, max = 1e4f) float raw) {
    int x = new InputQuantizer(MinMaxScaler.fixed(1, -10, 10), bits).quantize(new float[] {raw})[0];
    assertTrue(x >= 0 && x <= (1 << bits) - 1);
  }

  /**
   * Training quantizes with the client's {@link InputEncoding} (one implementation): the compiled
   * client spec carries the same encoding, and a client given the raw row gets the same integers.
   */
  @Property
  void trainingAndClientQuantizeAlikeBitForBit(@ForAll @IntRange(min = 1, max = 16) int bits,
      @ForAll @Size(3) List<@FloatRange(min = -1e3f, max = 1e3f) Float> raw,
      @ForAll @DoubleRange(min = -500, max = 500) double lo, @ForAll @DoubleRange(min = 0, max = 500) double width) {
    MinMaxScaler scaler = new MinMaxScaler(new double[] {lo, lo, 0}, new double[] {lo + width, lo + width / 3, 0});
    InputQuantizer training = new InputQuantizer(scaler, bits);
    InputEncoding client = new InputEncoding(new double[] {lo, lo, 0}, new double[] {lo + width, lo + width / 3, 0},
        bits);
    assertEquals(client, training.encoding());
    float[] row = new float[] {raw.get(0), raw.get(1), raw.get(2)};
    long[] expected = client.quantize(new double[] {row[0], row[1], row[2]});
    assertArrayEquals(expected, IntStream.of(training.quantize(row)).asLongStream().toArray());
  }

  @Test
  void bitsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new QuantBits(0, 4, 4));
    assertThrows(IllegalArgumentException.class, () -> new QuantBits(4, 1, 4));
    assertThrows(IllegalArgumentException.class, () -> new QuantBits(4, 4, 17));
    assertEquals(7, new QuantBits(4, 4, 4).maxWeight());
  }
}
