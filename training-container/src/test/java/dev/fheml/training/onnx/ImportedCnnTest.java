package dev.fheml.training.onnx;

import static dev.fheml.training.onnx.Graphs.in;
import static dev.fheml.training.onnx.Graphs.is;
import static dev.fheml.training.onnx.Graphs.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.compile.CompiledModel;
import dev.fheml.training.compile.FheCompiler;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.quant.IntegerEvaluator;
import dev.fheml.training.quant.QuantBits;
import dev.fheml.training.quant.QuantizedModel;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A small convolutional network through the whole path: ONNX graph → affine layers → post-training
 * quantization → compiled circuit → real FHE evaluation, against the plaintext-integer references.
 * The convolution runs on the input GLWE as a dense layer (zeros where the kernel does not reach) and
 * the average pooling after its ReLU is folded into the next layer: no bootstrap of its own.
 */
class ImportedCnnTest {
  private static final int SIDE = 8;
  private final SplittableRandom r = new SplittableRandom(5);

  /** 1x8x8 -> conv 3 filters 3x3 stride 1 (3x6x6) -> relu -> avgpool 2x2 (3x3x3) -> gemm 4 classes. */
  private ImportedNetwork cnn() {
    Graphs g = new Graphs("x", 1, SIDE, SIDE).init("k", random(r, 3 * 9, 1), 3, 1, 3, 3).init("b", random(r, 3, 0.3), 3)
        .init("w", random(r, 27 * 4, 1), 4, 27).init("c", random(r, 4, 0.2), 4)
        .node("Conv", in("x", "k", "b"), in("h"))
        .node("Relu", in("h"), in("a"))
        .node("AveragePool", in("a"), in("p"), is("kernel_shape", 2, 2), is("strides", 2, 2))
        .node("Flatten", in("p"), in("f"))
        .node("Gemm", in("f", "w", "c"), in("y"), Graphs.i("transB", 1))
        .output("y");
    return Graphs.load(g);
  }

  @Test
  void aConvolutionalNetworkRunsUnderFheAsTheIntegerModelSays() {
    ImportedNetwork net = cnn();
    assertEquals(3 * 6 * 6, net.bootstraps(), "one bootstrap per convolution output; pooling adds none");
    int rows = 400;
    float[] features = new float[rows * SIDE * SIDE];
    int[] labels = new int[rows];
    for (int q = 0; q < rows; q++) {
      double[] x = new double[SIDE * SIDE];
      for (int i = 0; i < x.length; i++) {
        features[q * x.length + i] = r.nextInt(256);
        x[i] = features[q * x.length + i] / 255.0;
      }
      labels[q] = FloatModel.argmax(net.scores(x));
    }
    Dataset data = Dataset.of(features, labels, Dataset.numberedNames("p", SIDE * SIDE), net.classNames());
    PostTrainingQuantizer.Result ptq = PostTrainingQuantizer.quantize(net, InputPreprocessing.pixels(),
        MinMaxScaler.fixed(SIDE * SIDE, 0, 255), new QuantBits(8, 6, 5), data);
    assertTrue(ptq.quantizedAccuracy() > 0.9, "post-training quantization keeps the decisions: " + ptq.quantizedAccuracy());

    QuantizedModel model = ptq.quantized();
    CompiledModel compiled = new FheCompiler(CompileOptions.defaults()).compile(model);
    Circuit circuit = compiled.circuit();
    assertEquals(108 + 4, circuit.bootstrapCount(), "the convolution's outputs and a sanitizing bootstrap per class");
    CircuitSimulator sim = CircuitSimulator.of(circuit);
    IntegerEvaluator reference = new IntegerEvaluator(model);
    int agree = 0;
    for (int q = 0; q < 100; q++) {
      int[] x = model.input().quantize(data.row(q));
      agree += reference.predict(reference.logits(x))
          == compiled.clientSpec().decode(sim.evaluate(IntStream.of(x).asLongStream().toArray())).classIndex() ? 1 : 0;
    }
    assertTrue(agree >= 99, "the circuit computes the integer model: " + agree + " of 100");

    long[][] x = new long[6][];
    for (int q = 0; q < x.length; q++) {
      x[q] = IntStream.of(model.input().quantize(data.row(q))).asLongStream().toArray();
    }
    try (ClientKey client = ClientKey.generate(circuit.parameters());
        EvaluationKey evaluation = client.evaluationKey();
        ServerContext server = ServerContext.expand(evaluation, 0);
        CompiledCircuit program = CompiledCircuit.compile(circuit);
        GlweBatch encrypted = client.encrypt(x, circuit.inputDelta());
        CompactBatch out = program.evaluate(server, encrypted)) {
      long[][] decrypted = client.decrypt(out, circuit.outputDelta());
      // Each bootstrap reads its activation or, with the noise, a neighbouring level: output k can move by
      // at most the sum of its weights' magnitudes (every input one level off), plus the output noise.
      dev.fheml.core.DenseLayer output = circuit.stages().stream()
          .filter(st -> st instanceof dev.fheml.core.circuit.Stage.LevelledDense)
          .map(st -> ((dev.fheml.core.circuit.Stage.LevelledDense) st).layer()).reduce((a, b) -> b).orElseThrow();
      long[] bound = new long[output.outputs()];
      long[] w = output.weights();
      for (int k = 0; k < bound.length; k++) {
        for (int j = 0; j < output.inputs(); j++) {
          bound[k] += Math.abs(w[k * output.inputs() + j]);
        }
        bound[k] += 16;
      }
      int agreeing = 0;
      for (int q = 0; q < x.length; q++) {
        long[] expected = sim.evaluate(x[q]);
        for (int k = 0; k < expected.length; k++) {
          long off = Math.abs(expected[k] - decrypted[q][k]);
          assertTrue(off <= bound[k], "query " + q + " output " + k + ": off by " + off + ", bound " + bound[k]);
        }
        int want = compiled.clientSpec().decode(expected).classIndex();
        int got = compiled.clientSpec().decode(decrypted[q]).classIndex();
        agreeing += want == got ? 1 : 0;
        // A class may change only where the noise can close the gap between the two best scores.
        double[] scores = compiled.clientSpec().decode(expected).scores();
        double[] scales = compiled.clientSpec().outputScales();
        double gap = Double.MAX_VALUE;
        for (int k = 0; k < scores.length; k++) {
          if (k != want) {
            gap = Math.min(gap, scores[want] - scores[k] - bound[want] * scales[want] - bound[k] * scales[k]);
          }
        }
        if (gap > 0) {
          assertEquals(want, got, "query " + q + ": the encrypted prediction, with the noise bound clear of a tie");
        }
      }
      assertTrue(agreeing >= x.length - 1, "encrypted predictions equal the circuit's: " + agreeing + " of " + x.length);
      assertArrayEquals(new int[] {6, 4}, new int[] {decrypted.length, decrypted[0].length});
    }
  }
}
