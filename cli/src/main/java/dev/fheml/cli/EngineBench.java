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
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml bench engine}: the engine's operations at MNIST scale (784 inputs, or N where a ciphertext holds
 * fewer; 128 hidden, 10 outputs).
 */
@Command(name = "engine", mixinStandardHelpOptions = true,
        description = "Time the engine's operations (keys, encrypt, dense, keyswitch + bootstrap, compaction, decrypt).")
final class EngineBench implements Callable<Integer> {
    static final int INPUTS = 784;
    static final int HIDDEN = 128;
    static final int CLASSES = 10;
    private static final long DELTA = 1L << 40;

    @Option(names = "--params", description = "Parameter set (default: ${DEFAULT-VALUE}, the decomposition tfhe-rs's"
            + " shortint uses, so the bootstrap compares like with like).")
    String params = FheParameters.PBS_L1;

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Mixin
    BenchOutput output = new BenchOutput();

    /** The JSON of one run. */
    record Result(String benchmark, String params, int threads, double keygenMs, int evalKeyBytes, double expandMs,
            long serverKeyMemoryBytes, double encryptMs, int queryBytes, double denseGlweMs, double ksPbsMs,
            double ksPbsPerS, double tfheShortintKsPbsMs, double denseLweMs, double compactMs, int responseBytes,
            double decryptMs, boolean denseExact, double ksPbsVsShortint, MachineInfo machine) {}

    @Override
    public Integer call() throws Exception {
        FheParameters p = FheParameters.byName(params);
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.err.println("fhe-ml bench engine: " + p + ", " + n + " threads");
        output.emit(run(p, n, System.err), System.out, System.err);
        return 0;
    }

    static Result run(FheParameters params, int threads, PrintStream log) {
        SplittableRandom random = new SplittableRandom(2026);
        Progress progress = new Progress(log);

        var keys = progress.step("generate client + evaluation keys", () -> {
            ClientKey ck = ClientKey.generate(params);
            return new Object[] {ck, ck.evaluationKey()};
        });
        ClientKey client = (ClientKey) keys.value()[0];
        EvaluationKey evaluation = (EvaluationKey) keys.value()[1];
        byte[] evalBytes = evaluation.toBytes();

        var server = progress.step("expand evaluation key (" + threads + " threads)",
                () -> ServerContext.expand(evaluation, threads));
        var single = progress.step("expand evaluation key (1 thread)", () -> ServerContext.expand(evaluation, 1));

        // One ciphertext holds N values: 784 where N = 2048, 512 for the 1_1 set.
        int inputs = Math.min(INPUTS, params.polynomialSize());
        long[] x = random.ints(inputs, 0, 16).asLongStream().toArray();
        double encrypt = medianOf(progress, "encrypt one " + inputs + "-vector (median of 21)", 21,
                () -> client.encrypt(new long[][] {x}, DELTA).close());
        GlweBatch query = client.encrypt(new long[][] {x}, DELTA);

        DenseLayer hidden = randomLayer(random, inputs, HIDDEN, 7);
        double dense = medianOf(progress, "dense " + inputs + "->128 on the GLWE (median of 7)", 7,
                () -> server.value().dense(query, hidden).close());
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
        double[] ksPbs = new double[2]; // one bootstrap on 1 thread (ms); bootstraps per second on all threads
        long[] mid = new long[HIDDEN];
        Arrays.fill(mid, domain / 2);
        try (GlweBatch centred = client.encrypt(new long[][] {mid}, deltaIn);
                LweBatch forPbs = server.value().dense(centred, identity(HIDDEN, deltaIn));
                LweBatch forPbs32 = single.value().dense(centred, identity(32, deltaIn))) {
            ksPbs[0] = medianOf(progress, "KS+PBS x32 on 1 thread (median of 3)", 3,
                    () -> single.value().bootstrap(forPbs32, tables).close()) / 32;
            double all = medianOf(progress, "KS+PBS x128 on " + threads + " threads (median of 3)", 3,
                    () -> server.value().bootstrap(forPbs, tables).close());
            ksPbs[1] = HIDDEN * 1000.0 / all;
        }
        var shortint = progress.step("tfhe-rs shortint KS+PBS x64, 1 thread",
                () -> Baseline.shortintKsPbsMillis(64));

        DenseLayer out = randomLayer(random, HIDDEN, CLASSES, 7);
        double levelled = medianOf(progress, "levelled dense 128->10 (median of 7)", 7,
                () -> server.value().dense(h, out).close());
        LweBatch logits = server.value().dense(h, out);
        double compact = medianOf(progress, "compact 10 outputs (median of 7)", 7,
                () -> server.value().compact(logits, true).close());
        CompactBatch response = server.value().compact(logits, true);
        double decrypt = medianOf(progress, "decrypt 10 outputs (median of 21)", 21,
                () -> client.decrypt(response, DELTA));
        Result result = new Result("engine", params.name(), threads, round(keys.ms()), evalBytes.length,
                round(server.ms()), server.value().memoryBytes(), round(encrypt), query.toBytes().length, round(dense),
                round(ksPbs[0]), round(ksPbs[1]), round(shortint.value()), round(levelled), round(compact),
                response.toBytes().length, round(decrypt), exact, round(ksPbs[0] / shortint.value()),
                MachineInfo.describe());

        for (AutoCloseable c : new AutoCloseable[] {response, logits, h, query, single.value(), server.value(),
                evaluation, client}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return result;
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

    private static double round(double v) {
        return BenchOutput.round(v);
    }
}
