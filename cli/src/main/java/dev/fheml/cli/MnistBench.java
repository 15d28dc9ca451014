package dev.fheml.cli;

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
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code fhe-ml bench mnist}: accuracy, agreement and latency of encrypted MNIST inference. */
final class MnistBench {
    private MnistBench() {}

    static Map<String, Object> run(List<Integer> hidden, Integer epochs, long seed, String params, int samples,
            int threads, PrintStream log) throws IOException {
        Dataset test = BundledData.locate().mnistTest();
        if (samples < 1 || samples > test.size()) { // before training a model, which takes minutes
            throw new IllegalArgumentException("--samples must be in [1, " + test.size() + "], got " + samples);
        }
        MnistModels.Model model = MnistModels.ensure(hidden, epochs, seed, params, false, log);
        Circuit circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        ClientSpec spec = ModelArtifacts.readClient(model.clientZip()).spec();
        FheParameters p = FheParameters.byName(circuit.parameters());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "mnist");
        r.put("model", hidden.isEmpty() ? "logreg" : "mlp");
        r.put("hidden", hidden);
        r.put("params", p.name());
        r.put("model_id", spec.modelId());
        r.put("samples", samples);
        r.put("threads", threads);
        r.put("accuracy_plain", model.metrics().accuracyPlain());
        r.put("accuracy_quantized", model.metrics().accuracyQuantized());
        Progress progress = new Progress(log);
        try (ClientKey client = progress.step("generate keys", () -> ClientKey.generate(p)).value();
                EvaluationKey eval = progress.step("generate evaluation key", client::evaluationKey).value();
                ServerContext server = progress.step("expand evaluation key", () -> ServerContext.expand(eval, threads))
                        .value();
                ServerContext single = ServerContext.expand(eval, 1)) {
            r.put("eval_key_bytes", eval.toBytes().length);
            double ksPbs = progress.step("KS+PBS x32 on 1 thread (same parameters)", () -> ksPbsMillis(client, single))
                    .value();
            log.println("encrypted inference, one image at a time:");
            MnistRun.Stats s = MnistRun.run(circuit, spec, client, server, test, samples, log);
            r.put("accuracy_fhe", s.accuracy());
            r.put("agreement", s.agreement());
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("p50", EngineBench.round(MnistRun.median(s.serverMs())));
            latency.put("p90", EngineBench.round(MnistRun.percentile(s.serverMs(), 0.9)));
            latency.put("mean", EngineBench.round(Arrays.stream(s.serverMs()).average().orElse(0)));
            r.put("latency_ms", latency);
            r.put("encrypt_ms", EngineBench.round(MnistRun.median(s.encryptMs())));
            r.put("decrypt_ms", EngineBench.round(MnistRun.median(s.decryptMs())));
            r.put("query_bytes", s.queryBytes());
            r.put("response_bytes", s.responseBytes());
            r.put("pbs_count", circuit.bootstrapCount());
            r.put("ks_pbs_ms", EngineBench.round(ksPbs));
            double bound = circuit.bootstrapCount() * ksPbs / threads;
            r.put("pbs_bound_ms", EngineBench.round(bound));
            r.put("latency_vs_pbs_bound", bound == 0 ? null : EngineBench.round(MnistRun.median(s.serverMs()) / bound));
        }
        r.put("machine", Machine.describe());
        return r;
    }

    /** One keyswitch + bootstrap on one thread, mean of 32, after a warm-up batch. */
    static double ksPbsMillis(ClientKey client, ServerContext single) {
        FheParameters p = client.parameters();
        int domain = p.polynomialSize();
        long deltaIn = p.inputDelta(domain);
        long[] table = new long[domain];
        long[] values = new long[32];
        Arrays.fill(values, domain / 2);
        try (GlweBatch ct = client.encrypt(new long[][] {values}, deltaIn);
                LweBatch lwes = single.dense(ct, EngineBench.identity(32, deltaIn))) {
            LookupTables lut = LookupTables.shared(table, 1L << 50);
            single.bootstrap(lwes, lut).close();
            return Stopwatch.medianMillis(3, () -> single.bootstrap(lwes, lut).close()) / 32;
        }
    }
}
