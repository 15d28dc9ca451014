package dev.fheml.training.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.InputLayout;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.compile.CompiledModel;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.compile.StageReport;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Train → quantize → compile → package: writes {@code server.zip}, {@code client.zip} (with
 * smoke-test samples) and {@code metrics.json} into one folder. Used by the SageMaker training
 * entry point and by {@code fhe-ml demo}/{@code bench}.
 */
public final class ModelPipeline {
  public static final String METRICS = ArtifactNames.METRICS;
  public static final String SERVER_ZIP = ArtifactNames.SERVER_ZIP;
  public static final String CLIENT_ZIP = ArtifactNames.CLIENT_ZIP;
  private static final int SAMPLES = 16;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ModelPipeline() {}

  /** What one run produced. */
  public record Result(CompiledModel compiled, TrainingMetrics metrics, Path directory) {}

  /** @param layout the input's shape and preprocessing, recorded in {@code client.zip} */
  public static Result run(String name, TrainingConfig config, Dataset train, Dataset test, InputLayout layout,
      CompileOptions options, Path outDir, ProgressListener progress, PrintStream log) throws IOException {
    log.printf("training %s: %s hidden %s, %d epochs on %d rows%n", name, config.modelKind(),
        config.hiddenSizes(), config.epochs(), train.size());
    TrainingResult trained = new Trainer(config, progress).train(train);
    log.printf("trained in %.1f s (best epoch %d)%n", trained.duration().toMillis() / 1e3, trained.bestEpoch());
    return packageTrained(name, config, trained, train, test, layout, options, outDir, log);
  }

  /** Compiles and packages a model {@code config} trained on {@code train}: {@link #run} after training. */
  public static Result packageTrained(String name, TrainingConfig config, TrainingResult trained, Dataset train,
      Dataset test, InputLayout layout, CompileOptions options, Path outDir, PrintStream log) throws IOException {
    Origin origin = new Origin(config.modelKind(), config.hiddenSizes(), config.epochs(), config.seed(), train.size(),
        trained.duration().toMillis() / 1e3, trained.floatModel().accuracy(test), null, layout);
    return compileAndPackage(name, origin, trained.quantizedModel(), test, options, outDir, log);
  }

  /**
   * Where a quantized model came from, for its metrics.
   *
   * @param accuracyPlain the float model's accuracy on the test rows
   * @param importDetails how an imported model was made; {@code null} for a trained one
   * @param layout        the input's shape and preprocessing, for {@code client.zip}
   */
  public record Origin(ModelKind kind, List<Integer> hidden, int epochs, long seed, int trainRows,
      double trainSeconds, double accuracyPlain, ImportDetails importDetails, InputLayout layout) {}

  /**
   * The layout of trained inputs: images of {@code image}'s size (one channel of 0..255 pixels,
   * which the model's input encoding divides by 255), or a flat row of {@code features} CSV values.
   */
  public static InputLayout layout(Optional<ImageShape> image, int features) {
    return image.map(s -> InputLayout.image(1, s.height(), s.width(), "pixel / 255"))
        .orElseGet(() -> InputLayout.flat(features));
  }

