package dev.fheml.training.compile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.core.circuit.Stage;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.quant.QuantizedLayer;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Plays a curious client against the bundled breast-cancer logistic regression: from the response to
 * ONE query (any input; a plaintext answer would give one linear equation) it recovers every weight of
 * every class when the response is levelled, because the response's mask is a(X)·W(X) (the query's
 * mask, which the client expanded from its own seed, times the packed weight polynomial), rounded to
 * the compaction's bits: a small-secret LWE instance in 60 unknowns, solved by lattice reduction. The
 * same attack on a sanitized response (saturating output bootstrap, re-randomized under the client's
 * public key) finds nothing: the mask is a fresh pseudo-random one.
 */
class ModelPrivacyTest {
    @Test
    void oneLevelledResponseRevealsEveryWeightAndASanitizedOneDoesNot() throws Exception {
        Dataset data = BundledData.locate().breastCancer();
        // The recipe this test was written with (the image defaults before defaults followed the data).
        QuantizedModel model = new Trainer(TrainingRequest.builder().model(ModelKind.LOGREG).seed(3).threads(2)
                .epochs(30).batchSize(64).learningRate(2e-3).build().trainingConfig(DataShape.of(data, Optional.empty())),
                ProgressListener.silent()).train(data).quantizedModel();
        QuantizedLayer layer = model.outputLayer();
        CompiledModel levelled = new FheCompiler(CompileOptions.defaults().withSanitize(false)).compile(model);
        CompiledModel sanitized = new FheCompiler(CompileOptions.defaults()).compile(model);
        long[] x = IntStream.of(model.input().quantize(data.row(0))).asLongStream().toArray();
        try (ClientKey client = ClientKey.generate(levelled.circuit().parameters());
                EvaluationKey evaluation = client.evaluationKey();
                ServerContext server = ServerContext.expand(evaluation, 0)) {
            long start = System.nanoTime();
            int[] stolen = attack(levelled.circuit(), layer, client, server, x);
            System.out.printf("levelled response: attack %s in %.1f s%n", stolen == null ? "failed" : "recovered "
                    + stolen.length + " weights", (System.nanoTime() - start) / 1e9);
            assertArrayEquals(layer.weights(), stolen, "every weight, from one response");
            int[] nothing = attack(sanitized.circuit(), layer, client, server, x);
            System.out.println("sanitized response: attack " + (nothing == null ? "found no weights"
                    : "found " + Arrays.toString(nothing)));
            assertFalse(nothing != null && Arrays.equals(layer.weights(), nothing), "the sanitized response leaked");
            assertEquals(null, nothing);
        }
    }

    /**
     * The client's side: its query's mask a(X) (expanded from the seed it chose), the response's first
     * ciphertext, the public packing rule (row k's weights reversed at offset k·inputs), the compaction's
     * bit count. Returns the weights (row-major) that explain the whole response mask, or null.
     */
    static int[] attack(Circuit circuit, QuantizedLayer layer, ClientKey client, ServerContext server, long[] x) {
        int n = circuit.parameters().polynomialSize();
        int inputs = layer.inputs();
        int unknowns = inputs * layer.outputs();
        int bits = ((Stage.Compact) circuit.stages().get(circuit.stages().size() - 1)).bits();
        long[] a;
        long[] mask = new long[n];
        try (CompiledCircuit compiled = CompiledCircuit.compile(circuit);
                GlweBatch query = client.encrypt(new long[][] {x}, circuit.inputDelta());
                CompactBatch response = compiled.evaluate(server, query)) {
            a = query.mask(0);
            System.arraycopy(response.coefficients(), 0, mask, 0, n); // output 0 is extracted at degree inputs - 1
        }
        // Undo the sample extraction: mask_i = A_{d-i} for i <= d, -A_{N+d-i} beyond.
        int d = inputs - 1;
        long[] product = new long[n];
        for (int i = 0; i < n; i++) {
            if (i <= d) {
                product[d - i] = mask[i];
            } else {
                product[n + d - i] = -mask[i];
            }
        }
        int shift = 64 - bits;
        // Coefficient j of a(X)·X^p, for the weight at packed position p, on the compaction's grid.
        java.util.function.BiFunction<Integer, Integer, Long> coefficient = (j, t) -> {
            int p = (t / inputs) * inputs + inputs - 1 - (t % inputs);
            long c = j >= p ? a[j - p] : -a[n + j - p];
            return (c + (1L << (shift - 1))) >> shift; // rounded, signed, in units of 2^shift
        };
        int equations = 30;
        long modulus = 1L << bits;
        long kappa = 2;
        long embed = 8;
        int dim = unknowns + equations + 1;
        long[][] basis = new long[dim][dim];
        for (int t = 0; t < unknowns; t++) {
            basis[t][t] = kappa;
            for (int j = 0; j < equations; j++) {
                basis[t][unknowns + j] = Math.floorMod(coefficient.apply(j, t), modulus);
            }
        }
        for (int j = 0; j < equations; j++) {
            basis[unknowns + j][unknowns + j] = modulus;
            basis[dim - 1][unknowns + j] = Math.floorMod(-(product[j] >> shift), modulus);
        }
        basis[dim - 1][dim - 1] = embed;
        Lattice.reduce(basis, 0.99);
        for (long[] row : basis) {
            if (Math.abs(row[dim - 1]) != embed) {
                continue;
            }
            long sign = row[dim - 1] / embed;
            int[] w = new int[unknowns];
            boolean whole = true;
            for (int t = 0; t < unknowns; t++) {
                whole &= row[t] % kappa == 0;
                w[t] = (int) (sign * row[t] / kappa);
            }
            if (whole && explains(w, coefficient, product, shift, modulus, n)) {
                return w;
            }
        }
        return null;
    }

