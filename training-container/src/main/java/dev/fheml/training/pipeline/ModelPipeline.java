package dev.fheml.training.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fheml.core.FheParameters;
import dev.fheml.core.NoiseModel;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.compile.CompiledModel;
import dev.fheml.training.compile.FheCompiler;
import dev.fheml.training.compile.StageReport;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
  public record Result(CompiledModel compiled, Map<String, Object> metrics, Path directory) {}

  public static Result run(String name, TrainingConfig config, Dataset train, Dataset test, CompileOptions options,
      Path outDir, ProgressListener progress, PrintStream log) throws IOException {
    log.printf("training %s: %s hidden %s, %d epochs on %d rows%n", name, config.isLinear() ? "logreg" : "mlp",
        config.hiddenSizes(), config.epochs(), train.size());
    TrainingResult trained = new Trainer(config, progress).train(train);
    log.printf("trained in %.1f s (best epoch %d); compiling for %s%n", trained.duration().toMillis() / 1e3,
        trained.bestEpoch(), options.parameters());
    CompiledModel compiled = new FheCompiler(options).compile(trained.quantizedModel());
    compiled.report().forEach(r -> log.println("  " + r));

    FheParameters params = FheParameters.byName(options.parameters());
    CircuitSimulator sim = new CircuitSimulator(compiled.circuit(), params.polynomialSize());
    ClientSpec spec = compiled.clientSpec();
    double sigma = new NoiseModel(params).readingSigmaPositions(new NoiseModel(params).freshVariance());
    int correctQuantized = 0;
    int correctNoisy = 0;
    Random noise = new Random(config.seed());
    List<double[]> gaps = new ArrayList<>();
    for (int r = 0; r < test.size(); r++) {
      double[] raw = toDoubles(test.row(r));
      long[] x = spec.quantize(raw);
      var exact = spec.decode(sim.evaluate(x));
      correctQuantized += exact.classIndex() == test.label(r) ? 1 : 0;
      correctNoisy += spec.decode(sim.evaluate(x, noise, sigma)).classIndex() == test.label(r) ? 1 : 0;
      double[] s = exact.scores().clone();
      java.util.Arrays.sort(s);
      gaps.add(new double[] {r, s[s.length - 1] - s[s.length - 2], exact.classIndex()});
    }
    // Smoke-test samples: the inputs whose two best scores are furthest apart, so noise cannot flip them.
    List<Sample> samples = gaps.stream().limit(Math.min(500, gaps.size()))
        .sorted(Comparator.comparingDouble((double[] g) -> -g[1])).limit(SAMPLES)
        .map(g -> new Sample(toDoubles(test.row((int) g[0])), (int) g[2])).toList();

    Map<String, Object> metrics = new LinkedHashMap<>();
    metrics.put("name", name);
    metrics.put("model", config.isLinear() ? "logreg" : "mlp");
    metrics.put("hidden", config.hiddenSizes());
    metrics.put("bits", config.bits().toString());
    metrics.put("epochs", config.epochs());
    metrics.put("seed", config.seed());
    metrics.put("train_rows", train.size());
    metrics.put("train_seconds", trained.duration().toMillis() / 1e3);
    metrics.put("test_rows", test.size());
    metrics.put("accuracy_plain", trained.floatModel().accuracy(test));
    metrics.put("accuracy_quantized", (double) correctQuantized / test.size());
    metrics.put("accuracy_noisy_simulated", (double) correctNoisy / test.size());
    metrics.put("params", params.name());
    metrics.put("model_id", compiled.modelId());
    metrics.put("pbs_count", compiled.circuit().bootstrapCount());
    metrics.put("stages", compiled.report().stream().map(StageReport::toString).toList());

    Files.createDirectories(outDir);
    Map<String, Object> info = Map.of("model", metrics.get("model"), "hidden", config.hiddenSizes(),
        "accuracy_quantized", metrics.get("accuracy_quantized"));
    ModelArtifacts.writeServer(outDir.resolve(SERVER_ZIP), compiled.circuit(), info);
    ModelArtifacts.writeClient(outDir.resolve(CLIENT_ZIP), spec, samples, info);
    JSON.writeValue(outDir.resolve(METRICS).toFile(), metrics);
    return new Result(compiled, metrics, outDir);
  }

  /** Reads the metrics of a previous run, or null if the folder holds no complete run. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> readMetrics(Path dir) throws IOException {
    Path metrics = dir.resolve(METRICS);
    if (!Files.isRegularFile(metrics) || !Files.isRegularFile(dir.resolve(SERVER_ZIP))
        || !Files.isRegularFile(dir.resolve(CLIENT_ZIP))) {
      return null;
    }
    return JSON.readValue(metrics.toFile(), LinkedHashMap.class);
  }

  public static double[] toDoubles(float[] row) {
    return IntStream.range(0, row.length).mapToDouble(i -> row[i]).toArray();
  }
}
