package dev.fheml.training.onnx;

import static dev.fheml.training.onnx.Graphs.in;
import static dev.fheml.training.onnx.Graphs.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.QuantBits;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PostTrainingQuantizerTest {
  private final SplittableRandom r = new SplittableRandom(11);

  /** An image network 1x4x4 -> conv 2x2 stride 2 (2 channels) -> relu -> 8 -> 3 classes, expecting normalized pixels. */
  private ImportedNetwork network() {
    Graphs g = new Graphs("x", 1, 4, 4).init("k", random(r, 2 * 4, 1), 2, 1, 2, 2).init("b", random(r, 2, 0.2), 2)
        .init("w", random(r, 8 * 3, 1), 8, 3).init("c", random(r, 3, 0.1), 3)
        .node("Conv", in("x", "k", "b"), in("h"), Graphs.is("strides", 2, 2))
        .node("Relu", in("h"), in("a"))
        .node("Flatten", in("a"), in("f"))
        .node("Gemm", in("f", "w", "c"), in("y"))
        .output("y");
    return Graphs.load(g);
  }

  /** Random 0..255 images labelled by the float network itself. */
  private Dataset data(ImportedNetwork net, InputPreprocessing pre, int rows) {
    float[] features = new float[rows * 16];
    int[] labels = new int[rows];
    for (int q = 0; q < rows; q++) {
      double[] x = new double[16];
      for (int i = 0; i < 16; i++) {
        features[q * 16 + i] = r.nextInt(256);
        x[i] = (features[q * 16 + i] * pre.scale() - pre.mean()[0]) / pre.std()[0];
      }
      labels[q] = FloatModel.argmax(net.scores(x));
    }
    return Dataset.of(features, labels, Dataset.numberedNames("p", 16), net.classNames());
  }

  @Test
  void thePreprocessingAndTheScalerFoldIntoTheFirstLayer() {
    ImportedNetwork net = network();
    InputPreprocessing pre = InputPreprocessing.pixels(new double[] {0.1307}, new double[] {0.3081});
    FloatModel model = new FloatModel(MinMaxScaler.fixed(16, 0, 255),
        PostTrainingQuantizer.layers(net, pre, MinMaxScaler.fixed(16, 0, 255)), new double[] {Double.POSITIVE_INFINITY},
        net.classNames());
    for (int t = 0; t < 20; t++) {
      float[] raw = new float[16];
      double[] x = new double[16];
      for (int i = 0; i < 16; i++) {
        raw[i] = r.nextInt(256);
        x[i] = (raw[i] / 255.0 - 0.1307) / 0.3081;
      }
      double[] expected = net.scores(x);
      double[] actual = model.logits(raw);
      for (int k = 0; k < 3; k++) {
        assertEquals(expected[k], actual[k], 1e-4 * (1 + Math.abs(expected[k])), "score " + k);
      }
    }
  }

  @Test
  void eightBitsKeepTheFloatDecisionsAndTwoBitsLoseSome() {
    ImportedNetwork net = network();
    Dataset data = data(net, InputPreprocessing.pixels(), 600);
    MinMaxScaler scaler = MinMaxScaler.fixed(16, 0, 255);
    PostTrainingQuantizer.Result wide = PostTrainingQuantizer.quantize(net, InputPreprocessing.pixels(), scaler,
        new QuantBits(8, 8, 8), data);
    assertEquals(1.0, wide.floatAccuracy(), 1e-12, "labels are the float model's own decisions");
    assertTrue(wide.quantizedAccuracy() >= 0.97, "8 bits: " + wide.quantizedAccuracy());
    assertEquals(1, wide.clips().length);
    assertTrue(wide.clips()[0] > 0 && Double.isFinite(wide.clips()[0]));
    PostTrainingQuantizer.Result narrow = PostTrainingQuantizer.quantize(net, InputPreprocessing.pixels(), scaler,
        new QuantBits(2, 2, 2), data);
    assertTrue(narrow.quantizedAccuracy() < wide.quantizedAccuracy(), narrow.quantizedAccuracy() + " vs "
        + wide.quantizedAccuracy());
    assertEquals(4, wide.quantized().bootstrapCount() / 2, "8 hidden activations");
    assertTrue(wide.log().stream().anyMatch(l -> l.contains("ReLU clip")), wide.log().toString());
    assertEquals(List.of("0", "1", "2"), wide.quantized().classNames());
  }
}
