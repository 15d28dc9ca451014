package dev.fheml.training.quant;

import dev.fheml.training.data.MinMaxScaler;
import java.util.List;
import java.util.Optional;

/** A hand-made 2 -> 2 -> 2 quantized model used by several tests. */
final class TinyModels {
  private TinyModels() {
  }

  /** Inputs 2 bits (x in 0..3, scale 1/3); weights 3 bits (|w| <= 3); activations 2 bits. */
  static QuantizedModel twoByTwo() {
    InputQuantizer input = new InputQuantizer(MinMaxScaler.fixed(2, 0, 3), 2);
    ActivationQuantizer act = new ActivationQuantizer(0.5, 2);
    QuantizedLayer hidden = new QuantizedLayer(2, 2, 3, new int[] {2, -1, -3, 3}, new long[] {1, -2},
        new double[] {0.3, 0.15}, 1.0 / 3, Optional.of(act),
        new AccumulatorRange[] {new AccumulatorRange(-3, 7), new AccumulatorRange(-11, 7)});
    QuantizedLayer out = new QuantizedLayer(2, 2, 3, new int[] {1, 2, 3, -1}, new long[] {0, 1},
        new double[] {1.0, 0.5}, 0.5, Optional.empty(),
        new AccumulatorRange[] {new AccumulatorRange(0, 9), new AccumulatorRange(-2, 10)});
    return new QuantizedModel(input, List.of(hidden, out), List.of("no", "yes"));
  }
}
