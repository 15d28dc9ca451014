package dev.fheml.training.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.CircuitEvaluator;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.Stage;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.IntegerEvaluator;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The compiler's choice of parameter set: refusals, the agreement rule, and the chosen circuit under FHE. */
class ParameterChoiceTest {
  private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

  private static QuantizedModel train(Dataset data, Optional<ImageShape> image,
      TrainingRequest.Builder b) {
    var config = b.seed(3).threads(2).augment(false).build().trainingConfig(DataShape.of(data, image));
    return new Trainer(config, ProgressListener.silent()).train(data).quantizedModel();
  }

  private static List<double[]> rows(Dataset data) {
    return IntStream.range(0, data.size()).mapToObj(r -> {
      float[] row = data.row(r);
      return IntStream.range(0, row.length).mapToDouble(i -> row[i]).toArray();
    }).toList();
  }

  @Test
  void everyNativeSetHasAMeasuredCostAndTheyAreTriedCheapestFirst() {
    List<FheParameters> sets = ParameterChoice.candidates();
    assertEquals(FheParameters.names().size(), sets.size());
    for (int i = 1; i < sets.size(); i++) {
      assertTrue(ParameterChoice.KS_PBS_MS.get(sets.get(i - 1).name()) <= ParameterChoice.KS_PBS_MS.get(sets.get(i)
          .name()), sets.toString());
    }
  }

  /**
   * On a small tabular model every set compiles; the choice is the cheapest whose simulated agreement is
   * within the tolerance of the best, and a cheaper set that was passed over is noisier. The chosen
   * circuit decrypts under FHE to what the simulator computes on the quantized inputs.
   */
  @Test
  void choosesTheCheapestSetWithinTheToleranceAndItsCircuitRunsUnderFhe() throws IOException {
    Dataset data = BundledData.locate().breastCancer();
    QuantizedModel model = train(data, Optional.empty(), TrainingRequest.builder().model(ModelKind.LOGREG).epochs(30));
    ParameterChoice.Result result = ParameterChoice.choose(model, CompileOptions.defaults(), rows(data), 1, QUIET);
    List<ParameterChoice.Candidate> c = result.candidates();
    assertEquals(3, c.size(), c.toString());
    double best = c.stream().filter(x -> x.simulatedAgreement() != null)
        .mapToDouble(ParameterChoice.Candidate::simulatedAgreement).max().orElseThrow();
    ParameterChoice.Candidate chosen = c.stream().filter(x -> x.verdict().equals("chosen")).findFirst().orElseThrow();
    assertEquals(chosen.params(), result.compiled().circuit().parameters().name());
    assertTrue(chosen.simulatedAgreement() >= best - ParameterChoice.AGREEMENT_TOLERANCE, c.toString());
    for (ParameterChoice.Candidate other : c) {
      if (other.estimatedMs() != null && other.estimatedMs() < chosen.estimatedMs()) {
        assertEquals("noisier", other.verdict(), other.toString());
        assertTrue(other.simulatedAgreement() < best - ParameterChoice.AGREEMENT_TOLERANCE, other.toString());
      }
    }
    // The level-1 set cannot decode exact sanitized logits (its bootstrap output is too noisy); the
    // compiler rounds them instead of refusing it, and that circuit is what it was chosen with.
    assertEquals(FheParameters.PBS_L1, chosen.params(), c.toString());
    assertTrue(result.compiled().report().stream().anyMatch(r -> r.detail().contains("outputs rounded to 2^")),
        result.compiled().report().toString());

    var circuit = result.compiled().circuit();
    var spec = result.compiled().clientSpec();
    long[][] x = IntStream.range(0, 6).mapToObj(r -> spec.quantize(rows(data).get(r))).toArray(long[][]::new);
    CircuitSimulator sim = CircuitSimulator.of(circuit);
    IntegerEvaluator reference = new IntegerEvaluator(model, CompileOptions.defaults().rangeMargin(), true);
    try (ClientKey client = ClientKey.generate(circuit.parameters());
        EvaluationKey evaluation = client.evaluationKey();
        ServerContext server = ServerContext.expand(evaluation, 0);
        GlweBatch in = client.encrypt(x, circuit.inputDelta());
        CompactBatch out = CircuitEvaluator.evaluate(circuit, server, in)) {
      long[][] decrypted = client.decrypt(out, circuit.outputDelta());
      for (int r = 0; r < x.length; r++) {
        long[] expected = sim.evaluate(x[r]);
        spec.checkOutputs(decrypted[r]);
        // The read is noisy by a few positions: each output is a value its table holds within 6 predicted
        // sigmas of the noiseless position (a logistic regression: input dense, output bootstrap).
        long[] acc = ((Stage.InputDense) circuit.stages().get(0)).layer().apply(x[r]);
        LookupTables tables = ((Stage.Bootstrap) circuit.stages().get(1)).tables();
        int n = circuit.parameters().polynomialSize();
        int box = n / tables.domain();
        double sigma = result.compiled().readingSigmas()[0];
        for (int k = 0; k < expected.length; k++) {
          double position = Math.scalb((double) (acc[k] * circuit.inputDelta()),
              -(64 - Integer.numberOfTrailingZeros(2 * n)));
          boolean held = false;
          for (long u = Math.round((position - 6 * sigma) / box); u <= Math.round((position + 6 * sigma) / box); u++) {
            held |= tables.readAt(k, u) == decrypted[r][k];
          }
          assertTrue(held, "row " + r + " output " + k + ": " + decrypted[r][k] + " is not read within 6 sigma of "
              + expected[k]);
        }
        int[] q = IntStream.of(model.input().quantize(data.row(r))).toArray();
        long[] logits = reference.logits(q);
        assertEquals(reference.predict(logits), spec.decode(expected).classIndex(), "row " + r
            + ": the rounded circuit answers the model's class on this row");
      }
    }
  }

