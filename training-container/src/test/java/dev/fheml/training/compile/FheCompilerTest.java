package dev.fheml.training.compile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.CircuitEvaluator;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.IntegerEvaluator;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Compiles small trained models and checks them against the integer reference and real FHE. */
class FheCompilerTest {
  private static Dataset train;
  private static Dataset test;

  @BeforeAll
  static void data() throws IOException {
    BundledData data = BundledData.locate();
    train = data.mnistTrain().head(2000);
    test = data.mnistTest().head(200);
  }

  private static QuantizedModel trainModel(Consumer<TrainingRequest.Builder> settings) {
    TrainingRequest.Builder b = TrainingRequest.builder().seed(7).threads(2).augment(false);
    settings.accept(b);
    return new Trainer(b.build().trainingConfig(Optional.of(Mnist.IMAGE)), ProgressListener.silent()).train(train)
        .quantizedModel();
  }

  private static long[] input(QuantizedModel model, int row) {
    return IntStream.of(model.input().quantize(test.row(row))).asLongStream().toArray();
  }

  @Test
  void linearModelIsExactUnderFhe() {
    QuantizedModel model = trainModel(b -> b.model(ModelKind.LOGREG).epochs(3));
    CompiledModel compiled = new FheCompiler(CompileOptions.defaults()).compile(model);
    assertEquals(0, compiled.circuit().bootstrapCount());
    IntegerEvaluator reference = new IntegerEvaluator(model);
    CircuitSimulator sim = new CircuitSimulator(compiled.circuit(), 2048);
    for (int r = 0; r < test.size(); r++) {
      long[] x = input(model, r);
      assertArrayEquals(reference.logits(model.input().quantize(test.row(r))), sim.evaluate(x), "row " + r);
    }
    assertFheEqualsSimulator(compiled, model, 4);
  }

  @Test
  void mlpMatchesTheIntegerReferenceAndFhe() {
    QuantizedModel model = trainModel(b -> b.hidden(List.of(16)).epochs(2));
    CompiledModel compiled = new FheCompiler(CompileOptions.defaults()).compile(model);
    compiled.report().forEach(System.out::println);
    assertEquals(16, compiled.circuit().bootstrapCount());
    IntegerEvaluator reference = new IntegerEvaluator(model);
    CircuitSimulator sim = new CircuitSimulator(compiled.circuit(), 2048);
    int same = 0;
    for (int r = 0; r < test.size(); r++) {
      int[] q = model.input().quantize(test.row(r));
      same += reference.predict(reference.logits(q)) == compiled.clientSpec().decode(sim.evaluate(input(model, r)))
          .classIndex() ? 1 : 0;
    }
    // Tables sample each accumulator at its own position: predictions agree except where a
    // value fell outside the calibrated range and its position had to be shared.
    assertTrue(same >= test.size() - 1, same + " of " + test.size() + " predictions agree");
    assertFheEqualsSimulator(compiled, model, 3);
  }

  private static void assertFheEqualsSimulator(CompiledModel compiled, QuantizedModel model, int rows) {
    FheParameters p = FheParameters.byName(compiled.circuit().parameters());
    CircuitSimulator sim = new CircuitSimulator(compiled.circuit(), p.polynomialSize());
    long[][] x = new long[rows][];
    for (int r = 0; r < rows; r++) {
      x[r] = input(model, r);
    }
    try (ClientKey ck = ClientKey.generate(p); EvaluationKey ek = ck.evaluationKey();
        ServerContext server = ServerContext.expand(ek, 0);
        GlweBatch in = ck.encrypt(x, compiled.circuit().inputDelta());
        CompactBatch out = CircuitEvaluator.evaluate(compiled.circuit(), server, in)) {
      long[][] got = ck.decrypt(out, compiled.circuit().outputDelta());
      QuantizedLayer last = model.outputLayer();
      for (int r = 0; r < rows; r++) {
        long[] expected = sim.evaluate(x[r]);
        for (int k = 0; k < expected.length; k++) {
          // Linear: exact. With a bootstrap, a reading error moves an activation by at most one level
          // (a level spans ~100 positions, the noise σ is ~5), so a logit moves by at most Σ_j |w_kj|.
          long tolerance = 0;
          if (compiled.circuit().bootstrapCount() > 0) {
            for (int w : last.weightRow(k)) {
              tolerance += Math.abs(w);
            }
          }
          assertTrue(Math.abs(expected[k] - got[r][k]) <= tolerance,
              "row " + r + " logit " + k + ": FHE " + got[r][k] + " vs simulator " + expected[k]);
        }
      }
    }
  }

  @Test
  void refusesAModelThatCannotBeMadeSafe() {
    QuantizedModel mlp = trainModel(b -> b.hidden(List.of(8)).epochs(1));
    // Forced overflow: ranges widened beyond anything the torus can encode.
    UnsafeModelException e = assertThrows(UnsafeModelException.class,
        () -> new FheCompiler(new CompileOptions(FheParameters.PBS_L2, 1e15, 6)).compile(mlp));
    assertTrue(e.getMessage().contains("too wide to encode"), e.getMessage());
    // Noise margins that leave no usable position.
    e = assertThrows(UnsafeModelException.class,
        () -> new FheCompiler(CompileOptions.defaults().withNoiseSigmas(1000)).compile(mlp));
    assertTrue(e.getMessage().contains("leaves no room"), e.getMessage());
  }
}