  /**
   * Compiles a quantized model, measures the circuit on {@code test} (exactly and with simulated
   * bootstrap noise), picks smoke-test samples, and writes {@code server.zip}, {@code client.zip} and
   * {@code metrics.json} into {@code outDir}: the part training and import share.
   */
  public static Result compileAndPackage(String name, Origin origin, QuantizedModel quantized, Dataset test,
      CompileOptions options, Path outDir, PrintStream log) throws IOException {
    List<double[]> rows = IntStream.range(0, test.size()).mapToObj(r -> toDoubles(test.row(r))).toList();
    ParameterChoice.Result choice;
    if (options.chooseParameters()) {
      log.println("compiling for each vetted parameter set");
      choice = ParameterChoice.choose(quantized, options, rows, origin.seed(), log);
    } else {
      log.printf("compiling for %s%n", options.parameters().name());
      choice = ParameterChoice.fixed(quantized, options);
    }
    CompiledModel compiled = choice.compiled();
    FheParameters params = compiled.circuit().parameters();
    log.printf("compiled for %s%n", params.name());
    compiled.report().forEach(r -> log.println("  " + r));
    log.printf("  failure probability per query 2^%.1f (bound 2^%.1f)%n", compiled.log2PFailPerQuery(),
        options.log2PFailBound());

    CircuitSimulator sim = CircuitSimulator.of(compiled.circuit());
    ClientSpec spec = compiled.clientSpec().withLayout(origin.layout());
    double[] sigmas = compiled.readingSigmas(); // each reading stage's predicted noise
    int correctQuantized = 0;
    int correctNoisy = 0;
    Random noise = new Random(origin.seed());
    List<double[]> gaps = new ArrayList<>();
    for (int r = 0; r < test.size(); r++) {
      double[] raw = rows.get(r);
      long[] x = spec.quantize(raw);
      var exact = spec.decode(sim.evaluate(x));
      correctQuantized += exact.classIndex() == test.label(r) ? 1 : 0;
      correctNoisy += spec.decode(sim.evaluate(x, noise, sigmas)).classIndex() == test.label(r) ? 1 : 0;
      double[] s = exact.scores().clone();
      Arrays.sort(s);
      double gap = s.length > 1 ? s[s.length - 1] - s[s.length - 2] : 0;
      gaps.add(new double[] {r, gap, exact.classIndex()});
    }
    // Smoke-test samples: the inputs whose two best scores are furthest apart, so noise cannot flip them.
    List<Sample> samples = gaps.stream().limit(Math.min(500, gaps.size()))
        .sorted(Comparator.comparingDouble((double[] g) -> -g[1])).limit(SAMPLES)
        .map(g -> new Sample(toDoubles(test.row((int) g[0])), (int) g[2])).toList();

    double accuracyQuantized = (double) correctQuantized / test.size();
    MajorityBaseline baseline = MajorityBaseline.of(test);
    log.println(baseline.describe(accuracyQuantized));
    baseline.warning(accuracyQuantized).ifPresent(log::println);
    TrainingMetrics metrics = new TrainingMetrics(name, origin.kind(), origin.hidden(), quantized.bits().toString(),
        origin.epochs(), origin.seed(), origin.trainRows(), origin.trainSeconds(), test.size(), origin.accuracyPlain(),
        accuracyQuantized, (double) correctNoisy / test.size(), baseline.accuracy(), params.name(), compiled.modelId(),
        compiled.circuit().bootstrapCount(), compiled.report().stream().map(StageReport::toString).toList(),
        Math.pow(2, compiled.log2PFailPerQuery()), compiled.log2PFailPerQuery(), options.sanitize(),
        choice.candidates(), origin.importDetails());

    Files.createDirectories(outDir);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("model", metrics.model().wireName());
    info.put("hidden", metrics.hidden());
    info.put("accuracy_quantized", metrics.accuracyQuantized());
    if (origin.importDetails() != null) {
      info.put("imported_from", origin.importDetails().source());
    }
    ModelArtifacts.writeServer(outDir.resolve(SERVER_ZIP), compiled.circuit(), info);
    ModelArtifacts.writeClient(outDir.resolve(CLIENT_ZIP), spec, samples, info);
    JSON.writeValue(outDir.resolve(METRICS).toFile(), metrics);
    return new Result(compiled, metrics, outDir);
  }

  /** Reads the metrics of a previous run; empty if the folder holds no complete run. */
  public static Optional<TrainingMetrics> readMetrics(Path dir) throws IOException {
    Path metrics = dir.resolve(METRICS);
    if (!Files.isRegularFile(metrics) || !Files.isRegularFile(dir.resolve(SERVER_ZIP))
        || !Files.isRegularFile(dir.resolve(CLIENT_ZIP))) {
      return Optional.empty();
    }
    return Optional.of(JSON.readValue(metrics.toFile(), TrainingMetrics.class));
  }

  public static double[] toDoubles(float[] row) {
    return IntStream.range(0, row.length).mapToDouble(i -> row[i]).toArray();
  }
}
