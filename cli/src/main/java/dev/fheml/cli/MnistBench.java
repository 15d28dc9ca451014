package dev.fheml.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.fheml.core.ClientKey;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.LweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.training.compile.ParameterChoice;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ImportDetails;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fhe-ml bench mnist}: accuracy, agreement and latency of encrypted MNIST inference. */
@Command(name = "mnist", mixinStandardHelpOptions = true,
        description = "Encrypted MNIST: accuracy, agreement with the plaintext-integer model, latency per image.")
final class MnistBench implements Callable<Integer> {
    @Mixin
    MnistModelOptions modelOptions = new MnistModelOptions();

    @Option(names = "--samples", description = "Encrypted test images (default: ${DEFAULT-VALUE}).")
    int samples = 100;

    @Option(names = "--offset", description = "Index of the first test image (default: ${DEFAULT-VALUE}).")
    int offset = 0;

    @Option(names = "--onnx", paramLabel = "FILE", description = "Benchmark an imported ONNX model instead of a trained"
            + " one: calibrated on the bundled MNIST training images, measured on the test images (see fhe-ml import).")
    Path onnx;

    @Option(names = "--input-normalize", paramLabel = "MEAN,STD",
            description = "--onnx: the model expects Normalize(MEAN, STD) after pixel/255.")
    String inputNormalize;

    @Option(names = {"-p", "--hyperparameter"}, paramLabel = "NAME=VALUE",
            description = "--onnx: an import setting (e.g. -p finetune_epochs=60).")
    Map<String, String> importSettings = new LinkedHashMap<>();

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Mixin
    BenchOutput output = new BenchOutput();

    /** Server time per image. */
    record Latency(double p50, double p90, double mean) {}

    /** Each image's times, in test-set order from {@code offset}. */
    record PerImage(double[] serverMs, double[] encryptMs, double[] decryptMs) {}

