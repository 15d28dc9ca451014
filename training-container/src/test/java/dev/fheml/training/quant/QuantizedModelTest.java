package dev.fheml.training.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.MinMaxScaler;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuantizedModelTest {
  private static AccumulatorRange[] ranges(int n) {
    AccumulatorRange[] r = new AccumulatorRange[n];
    java.util.Arrays.fill(r, new AccumulatorRange(0, 0));
    return r;
  }

  private static QuantizedLayer output(int inputs, double inputScale) {
    return new QuantizedLayer(inputs, 2, 4, new int[inputs * 2], new long[2], new double[] {1, 1},
        inputScale, Optional.empty(), ranges(2));
  }

  @Test
  void tinyModelIsValid() {
    QuantizedModel m = TinyModels.twoByTwo();
    assertEquals(2, m.bootstrapCount());
    assertEquals(1, m.hiddenLayers());
    assertEquals(new QuantBits(2, 3, 2), m.bits());
  }

  @Test
  void weightsAboveTheirBitsAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new QuantizedLayer(1, 1, 3, new int[] {4}, new long[1], new double[] {1}, 1,
            Optional.empty(), ranges(1)));
    assertTrue(e.getMessage().contains("exceeds 3 bits"), e.getMessage());
  }

  @Test
  void inconsistentShapesAreRejected() {
    InputQuantizer in = new InputQuantizer(MinMaxScaler.fixed(3, 0, 1), 4);
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedModel(in, List.of(output(2, in.scale())), List.of("a", "b")));
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedModel(in, List.of(output(3, 0.5)), List.of("a", "b")),
        "input scale must match the input quantizer");
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedModel(in, List.of(output(3, in.scale())), List.of("a")),
        "one class name per logit");
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedLayer(2, 2, 4, new int[3], new long[2], new double[] {1, 1}, 1,
            Optional.empty(), ranges(2)));
  }

  @Test
  void hiddenAndOutputRolesAreChecked() {
    InputQuantizer in = new InputQuantizer(MinMaxScaler.fixed(2, 0, 1), 4);
    QuantizedLayer hiddenLast = new QuantizedLayer(2, 2, 4, new int[4], new long[2],
        new double[] {1, 1}, in.scale(), Optional.of(new ActivationQuantizer(0.1, 4)), ranges(2));
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedModel(in, List.of(hiddenLast), List.of("a", "b")));
    assertThrows(IllegalArgumentException.class,
        () -> new QuantizedModel(in, List.of(output(2, in.scale()), output(2, in.scale())),
            List.of("a", "b")));
    assertThrows(IllegalStateException.class, () -> output(2, 1).activate(0, 1.0));
  }

  @Test
  void accessorsCopy() {
    QuantizedLayer l = TinyModels.twoByTwo().layers().get(0);
    int[] w = l.weights();
    w[0] = 99;
    assertEquals(2, l.weight(0, 0));
    assertEquals(-3, l.weightRow(1)[0]);
    assertEquals(new AccumulatorRange(-11, 7), l.range(1));
    assertThrows(IllegalArgumentException.class, () -> new AccumulatorRange(2, 1));
  }
}
