package dev.fheml.training.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fheml.training.data.MinMaxScaler;
import java.util.List;
import org.junit.jupiter.api.Test;

class FloatModelTest {
  @Test
  void scalesThenAppliesLayersWithClippedRelu() {
    DenseLayer h = new DenseLayer(2, 2, new float[] {1, 1, -1, 0}, new float[] {0, 0});
    DenseLayer o = new DenseLayer(2, 1, new float[] {1, 10}, new float[] {0.5f});
    FloatModel m = new FloatModel(MinMaxScaler.fixed(2, 0, 10), List.of(h, o), new double[] {1.5},
        List.of("only"));
    // inputs (10, 5) -> (1, 0.5); hidden (1.5, -1) -> clipped (1.5, 0); out 1.5 + 0 + 0.5
    assertArrayEquals(new double[] {2.0}, m.logits(new float[] {10, 5}), 1e-6);
    assertEquals(0, m.predict(new float[] {0, 0}));
  }

  @Test
  void shapesAreValidated() {
    DenseLayer h = new DenseLayer(2, 3, new float[6], new float[3]);
    DenseLayer o = new DenseLayer(2, 2, new float[4], new float[2]);
    assertThrows(IllegalArgumentException.class, () -> new FloatModel(MinMaxScaler.fixed(2, 0, 1),
        List.of(h, o), new double[] {1}, List.of("a", "b")));
    assertThrows(IllegalArgumentException.class, () -> new FloatModel(MinMaxScaler.fixed(3, 0, 1),
        List.of(o), new double[0], List.of("a", "b")));
    assertThrows(IllegalArgumentException.class, () -> new FloatModel(MinMaxScaler.fixed(2, 0, 1),
        List.of(o), new double[] {1}, List.of("a", "b")));
    assertThrows(IllegalArgumentException.class,
        () -> new DenseLayer(2, 2, new float[] {0, 0, 0, Float.NaN}, new float[2]));
  }

  @Test
  void argmaxTakesTheLowestIndexOnTies() {
    assertEquals(1, FloatModel.argmax(new double[] {0, 3, 3, 1}));
  }
}
