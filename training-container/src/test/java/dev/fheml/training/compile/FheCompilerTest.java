package dev.fheml.training.compile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.Encoding;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.LweBatch;
import dev.fheml.core.NoiseModel;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitEvaluator;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.Stage;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.AccumulatorRange;
import dev.fheml.training.quant.ActivationQuantizer;
import dev.fheml.training.quant.InputQuantizer;
import dev.fheml.training.quant.IntegerEvaluator;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Compiles small trained models and checks them against the integer reference, the simulator and real FHE. */
class FheCompilerTest {
  /**
   * FHE may read a neuron's table this many predicted sigmas from the noiseless position, no further:
   * the Gaussian tail beyond 6 sigma is 1e-9, so a reading further away is a bug (or noise far above
   * the model's prediction), not bad luck.
   */
  private static final double SAFE_SIGMAS = 6;
  /** Measured noise must be within this factor of NoiseModel's (as in fhe-core's NoiseModelTest). */
  private static final double NOISE_BAND = 1.5;

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
    TrainingConfig config = b.build().trainingConfig(DataShape.of(train, Optional.of(Mnist.IMAGE)));
    return new Trainer(config, ProgressListener.silent()).train(train)
        .quantizedModel();
  }

  private static long[] input(QuantizedModel model, int row) {
    return IntStream.of(model.input().quantize(test.row(row))).asLongStream().toArray();
  }

  /** Unsanitized: the levelled logits are decrypted exactly. */
  private static final CompileOptions LEVELLED = CompileOptions.defaults().withSanitize(false);

  @Test
  void linearModelIsExactUnderFheWithoutSanitizingAndSaturatesWithIt() {
    QuantizedModel model = trainModel(b -> b.model(ModelKind.LOGREG).epochs(3));
    CompiledModel compiled = new FheCompiler(LEVELLED).compile(model);
    assertEquals(0, compiled.circuit().bootstrapCount());
    IntegerEvaluator reference = new IntegerEvaluator(model, CompileOptions.defaults().rangeMargin(), false);
    CircuitSimulator sim = CircuitSimulator.of(compiled.circuit());
    for (int r = 0; r < test.size(); r++) {
      long[] x = input(model, r);
      assertArrayEquals(reference.logits(model.input().quantize(test.row(r))), sim.evaluate(x), "row " + r);
    }
    try (Fhe fhe = new Fhe(compiled.circuit(), inputs(model, 4))) {
      for (int r = 0; r < fhe.x.length; r++) {
        assertArrayEquals(sim.evaluate(fhe.x[r]), fhe.outputs[r], "row " + r + ": no bootstrap, so FHE is exact");
      }
    }
    // Sanitized: one saturating output bootstrap per class; adversarial inputs built from the signs of
    // each class's weights drive its logit far past the calibrated range: it reads the range's end.
    CompiledModel sanitized = new FheCompiler(CompileOptions.defaults()).compile(model);
    assertEquals(10, sanitized.circuit().bootstrapCount());
    long[][] adversarial = new long[4][];
    for (int q = 0; q < adversarial.length; q++) {
      adversarial[q] = signs(model.outputLayer(), q / 2, q % 2 == 0, model.input().maxValue());
    }
    CircuitSimulator saturating = CircuitSimulator.of(sanitized.circuit());
    try (Fhe fhe = new Fhe(sanitized.circuit(), adversarial)) {
      for (int q = 0; q < adversarial.length; q++) {
        int k = q / 2;
        long end = q % 2 == 0 ? sanitized.clientSpec().outputMax()[k] : sanitized.clientSpec().outputMin()[k];
        assertEquals(end, fhe.outputs[q][k], "class " + k + (q % 2 == 0 ? " top" : " bottom"));
        assertEquals(end, saturating.evaluate(adversarial[q])[k]);
        sanitized.clientSpec().checkOutputs(fhe.outputs[q]);
      }
    }
  }

  /** The input that maximizes (or minimizes) neuron j of {@code layer}: max where its weight helps, else 0. */
  static long[] signs(QuantizedLayer layer, int j, boolean up, long max) {
    int[] row = layer.weightRow(j);
    long[] x = new long[row.length];
    for (int i = 0; i < row.length; i++) {
      x[i] = (row[i] > 0) == up && row[i] != 0 ? max : 0;
    }
    return x;
  }

  @Test
  void mlpMatchesTheIntegerReferenceAndFhe() {
    QuantizedModel model = trainModel(b -> b.hidden(List.of(16)).epochs(2));
    CompiledModel compiled = new FheCompiler(LEVELLED).compile(model);
    compiled.report().forEach(System.out::println);
    assertEquals(16, compiled.circuit().bootstrapCount());
    IntegerEvaluator reference = new IntegerEvaluator(model, CompileOptions.defaults().rangeMargin(), false);
    CircuitSimulator sim = CircuitSimulator.of(compiled.circuit());
    int same = 0;
    for (int r = 0; r < test.size(); r++) {
      int[] q = model.input().quantize(test.row(r));
      same += reference.predict(reference.logits(q)) == compiled.clientSpec().decode(sim.evaluate(input(model, r)))
          .classIndex() ? 1 : 0;
    }
    // Tables sample each accumulator at its own position: predictions agree except where a
    // value fell outside the calibrated range and its position had to be shared.
    assertTrue(same >= test.size() - 1, same + " of " + test.size() + " predictions agree");
    assertHiddenLayerUnderFhe(compiled.circuit(), inputs(model, 8));
  }

  /**
   * Every hidden neuron of a trained model, driven to both ends of its worst case by inputs built from
   * the signs of its weights (accumulators far outside anything calibrated), reads its saturated end
   * under FHE; the same tables without saturation would read a mirrored value for some of them.
   */
  @Test
  void adversarialInputsSaturateEveryHiddenNeuronInsteadOfWrapping() {
    QuantizedModel model = trainModel(b -> b.hidden(List.of(16)).epochs(2));
    CompiledModel compiled = new FheCompiler(CompileOptions.defaults()).compile(model);
    Circuit circuit = compiled.circuit();
    QuantizedLayer hidden = model.layers().get(0);
    int n = hidden.outputs();
    long[][] x = new long[2 * n][];
    for (int q = 0; q < x.length; q++) {
      x[q] = signs(hidden, q / 2, q % 2 == 0, model.input().maxValue());
    }
    DenseLayer first = ((Stage.InputDense) circuit.stages().get(0)).layer();
    LookupTables tables = ((Stage.Bootstrap) circuit.stages().get(1)).tables();
    LookupTables plain = LookupTables.fromFlat(tables.domain(), tables.count(), tables.flatValues(), tables.deltaOut());
    IntegerEvaluator reference = new IntegerEvaluator(model);
    int wouldWrap = 0;
    try (Fhe fhe = new Fhe(circuit, x); LweBatch acc = fhe.server.dense(fhe.in, first);
        LweBatch act = fhe.server.bootstrap(acc, tables)) {
      long[][] read = fhe.client.decrypt(act, tables.deltaOut());
      for (int q = 0; q < x.length; q++) {
        int j = q / 2;
        long[] m = first.apply(x[q]);
        long position = Math.round(Math.scalb((double) (m[j] * first.delta()),
            -(64 - Integer.numberOfTrailingZeros(2 * fhe.params.polynomialSize()))));
        int[] xi = java.util.Arrays.stream(x[q]).mapToInt(v -> (int) v).toArray();
        long expected = reference.trace(xi).activations().get(0)[j];
        assertTrue(!hidden.range(j).contains(hidden.accumulate(xi)[j], CompileOptions.defaults().rangeMargin()),
            "neuron " + j + ": the adversarial accumulator is outside the calibrated range");
        assertEquals(expected, tables.readAt(j, position), "neuron " + j + ": saturated in the simulator");
        assertEquals(expected, read[q][j], "neuron " + j + (q % 2 == 0 ? " top" : " bottom") + " under FHE");
        wouldWrap += plain.readAt(j, position) != expected ? 1 : 0;
      }
      // The output bootstrap saturates too: every decrypted output is inside the compiled range.
      for (long[] outputs : fhe.outputs) {
        compiled.clientSpec().checkOutputs(outputs);
      }
    }
    System.out.println(wouldWrap + " of " + x.length + " adversarial reads would wrap without saturation");
    assertTrue(wouldWrap > 0, "the adversarial inputs should reach the mirrored half");
  }

  /**
   * A second hidden layer is placed for the worst case over what the first layer's tables can
   * output (each neuron's own range, not the activation's full range): driven to both ends of that
   * box, every neuron still reads its saturated end, never a mirrored value; and the box is
   * strictly tighter than the activation's full range for some input, so the placement gains
   * positions from it (some full-range reads fall off the placement).
   */
  @Test
  void secondLayerWorstCaseOverThePreviousTablesReadsSaturatedEnds() {
    QuantizedModel model = trainModel(b -> b.hidden(List.of(16, 8)).epochs(2));
    Circuit circuit = new FheCompiler(CompileOptions.defaults()).compile(model).circuit();
    LookupTables first = ((Stage.Bootstrap) circuit.stages().get(1)).tables();
    DenseLayer second = ((Stage.LevelledDense) circuit.stages().get(2)).layer();
    LookupTables secondTables = ((Stage.Bootstrap) circuit.stages().get(3)).tables();
    QuantizedLayer hidden = model.layers().get(1);
    long fullRange = model.layers().get(0).activation().orElseThrow().maxLevel();
    long[] lo = new long[first.count()];
    long[] hi = new long[first.count()];
    boolean tighter = false;
    for (int i = 0; i < first.count(); i++) {
      lo[i] = Long.MAX_VALUE;
      hi[i] = Long.MIN_VALUE;
      for (int u = 0; u < first.domain(); u++) {
        lo[i] = Math.min(lo[i], first.value(i, u));
        hi[i] = Math.max(hi[i], first.value(i, u));
      }
      tighter |= lo[i] > 0 || hi[i] < fullRange;
    }
    assertTrue(tighter, "some first-layer neuron should output less than the full activation range");
    int shift = 64 - Integer.numberOfTrailingZeros(2 * circuit.parameters().polynomialSize());
    int beyond = 0;
    for (int j = 0; j < hidden.outputs(); j++) {
      int[] row = hidden.weightRow(j);
      for (boolean top : new boolean[] {true, false}) {
        long[] x = new long[row.length];
        for (int i = 0; i < row.length; i++) {
          x[i] = (row[i] > 0) == top ? hi[i] : lo[i];
        }
        long position = Math.round(Math.scalb((double) (second.apply(x)[j] * second.delta()), -shift));
        int[] xi = java.util.Arrays.stream(x).mapToInt(v -> (int) v).toArray();
        long expected = hidden.activateSaturated(j, hidden.accumulate(xi)[j], CompileOptions.defaults().rangeMargin());
        assertEquals(expected, secondTables.readAt(j, position), "neuron " + j + (top ? " top" : " bottom"));
        // The same end of the full activation range, which no first-layer table can produce: placed
        // for the tighter box, some neurons would read it off their saturated end.
        long[] full = new long[row.length];
        for (int i = 0; i < row.length; i++) {
          full[i] = (row[i] > 0) == top ? fullRange : 0;
        }
        long fullPosition = Math.round(Math.scalb((double) (second.apply(full)[j] * second.delta()), -shift));
        int[] fi = java.util.Arrays.stream(full).mapToInt(v -> (int) v).toArray();
        long fullExpected = hidden.activateSaturated(j, hidden.accumulate(fi)[j], CompileOptions.defaults().rangeMargin());
        beyond += secondTables.readAt(j, fullPosition) != fullExpected ? 1 : 0;
      }
    }
    System.out.println(beyond + " of " + 2 * hidden.outputs() + " full-range reads fall outside the placement");
    assertTrue(beyond > 0, "the second layer should be placed for its inputs' table ranges, not the full range");
  }

  /**
   * With range reduction on, the hidden layer (whose steps get few positions in the plain placement)
   * gets a correction bootstrap before its own: the fine placement gives each activation step at
   * least 1.5 times the positions, and inputs driving each neuron to both ends of its worst case
   * still read its saturated end under FHE, although their fine accumulators alone would read
   * another value.
   */
  @Test
  void rangeReductionGivesStepsMorePositionsAndWorstCasesStillSaturateUnderFhe() {
    QuantizedModel model = trainModel(b -> b.hidden(List.of(16)).epochs(2));
    CompiledModel plain = new FheCompiler(LEVELLED).compile(model);
    CompiledModel reduced = new FheCompiler(LEVELLED.withRangeReduction(true)).compile(model);
    reduced.report().forEach(System.out::println);
    Circuit circuit = reduced.circuit();
    List<Stage> stages = circuit.stages();
    assertTrue(stages.get(1) instanceof Stage.Reduce, "input dense, range reduction, bootstrap, ...: " + stages);
    assertEquals(plain.circuit().bootstrapCount() + 16, circuit.bootstrapCount());
    LookupTables plainTables = ((Stage.Bootstrap) plain.circuit().stages().get(1)).tables();
    LookupTables corrections = ((Stage.Reduce) stages.get(1)).tables();
    LookupTables tables = ((Stage.Bootstrap) stages.get(2)).tables();
    double gain = medianPositionsPerStep(tables) / medianPositionsPerStep(plainTables);
    System.out.printf("positions per activation step: %.1f plain, %.1f reduced%n",
        medianPositionsPerStep(plainTables), medianPositionsPerStep(tables));
    assertTrue(gain >= 1.5, "range reduction should widen the steps, gain " + gain);

    QuantizedLayer hidden = model.layers().get(0);
    int n = hidden.outputs();
    long[][] x = new long[2 * n][];
    for (int q = 0; q < x.length; q++) {
      x[q] = signs(hidden, q / 2, q % 2 == 0, model.input().maxValue());
    }
    DenseLayer first = ((Stage.InputDense) stages.get(0)).layer();
    int shift = 64 - Integer.numberOfTrailingZeros(2 * circuit.parameters().polynomialSize());
    int wouldMisread = 0;
    try (Fhe fhe = new Fhe(circuit, x); LweBatch both = fhe.server.dense(fhe.in, first);
        LweBatch fine = fhe.server.reduce(both, corrections); LweBatch act = fhe.server.bootstrap(fine, tables)) {
      long[][] read = fhe.client.decrypt(act, tables.deltaOut());
      for (int q = 0; q < x.length; q++) {
        int j = q / 2;
        int[] xi = java.util.Arrays.stream(x[q]).mapToInt(v -> (int) v).toArray();
        long expected = hidden.activateSaturated(j, hidden.accumulate(xi)[j], CompileOptions.defaults().rangeMargin());
        assertEquals(expected, read[q][j], "neuron " + j + (q % 2 == 0 ? " top" : " bottom") + " under FHE");
        long unreduced = Math.round(Math.scalb((double) (first.apply(x[q])[n + j] * first.delta()), -shift));
        wouldMisread += tables.readAt(j, unreduced) != expected ? 1 : 0;
      }
    }
    System.out.println(wouldMisread + " of " + x.length + " worst-case fine accumulators would misread unreduced");
    assertTrue(wouldMisread > 0, "the fine placement should need the reduction for some worst cases");
  }

  /** Median over a layer's tables of (positions between first and last change) / (steps). */
  private static double medianPositionsPerStep(LookupTables t) {
    List<Double> values = new ArrayList<>();
    for (int j = 0; j < t.count(); j++) {
      int firstChange = -1;
      int lastChange = -1;
      java.util.Set<Long> levels = new java.util.HashSet<>();
      for (int u = 0; u < t.domain(); u++) {
        levels.add(t.value(j, u));
        if (u > 0 && t.value(j, u) != t.value(j, u - 1)) {
          firstChange = firstChange < 0 ? u : firstChange;
          lastChange = u;
        }
      }
      if (levels.size() > 1) {
        values.add((lastChange - firstChange + 1.0) / (levels.size() - 1));
      }
    }
    values.sort(null);
    return values.get(values.size() / 2);
  }

  private static long[][] inputs(QuantizedModel model, int rows) {
    long[][] x = new long[rows][];
    for (int r = 0; r < rows; r++) {
      x[r] = input(model, r);
    }
    return x;
  }

  /** Keys, the encrypted inputs and the whole circuit's decrypted outputs. */
  private static final class Fhe implements AutoCloseable {
    final FheParameters params;
    final long[][] x;
    final ClientKey client;
    final EvaluationKey evaluation;
    final ServerContext server;
    final GlweBatch in;
    final long[][] outputs;
    final long[][] outputPhases;

    Fhe(Circuit circuit, long[][] x) {
      this.params = circuit.parameters();
      this.x = x;
      this.client = ClientKey.generate(params);
      this.evaluation = client.evaluationKey();
      this.server = ServerContext.expand(evaluation, 0);
      this.in = client.encrypt(x, circuit.inputDelta());
      try (CompactBatch out = CircuitEvaluator.evaluate(circuit, server, in)) {
        this.outputs = client.decrypt(out, circuit.outputDelta());
        this.outputPhases = client.phases(out);
      }
    }

    @Override
    public void close() {
      in.close();
      server.close();
      evaluation.close();
      client.close();
    }
  }

  /**
   * Runs a one-hidden-layer circuit stage by stage on real ciphertexts and decrypts in between:
   * <ul>
   *   <li>the first dense layer's noise and the bootstrap's output noise are NoiseModel's, within
   *       {@link #NOISE_BAND};</li>
   *   <li>every neuron reads its table exactly as CircuitSimulator does, or a value the table holds
   *       within {@link #SAFE_SIGMAS} predicted reading sigmas of the noiseless position; so a neuron
   *       further than that from any step of its table reads exactly;</li>
   *   <li>the levelled output layer and the compaction decode within the compiler's output tolerance
   *       of the activations the bootstrap produced, so a query without a misread equals
   *       CircuitSimulator within that tolerance.</li>
   * </ul>
   * Not "at most one misread per query": this model's tables are narrow (its accumulators span more
   * than the N positions, so the compiler halves them, and a level can be as narrow as a few reading
   * sigmas near 5 positions), so the noise model expects about one misread neuron per query
   * (printed) and two in one query happen. The rule above holds for every neuron, not on average.
   */
  private static void assertHiddenLayerUnderFhe(Circuit circuit, long[][] x) {
    List<Stage> stages = circuit.stages();
    assertEquals(4, stages.size(), "input dense, bootstrap, levelled dense, compaction");
    DenseLayer first = ((Stage.InputDense) stages.get(0)).layer();
    LookupTables tables = ((Stage.Bootstrap) stages.get(1)).tables();
    DenseLayer second = ((Stage.LevelledDense) stages.get(2)).layer();
    try (Fhe fhe = new Fhe(circuit, x)) {
      int n = fhe.params.polynomialSize();
      NoiseModel noise = new NoiseModel(fhe.params);
      double[] norms = new double[first.outputs()];
      for (int j = 0; j < norms.length; j++) {
        norms[j] = first.rowNormSquared(j);
      }
      double[] packed = noise.packedNormsSquared(norms, first.inputs());
      List<Double> denseErrors = new ArrayList<>();
      List<Double> bootstrapErrors = new ArrayList<>();
      double expectedMisreads = 0;
      int misreads = 0;
      try (LweBatch acc = fhe.server.dense(fhe.in, first); LweBatch act = fhe.server.bootstrap(acc, tables)) {
        long[][] accPhases = fhe.client.phases(acc);
        long[][] actPhases = fhe.client.phases(act);
        for (int r = 0; r < x.length; r++) {
          long[] m = first.apply(x[r]);
          long[] a = new long[m.length];
          boolean misread = false;
          for (int j = 0; j < m.length; j++) {
            double variance = NoiseModel.denseVariance(noise.freshVariance(), packed[j]);
            denseErrors.add(Encoding.torusError(accPhases[r][j], m[j], first.delta()) / Math.sqrt(variance));
            a[j] = Encoding.decode(actPhases[r][j], tables.deltaOut());
            bootstrapErrors.add(Encoding.torusError(actPhases[r][j], a[j], tables.deltaOut()));
            double sigma = noise.readingSigmaPositions(variance);
            Reading expected = Reading.of(m[j] * first.delta(), tables, j, n);
            expectedMisreads += expected.misreadProbability(sigma);
            if (a[j] != expected.value()) {
              misreads++;
              misread = true;
              String what = String.format("row %d neuron %d: FHE read %d, the simulator %d; steps %.1f and %.1f"
                  + " sigma away", r, j, a[j], expected.value(), expected.toLeftStep() / sigma,
                  expected.toRightStep() / sigma);
              System.out.println(what);
              assertTrue(expected.readsWithin(a[j], SAFE_SIGMAS * sigma), what);
            }
          }
          long[] logits = second.apply(a);
          for (int k = 0; k < logits.length; k++) {
            logits[k] = Encoding.decode(logits[k] * second.delta(), second.delta()); // the torus wraps
          }
          assertWithin(logits, fhe.outputs[r], "row " + r + ": output layer on the activations FHE read");
          if (!misread) {
            assertWithin(CircuitSimulator.of(circuit).evaluate(x[r]), fhe.outputs[r], "row " + r);
          }
        }
      }
      System.out.printf("%d misread neurons in %d queries (noise model expects %.2f)%n", misreads, x.length,
          expectedMisreads);
      assertNoise("dense layer 1 (in predicted sigmas)", 1, denseErrors);
      assertNoise("bootstrap output", Math.sqrt(noise.bootstrapOutputVariance()), bootstrapErrors);
    }
  }

  /** The levelled outputs decode within the compiler's default tolerance of the exact ones. */
  private static void assertWithin(long[] expected, long[] actual, String what) {
    for (int k = 0; k < expected.length; k++) {
      assertTrue(Math.abs(expected[k] - actual[k]) <= CompileOptions.defaults().outputToleranceUnits(),
          what + ": output " + k + " is " + actual[k] + ", expected " + expected[k]);
    }
  }

  private static void assertNoise(String what, double predictedSigma, List<Double> errors) {
    double mean = errors.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double variance = errors.stream().mapToDouble(e -> (e - mean) * (e - mean)).average().orElseThrow();
    double ratio = Math.sqrt(variance) / predictedSigma;
    System.out.printf("%s: predicted sigma %.3g, measured %.3g (ratio %.2f, %d samples)%n", what, predictedSigma,
        Math.sqrt(variance), ratio, errors.size());
    assertTrue(ratio > 1 / NOISE_BAND && ratio < NOISE_BAND, what + ": measured/predicted sigma " + ratio);
  }

  /**
   * What a bootstrap reads at a noiseless phase (as CircuitSimulator computes it), and how far the
   * nearest changes of the table's value are on either side, in positions of the 2N grid.
   */
  private record Reading(LookupTables tables, int j, int box, double boxes, long value, double toLeftStep,
      double toRightStep) {
    static Reading of(long phase, LookupTables tables, int j, int n) {
      int box = n / tables.domain();
      double boxes = Math.scalb((double) phase, -(64 - Integer.numberOfTrailingZeros(2 * n))) / box;
      long index = Math.round(boxes);
      long value = at(tables, j, index);
      long limit = 2L * tables.domain(); // one turn of the negacyclic table
      long left = index;
      while (index - left < limit && at(tables, j, left - 1) == value) {
        left--;
      }
      long right = index;
      while (right - index < limit && at(tables, j, right + 1) == value) {
        right++;
      }
      return new Reading(tables, j, box, boxes, value, (boxes - (left - 0.5)) * box, (right + 0.5 - boxes) * box);
    }

    /** Table {@code j} at {@code index}, negacyclic over 2 * domain like the bootstrap. */
    private static long at(LookupTables tables, int j, long index) {
      long i = Math.floorMod(index, 2L * tables.domain());
      return i < tables.domain() ? tables.value(j, (int) i) : -tables.value(j, (int) (i - tables.domain()));
    }

    /** Whether the table holds {@code read} at a position within {@code radius} positions of this one. */
    boolean readsWithin(long read, double radius) {
      for (long i = Math.round(boxes - radius / box); i <= Math.round(boxes + radius / box); i++) {
        if (at(tables, j, i) == read) {
          return true;
        }
      }
      return false;
    }

    /** The Gaussian tails beyond the steps on both sides. */
    double misreadProbability(double sigma) {
      return 0.5 * erfc(toLeftStep / (sigma * Math.sqrt(2))) + 0.5 * erfc(toRightStep / (sigma * Math.sqrt(2)));
    }

    /** Abramowitz-Stegun 7.1.26, absolute error below 1.5e-7: enough for a printed estimate. */
    private static double erfc(double z) {
      double t = 1 / (1 + 0.3275911 * z);
      double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
      return poly * Math.exp(-z * z);
    }
  }

  @Test
  void refusesAModelThatCannotBeMadeSafeAndStatesItsFailureProbability() {
    QuantizedModel mlp = trainModel(b -> b.hidden(List.of(8)).epochs(1));
    CompiledModel ok = new FheCompiler(CompileOptions.defaults()).compile(mlp);
    assertTrue(ok.log2PFailPerQuery() <= -40, "p_fail 2^" + ok.log2PFailPerQuery());
    assertTrue(ok.report().stream().allMatch(r -> r.log2PFail() <= -40), ok.report().toString());
    // A levelled hidden layer whose incoming noise (16-bit weights on level-1 bootstrap outputs) is
    // wider than the circle at any multiplier: no placement keeps its reads off the mirrored half.
    UnsafeModelException e = assertThrows(UnsafeModelException.class, () -> new FheCompiler(
        CompileOptions.defaults().withParameters(FheParameters.byName(FheParameters.PBS_L1))).compile(noisy()));
    assertTrue(e.getMessage().contains("no scale"), e.getMessage());
    // The levelled output's noise is enforced: at level 1 the bootstrap output noise times the output
    // weights decodes beyond +-0 units far too often, and beyond +-2 too often for 2^-40 ...
    CompileOptions l1 = CompileOptions.defaults().withSanitize(false)
        .withParameters(FheParameters.byName(FheParameters.PBS_L1));
    for (int tolerance : new int[] {0, 2}) {
      e = assertThrows(UnsafeModelException.class, () -> new FheCompiler(
          new CompileOptions(l1.parameters(), l1.rangeMargin(), -40, false, tolerance, false, false)).compile(mlp));
      assertTrue(e.getMessage().contains("levelled output"), e.getMessage());
    }
    // ... so the bound decides: a looser one accepts the same model and states its figure.
    CompiledModel loose = new FheCompiler(new CompileOptions(l1.parameters(), l1.rangeMargin(), -2, false, 2, false, false))
        .compile(mlp);
    assertTrue(loose.log2PFailPerQuery() > -40 && loose.log2PFailPerQuery() <= -2, "2^" + loose.log2PFailPerQuery());
  }

  /**
   * A model whose outputs are the same on every calibration row (all hidden units dead, as a 300-feature
   * table trained at rate 0.01 left it) answers one class for every input: refused, not compiled into
   * a circuit that passes its smoke test while predicting one class.
   */
  @Test
  void refusesAModelWithOneAnswerForEveryInput() {
    InputQuantizer input = new InputQuantizer(MinMaxScaler.fixed(4, 0, 3), 2);
    ActivationQuantizer act = new ActivationQuantizer(1.0, 2);
    QuantizedLayer hidden = new QuantizedLayer(4, 2, 2, filled(8, -1), new long[2], ones(2), 1.0 / 3,
        Optional.of(act), ranges(2, -12, 0));
    QuantizedLayer dead = new QuantizedLayer(2, 2, 4, new int[] {1, -1, -1, 1}, new long[] {3, 1}, ones(2), 1.0,
        Optional.empty(), new AccumulatorRange[] {new AccumulatorRange(3, 3), new AccumulatorRange(1, 1)});
    QuantizedModel model = new QuantizedModel(input, List.of(hidden, dead), List.of("a", "b"));
    for (CompileOptions options : List.of(CompileOptions.defaults(), LEVELLED)) {
      ConstantModelException e = assertThrows(ConstantModelException.class,
          () -> new FheCompiler(options).compile(model));
      assertTrue(e.getMessage().startsWith("every output is the same on all the calibration data (scores [3, 1]): the"
          + " model answers one class for every input"), e.getMessage());
    }
    QuantizedLayer alive = new QuantizedLayer(2, 2, 4, new int[] {1, -1, -1, 1}, new long[] {3, 1}, ones(2), 1.0,
        Optional.empty(), new AccumulatorRange[] {new AccumulatorRange(3, 3), new AccumulatorRange(1, 2)});
    new FheCompiler(CompileOptions.defaults()).compile(new QuantizedModel(input, List.of(hidden, alive),
        List.of("a", "b")));
  }

  /** 4 inputs -> 64 (1-bit weights) -> 2 (16-bit weights) -> 2: the second bootstrap's input is noisy. */
  private static QuantizedModel noisy() {
    InputQuantizer input = new InputQuantizer(MinMaxScaler.fixed(4, 0, 3), 2);
    ActivationQuantizer act = new ActivationQuantizer(1.0, 2);
    QuantizedLayer l1 = new QuantizedLayer(4, 64, 2, filled(4 * 64, 1), new long[64], ones(64), 1.0 / 3,
        Optional.of(act), ranges(64, 0, 12));
    QuantizedLayer l2 = new QuantizedLayer(64, 2, 16, filled(64 * 2, 32767), new long[2], ones(2), 1.0,
        Optional.of(act), ranges(2, 0, 32767L * 64 * 3));
    QuantizedLayer l3 = new QuantizedLayer(2, 2, 4, new int[] {1, -1, -1, 1}, new long[2], ones(2), 1.0,
        Optional.empty(), ranges(2, -3, 3));
    return new QuantizedModel(input, List.of(l1, l2, l3), List.of("a", "b"));
  }

  private static int[] filled(int n, int v) {
    int[] out = new int[n];
    java.util.Arrays.fill(out, v);
    return out;
  }

  private static double[] ones(int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, 1);
    return out;
  }

  private static AccumulatorRange[] ranges(int n, long lo, long hi) {
    AccumulatorRange[] out = new AccumulatorRange[n];
    java.util.Arrays.fill(out, new AccumulatorRange(lo, hi));
    return out;
  }
}
