package dev.fheml.cli;

import dev.fheml.core.Baseline;
import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.LweBatch;
import dev.fheml.core.ServerContext;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Measures the engine's operations at MNIST scale (784 inputs, 128 hidden, 10 outputs). */
final class EngineBench {
    static final int INPUTS = 784;
    static final int HIDDEN = 128;
    static final int CLASSES = 10;
    private static final long DELTA = 1L << 40;

    private final FheParameters params;
    private final int threads;
    private final PrintStream log;

    EngineBench(FheParameters params, int threads, PrintStream log) {
        this.params = params;
        this.threads = threads;
        this.log = log;
    }

    Map<String, Object> run() {
        SplittableRandom random = new SplittableRandom(2026);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("benchmark", "engine");
        r.put("params", params.name());
        r.put("threads", threads);
        Progress progress = new Progress(log);

        var keys = progress.step("generate client + evaluation keys", () -> {
            ClientKey ck = ClientKey.generate(params);
            return new Object[] {ck, ck.evaluationKey()};
        });
        ClientKey client = (ClientKey) keys.value()[0];
        EvaluationKey evaluation = (EvaluationKey) keys.value()[1];
        r.put("keygen_ms", round(keys.ms()));
        byte[] evalBytes = evaluation.toBytes();
        r.put("eval_key_bytes", evalBytes.length);

        var server = progress.step("expand evaluation key (" + threads + " threads)",
                () -> ServerContext.expand(evaluation, threads));
        var single = progress.step("expand evaluation key (1 thread)", () -> ServerContext.expand(evaluation, 1));
        r.put("expand_ms", round(server.ms()));
        r.put("server_key_memory_bytes", server.value().memoryBytes());

        long[] x = random.ints(INPUTS, 0, 16).asLongStream().toArray();
        double encrypt = medianOf(progress, "encrypt one 784-vector (median of 21)", 21,
                () -> client.encrypt(new long[][] {x}, DELTA).close());
        r.put("encrypt_ms", round(encrypt));
        GlweBatch query = client.encrypt(new long[][] {x}, DELTA);
        r.put("query_bytes", query.toBytes().length);

        DenseLayer hidden = randomLayer(random, INPUTS, HIDDEN, 7);
        double dense = medianOf(progress, "dense 784->128 on the GLWE (median of 7)", 7,
                () -> server.value().dense(query, hidden).close());
        r.put("dense_glwe_ms", round(dense));
        LweBatch h = server.value().dense(query, hidden);
        boolean exact = Arrays.equals(client.decrypt(h, DELTA)[0], hidden.apply(x));

        // Bootstrap inputs encoded for a full-resolution table (domain N).
        int domain = params.polynomialSize();
        long deltaIn = params.inputDelta(domain);
        long[] relu = new long[domain];
        for (int v = 0; v < domain; v++) {
            relu[v] = Math.max(0, v - domain / 2) >> 6;
        }
        LookupTables tables = LookupTables.shared(relu, 1L << 50);
        long[] mid = new long[HIDDEN];
        Arrays.fill(mid, domain / 2);
        try (GlweBatch centred = client.encrypt(new long[][] {mid}, deltaIn);
                LweBatch forPbs = server.value().dense(centred, identity(HIDDEN, deltaIn));
                LweBatch forPbs32 = single.value().dense(centred, identity(32, deltaIn))) {
            double one = medianOf(progress, "KS+PBS x32 on 1 thread (median of 3)", 3,
                    () -> single.value().bootstrap(forPbs32, tables).close()) / 32;
            r.put("ks_pbs_ms", round(one));
            double all = medianOf(progress, "KS+PBS x128 on " + threads + " threads (median of 3)", 3,
                    () -> server.value().bootstrap(forPbs, tables).close());
            r.put("ks_pbs_per_s", round(HIDDEN * 1000.0 / all));
        }
        var shortint = progress.step("tfhe-rs shortint KS+PBS x64, 1 thread",
                () -> Baseline.shortintKsPbsMillis(64));
        r.put("tfhe_shortint_ks_pbs_ms", round(shortint.value()));

        DenseLayer out = randomLayer(random, HIDDEN, CLASSES, 7);
        double levelled = medianOf(progress, "levelled dense 128->10 (median of 7)", 7,
                () -> server.value().dense(h, out).close());
        r.put("dense_lwe_ms", round(levelled));
        LweBatch logits = server.value().dense(h, out);
        double compact = medianOf(progress, "compact 10 outputs (median of 7)", 7,
                () -> server.value().compact(logits, true).close());
        r.put("compact_ms", round(compact));
        CompactBatch response = server.value().compact(logits, true);
        r.put("response_bytes", response.toBytes().length);
        double decrypt = medianOf(progress, "decrypt 10 outputs (median of 21)", 21,
                () -> client.decrypt(response, DELTA));
        r.put("decrypt_ms", round(decrypt));
        r.put("dense_exact", exact);
        r.put("ks_pbs_vs_shortint", round((double) r.get("ks_pbs_ms") / shortint.value()));
        r.put("machine", Machine.describe());

        for (AutoCloseable c : new AutoCloseable[] {response, logits, h, query, single.value(), server.value(),
                evaluation, client}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return r;
    }

    private static double medianOf(Progress progress, String label, int runs, Runnable work) {
        return progress.step(label, () -> Stopwatch.medianMillis(runs, work)).value();
    }

    static DenseLayer randomLayer(SplittableRandom random, int inputs, int outputs, int maxAbs) {
        long[] w = random.ints((long) inputs * outputs, -maxAbs, maxAbs + 1).asLongStream().toArray();
        long[] b = random.ints(outputs, -100, 101).asLongStream().toArray();
        return new DenseLayer(inputs, outputs, w, b, DELTA);
    }

    static DenseLayer identity(int width, long delta) {
        long[] w = new long[width * width];
        for (int j = 0; j < width; j++) {
            w[j * width + j] = 1;
        }
        return new DenseLayer(width, width, w, new long[width], delta);
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