    /** The JSON of one run; {@code floatAccuracy} and {@code importDetails} for an imported model only. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(String benchmark, String model, List<Integer> hidden, String params, String modelId, int samples,
            int threads, double accuracyPlain, double accuracyQuantized, int evalKeyBytes, double accuracyFhe,
            double agreement, Latency latencyMs, double encryptMs, double decryptMs, int queryBytes, int responseBytes,
            int pbsCount, double ksPbsMs, double pbsBoundMs, Double latencyVsPbsBound, double ksPbsParallelPerS,
            double pbsBoundParallelMs, Double latencyVsParallelBound, double pFailPerQuery,
            @JsonProperty("log2_p_fail_per_query") double log2PFailPerQuery, boolean sanitized, long publicKeyBytes,
            List<ParameterChoice.Candidate> parameterChoice, MachineInfo machine, Double floatAccuracy,
            @JsonProperty("import") ImportDetails importDetails, int offset, int correct, PerImage perImageMs) {}

    @Override
    public Integer call() throws Exception {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        output.emit(run(n, System.err), System.out, System.err);
        return 0;
    }

    private Result run(int threads, PrintStream log) throws IOException {
        Dataset test = BundledData.locate().mnistTest();
        if (samples < 1 || samples > test.size()) {
            throw new IllegalArgumentException("--samples must be in [1, " + test.size() + "], got " + samples);
        }
        if (offset < 0 || offset > test.size() - samples) {
            throw new IllegalArgumentException("--offset must be in [0, " + (test.size() - samples) + "] for "
                    + samples + " samples, got " + offset);
        }
        MnistModels.Model trained = onnx == null ? modelOptions.ensure(false, log) : imported(log);
        Circuit circuit = ModelArtifacts.readServer(trained.serverZip()).circuit();
        ClientSpec spec = ModelArtifacts.readClient(trained.clientZip()).spec();
        FheParameters p = circuit.parameters();
        Progress progress = new Progress(log);
        try (ClientKey client = progress.step("generate keys", () -> ClientKey.generate(p)).value();
                EvaluationKey eval = progress.step("generate evaluation key", client::evaluationKey).value();
                ServerContext server = progress.step("expand evaluation key", () -> ServerContext.expand(eval, threads))
                        .value();
                ServerContext single = ServerContext.expand(eval, 1)) {
            double ksPbs = progress.step("KS+PBS x32 on 1 thread (same parameters)", () -> ksPbsMillis(client, single))
                    .value();
            log.println("encrypted inference, one image at a time (a batch of " + PROBE_BOOTSTRAPS + " KS+PBS on "
                    + threads + " threads timed between images):");
            try (BootstrapBatch probe = new BootstrapBatch(client, server, PROBE_BOOTSTRAPS)) {
                MnistRun.Stats s = MnistRun.run(circuit, spec, client, server, test, offset, samples, probe::run,
                        log);
                return result(trained, circuit, spec, eval, threads, ksPbs, s);
            }
        }
    }

    private Result result(MnistModels.Model trained, Circuit circuit, ClientSpec spec, EvaluationKey eval, int threads,
            double ksPbs, MnistRun.Stats s) {
        FheParameters p = circuit.parameters();
        double p50 = MnistRun.median(s.serverMs());
        double bound = circuit.bootstrapCount() * ksPbs / threads;
        // Measured, not assumed: bootstraps per second on all threads, median of the interleaved batches.
        double parallelPerS = PROBE_BOOTSTRAPS * 1000.0 / MnistRun.median(s.probeMs());
        double parallelBound = circuit.bootstrapCount() * 1000.0 / parallelPerS;
        ImportDetails details = trained.metrics().importDetails();
        return new Result("mnist", details != null ? "onnx:" + details.source() : modelOptions.model.wireName(),
                details != null ? trained.metrics().hidden() : modelOptions.widths(), p.name(), spec.modelId(),
                samples, threads, trained.metrics().accuracyPlain(), trained.metrics().accuracyQuantized(),
                eval.toBytes().length, s.accuracy(), s.agreement(),
                new Latency(round(p50), round(MnistRun.percentile(s.serverMs(), 0.9)),
                        round(Arrays.stream(s.serverMs()).average().orElse(0))),
                round(MnistRun.median(s.encryptMs())), round(MnistRun.median(s.decryptMs())), s.queryBytes(),
                s.responseBytes(), circuit.bootstrapCount(), round(ksPbs), round(bound),
                bound == 0 ? null : round(p50 / bound), round(parallelPerS), round(parallelBound),
                parallelBound == 0 ? null : round(p50 / parallelBound), trained.metrics().pFailPerQuery(),
                round(trained.metrics().log2PFailPerQuery()), trained.metrics().sanitized(), eval.publicKeyBytes(),
                trained.metrics().parameterChoice(), MachineInfo.describe(),
                details == null ? null : details.floatAccuracy(), details, offset, s.correct(),
                new PerImage(rounded(s.serverMs()), rounded(s.encryptMs()), rounded(s.decryptMs())));
    }

    private MnistModels.Model imported(PrintStream log) throws IOException {
        Map<String, String> settings = new LinkedHashMap<>(importSettings);
        if (inputNormalize != null) {
            settings.put("input_normalize", inputNormalize);
        }
        if (modelOptions.noSanitize) {
            settings.put("sanitize", "false");
        }
        return MnistModels.ensureImported(onnx, settings, log);
    }

    private static double round(double v) {
        return BenchOutput.round(v);
    }

    private static double[] rounded(double[] values) {
        return Arrays.stream(values).map(MnistBench::round).toArray();
    }

    /** Bootstraps per interleaved throughput batch: 32 per thread of a 2-core machine, ~1 s at level 2. */
    static final int PROBE_BOOTSTRAPS = 64;

    /** {@code count} keyswitch + bootstraps of a mid-table value on one context's threads, ready to time. */
    private static final class BootstrapBatch implements AutoCloseable {
        private final ServerContext server;
        private final GlweBatch ct;
        private final LweBatch lwes;
        private final LookupTables lut;

        BootstrapBatch(ClientKey client, ServerContext server, int count) {
            FheParameters p = client.parameters();
            int domain = p.polynomialSize();
            long deltaIn = p.inputDelta(domain);
            long[] values = new long[count];
            Arrays.fill(values, domain / 2);
            this.server = server;
            this.ct = client.encrypt(new long[][] {values}, deltaIn);
            this.lwes = server.dense(ct, EngineBench.identity(count, deltaIn));
            this.lut = LookupTables.shared(new long[domain], 1L << 50);
        }

        void run() {
            server.bootstrap(lwes, lut).close();
        }

        @Override
        public void close() {
            lwes.close();
            ct.close();
        }
    }

    /** One keyswitch + bootstrap on one thread, mean of 32, after a warm-up batch. */
    static double ksPbsMillis(ClientKey client, ServerContext single) {
        try (BootstrapBatch batch = new BootstrapBatch(client, single, 32)) {
            batch.run();
            return Stopwatch.medianMillis(3, batch::run) / 32;
        }
    }
}
