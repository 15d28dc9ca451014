package dev.fheml.cli;

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
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml demo}. Until the MNIST model lands (issue #6) this is an ENGINE ROUND TRIP ON
 * RANDOM DATA: a random 784→64→10 integer network with ReLU evaluated under encryption and
 * checked against its plaintext result.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs the whole encrypted flow locally (currently: engine round trip on random data).")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--queries", description = "Encrypted inputs to evaluate (default: ${DEFAULT-VALUE}).")
    int queries = 4;

    @Option(names = "--seed", description = "Seed of the random network and inputs (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    static final int INPUTS = 784;
    static final int HIDDEN = 64;
    static final int CLASSES = 10;
    /** Hidden accumulators are in [-12, 12]; +16 puts them in the table domain [0, 32). */
    static final int OFFSET = 16;
    static final int DOMAIN = 32;

    @Override
    public Integer call() {
        if (queries < 1 || queries > 64) {
            throw new IllegalArgumentException("--queries must be in [1, 64], got " + queries);
        }
        PrintStream out = System.out;
        out.println("=== fhe-ml demo: ENGINE ROUND TRIP ON RANDOM DATA ===");
        out.println("(a random 784->64->10 integer network with ReLU; the MNIST demo replaces this with issue #6)");
        FheParameters params = FheParameters.byName(FheParameters.PBS_L2);
        out.println("parameters: " + params);
        SplittableRandom random = new SplittableRandom(seed);
        Network net = Network.random(random, params);
        long[][] x = new long[queries][];
        for (int q = 0; q < queries; q++) {
            x[q] = random.ints(INPUTS, 0, 4).asLongStream().toArray();
        }

        Progress progress = new Progress(out);
        out.println("client:");
        ClientKey client = progress.step("generate secret keys", () -> ClientKey.generate(params)).value();
        EvaluationKey evaluation = progress.step("generate evaluation key", client::evaluationKey).value();
        int keyBytes = evaluation.toBytes().length;
        GlweBatch query = progress.step("encrypt " + queries + " vectors of 784 values",
                () -> client.encrypt(x, net.deltaIn)).value();
        int queryBytes = query.toBytes().length;

        out.println("server (sees only ciphertexts):");
        ServerContext server = progress.step("expand evaluation key", () -> ServerContext.expand(evaluation, threads)).value();
        LweBatch hidden = progress.step("dense 784->64", () -> server.dense(query, net.first)).value();
        LweBatch activated = progress.step("keyswitch + bootstrap (ReLU) x" + HIDDEN * queries,
                () -> server.bootstrap(hidden, net.relu)).value();
        LweBatch logits = progress.step("dense 64->10 (levelled)", () -> server.dense(activated, net.second)).value();
        CompactBatch response = progress.step("compact the response", () -> server.compact(logits, false)).value();
        int responseBytes = response.toBytes().length;

        out.println("client:");
        long[][] decrypted = progress.step("decrypt", () -> client.decrypt(response, net.deltaOut)).value();
        int correct = 0;
        for (int q = 0; q < queries; q++) {
            long[] expected = net.plaintext(x[q]);
            boolean same = Arrays.equals(expected, decrypted[q]);
            correct += same ? 1 : 0;
            out.printf("  query %d: decrypted %s %s plaintext%n", q, Arrays.toString(decrypted[q]), same ? "==" : "!=");
        }
        out.printf("sizes: evaluation key %.1f MB, query %.1f KB each, response %.1f KB each%n",
                keyBytes / 1e6, queryBytes / 1e3 / queries, responseBytes / 1e3 / queries);
        out.printf("result: %d/%d encrypted evaluations equal the plaintext computation%n", correct, queries);
        for (AutoCloseable c : new AutoCloseable[] {response, logits, activated, hidden, query, server, evaluation, client}) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return correct == queries ? 0 : 2;
    }

    /** The random integer network and its plaintext reference. */
    static final class Network {
        final long deltaIn;
        final long deltaOut = 1L << 51; // |logit| ≤ 64·3·12 < 2^12: no wrap; noise ≈ 2^47 ≪ Δ/2
        final DenseLayer first;
        final LookupTables relu;
        final DenseLayer second;

        private Network(long deltaIn, DenseLayer first, DenseLayer second) {
            this.deltaIn = deltaIn;
            this.first = first;
            this.second = second;
            long[] table = new long[DOMAIN];
            for (int v = 0; v < DOMAIN; v++) {
                table[v] = Math.max(0, v - OFFSET);
            }
            this.relu = LookupTables.shared(table, deltaOut);
        }

        static Network random(SplittableRandom random, FheParameters params) {
            long deltaIn = params.inputDelta(DOMAIN);
            long[] w1 = new long[INPUTS * HIDDEN];
            for (int j = 0; j < HIDDEN; j++) {
                for (int t = 0; t < 4; t++) { // 4 taps of ±1 on inputs in [0, 3]: |acc| ≤ 12
                    w1[j * INPUTS + random.nextInt(INPUTS)] = random.nextBoolean() ? 1 : -1;
                }
            }
            long[] b1 = new long[HIDDEN];
            Arrays.fill(b1, OFFSET);
            long[] w2 = random.ints((long) HIDDEN * CLASSES, -3, 4).asLongStream().toArray();
            long[] b2 = random.ints(CLASSES, -50, 51).asLongStream().toArray();
            return new Network(deltaIn,
                    new DenseLayer(INPUTS, HIDDEN, w1, b1, deltaIn),
                    new DenseLayer(HIDDEN, CLASSES, w2, b2, 1L << 51));
        }

        long[] plaintext(long[] x) {
            long[] h = first.apply(x);
            for (int j = 0; j < h.length; j++) {
                h[j] = relu.value(j, (int) h[j]);
            }
            return second.apply(h);
        }
    }
}