  /** 784 inputs do not fit one ciphertext of the 1_1 set (N = 512): it is refused, named, and not chosen. */
  @Test
  void refusesASetWhoseCiphertextCannotHoldTheInput() throws IOException {
    Dataset mnist = BundledData.locate().mnistTrain().head(1000);
    QuantizedModel model = train(mnist, Optional.of(Mnist.IMAGE), TrainingRequest.builder().model(ModelKind.LOGREG)
        .epochs(2));
    ParameterChoice.Result result = ParameterChoice.choose(model, CompileOptions.defaults(), rows(mnist.head(200)), 1,
        QUIET);
    ParameterChoice.Candidate oneOne = result.candidates().stream()
        .filter(c -> c.params().equals(FheParameters.PBS_1_1_L1)).findFirst().orElseThrow();
    assertEquals("refused", oneOne.verdict());
    assertTrue(oneOne.reason().contains("784 inputs do not fit one ciphertext of N = 512"), oneOne.reason());
    assertTrue(!result.compiled().circuit().parameters().name().equals(FheParameters.PBS_1_1_L1));
  }

  /** A named set is compiled as asked, with no search. */
  @Test
  void aGivenSetIsUsedAsIs() throws IOException {
    Dataset data = BundledData.locate().breastCancer();
    QuantizedModel model = train(data, Optional.empty(), TrainingRequest.builder().model(ModelKind.LOGREG).epochs(5));
    CompileOptions l2 = CompileOptions.defaults().withParameters(FheParameters.byName(FheParameters.PBS_L2));
    ParameterChoice.Result fixed = ParameterChoice.fixed(model, l2);
    assertEquals(1, fixed.candidates().size());
    assertEquals(FheParameters.PBS_L2, fixed.compiled().circuit().parameters().name());
    // Level 2 decodes the exact logits: no rounding, so the circuit is the one FheCompiler made before
    // the choice existed (same stages, same model id).
    assertTrue(fixed.compiled().report().stream().noneMatch(r -> r.detail().contains("rounded")));
    assertEquals(new FheCompiler(l2).compile(model).modelId(), fixed.compiled().modelId());
    assertTrue(fixed.compiled().circuit().stages().stream().anyMatch(s -> s instanceof Stage.Compact));
  }
}