    /** Whether {@code w} reproduces every coefficient of the response mask up to the rounding. */
    private static boolean explains(int[] w, java.util.function.BiFunction<Integer, Integer, Long> coefficient,
            long[] product, int shift, long modulus, int n) {
        long bound = 1;
        for (int v : w) {
            bound += Math.abs(v);
        }
        for (int j = 0; j < n; j++) {
            long predicted = 0;
            for (int t = 0; t < w.length; t++) {
                predicted += w[t] * coefficient.apply(j, t);
            }
            long error = Math.floorMod((product[j] >> shift) - predicted, modulus);
            if (Math.min(error, modulus - error) > bound) {
                return false;
            }
        }
        return true;
    }

    /** Lenstra–Lenstra–Lovász reduction of integer row vectors (floating Gram–Schmidt, exact rows). */
    static final class Lattice {
        private Lattice() {}

        static void reduce(long[][] b, double delta) {
            int d = b.length;
            double[][] mu = new double[d][d];
            double[][] star = new double[d][];
            double[] norm = new double[d];
            gramSchmidt(b, 0, mu, star, norm);
            int k = 1;
            while (k < d) {
                gramSchmidt(b, k, mu, star, norm);
                for (int j = k - 1; j >= 0; j--) {
                    long q = Math.round(mu[k][j]);
                    if (q != 0) {
                        for (int c = 0; c < b[k].length; c++) {
                            b[k][c] -= q * b[j][c];
                        }
                        for (int i = 0; i < j; i++) {
                            mu[k][i] -= q * mu[j][i];
                        }
                        mu[k][j] -= q;
                    }
                }
                gramSchmidt(b, k, mu, star, norm);
                if (norm[k] >= (delta - mu[k][k - 1] * mu[k][k - 1]) * norm[k - 1]) {
                    k++;
                } else {
                    long[] t = b[k];
                    b[k] = b[k - 1];
                    b[k - 1] = t;
                    k = Math.max(k - 1, 1);
                    if (k == 1) {
                        gramSchmidt(b, 0, mu, star, norm);
                    }
                }
            }
        }

        private static void gramSchmidt(long[][] b, int k, double[][] mu, double[][] star, double[] norm) {
            double[] v = new double[b[k].length];
            for (int c = 0; c < v.length; c++) {
                v[c] = b[k][c];
            }
            for (int j = 0; j < k; j++) {
                double dot = 0;
                for (int c = 0; c < v.length; c++) {
                    dot += b[k][c] * star[j][c];
                }
                mu[k][j] = dot / norm[j];
                for (int c = 0; c < v.length; c++) {
                    v[c] -= mu[k][j] * star[j][c];
                }
            }
            star[k] = v;
            double s = 0;
            for (double e : v) {
                s += e * e;
            }
            norm[k] = s;
        }
    }
}
