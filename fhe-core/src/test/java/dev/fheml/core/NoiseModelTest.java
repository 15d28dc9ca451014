package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Measures real noise by decrypting and compares it with {@link NoiseModel}'s prediction: every
 * operation within 0.9–1.1 (1024 samples: the standard error of a measured σ is 2.2 %, so the band
 * is 4.5 standard errors wide).
 */
class NoiseModelTest {
    private static final int SAMPLES = 1024;
    private static final double BAND = 1.1;

    private static double stdDev(double[] xs) {
        double mean = 0;
        for (double x : xs) {
            mean += x / xs.length;
        }
        double var = 0;
        for (double x : xs) {
            var += (x - mean) * (x - mean) / xs.length;
        }
        return Math.sqrt(var);
    }

    /** Measured σ must be within 0.9–1.1 of the predicted one. */
    private static void assertClose(String what, double predicted, double measured) {
        double ratio = measured / predicted;
        System.out.printf("%s: predicted sigma %.3g, measured %.3g (ratio %.3f)%n", what, predicted, measured, ratio);
        assertTrue(ratio > 1 / BAND && ratio < BAND,
                what + ": measured sigma " + measured + " vs predicted " + predicted + " (ratio " + ratio + ")");
    }

    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2, FheParameters.PBS_1_1_L1})
    void denseNoiseOnFreshInputs(String name) {
        // 784 inputs pack 2 rows per weight polynomial of N = 2048, 100 inputs pack 20: the packed norm
        // matters (N = 512 holds at most 512 inputs).
        denseNoiseOnFreshInputs(name, Math.min(784, FheParameters.byName(name).polynomialSize()));
        denseNoiseOnFreshInputs(name, 100);
    }

    private static void denseNoiseOnFreshInputs(String name, int inputs) {
        TestKeys.Set k = TestKeys.get(name);
        Random r = new Random(inputs);
        long delta = 1L << 40;
        long[] x = new long[inputs];
        for (int i = 0; i < inputs; i++) {
            x[i] = r.nextInt(16);
        }
        long[] w = new long[SAMPLES * inputs];
        for (int i = 0; i < w.length; i++) {
            w[i] = r.nextInt(31) - 15;
        }
        DenseLayer layer = new DenseLayer(inputs, SAMPLES, w, new long[SAMPLES], delta);
        try (GlweBatch ct = k.client().encrypt(new long[][] {x}, delta); LweBatch out = k.server().dense(ct, layer)) {
            long[] phases = k.client().phases(out)[0];
            long[] expected = layer.apply(x);
            NoiseModel model = new NoiseModel(k.parameters());
            double[] rows = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                rows[j] = layer.rowNormSquared(j);
            }
            double[] packed = model.packedNormsSquared(rows, inputs);
            double meanNorm = 0;
            for (int j = 0; j < SAMPLES; j++) {
                meanNorm += packed[j] / SAMPLES;
            }
            double[] normalized = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                // Rescale each output's error to the mean packed norm so all samples share one σ.
                normalized[j] = Encoding.torusError(phases[j], expected[j], delta) * Math.sqrt(meanNorm / packed[j]);
            }
            assertClose(name + " dense(fresh, " + inputs + " inputs)", Math.sqrt(NoiseModel.denseVariance(model.freshVariance(), meanNorm)),
                    stdDev(normalized));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2, FheParameters.PBS_1_1_L1})
    void bootstrapReadingAndOutputNoise(String name) {
        TestKeys.Set k = TestKeys.get(name);
        FheParameters p = k.parameters();
        int domain = p.polynomialSize();
        long deltaIn = p.inputDelta(domain);
        // One ciphertext holds N values: SAMPLES values in SAMPLES / width queries, a tenth of the
        // table clear of either end.
        int width = Math.min(SAMPLES, domain);
        int margin = domain / 10;
        long[][] values = new long[SAMPLES / width][width];
        for (int j = 0; j < SAMPLES; j++) {
            values[j / width][j % width] = margin + (long) j * (domain - 2 * margin) / SAMPLES;
        }
        long[] identity = new long[domain];
        for (int v = 0; v < domain; v++) {
            identity[v] = v;
        }
        long deltaOut = 1L << 52; // 2^11 values in the half torus; residual window ±2^-13
        try (GlweBatch ct = k.client().encrypt(values, deltaIn);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(width, deltaIn));
                LweBatch out = k.server().bootstrap(lwes, LookupTables.shared(identity, deltaOut))) {
            long[][] phases = k.client().phases(out);
            double[] reading = new double[SAMPLES];
            double[] output = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                long phase = phases[j / width][j % width];
                long read = Encoding.decode(phase, deltaOut);
                reading[j] = read - values[j / width][j % width];
                output[j] = Encoding.torusError(phase, read, deltaOut);
            }
            NoiseModel model = new NoiseModel(p);
            assertClose(name + " bootstrap reading (positions)", model.readingSigmaPositions(model.freshVariance()),
                    stdDev(reading));
            assertClose(name + " bootstrap output (with the FFT term)", Math.sqrt(model.bootstrapOutputVariance()),
                    stdDev(output));
        }
    }

    /** A public-key encryption of zero on LWEs carrying only fresh noise; then a sanitized response. */
    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2, FheParameters.PBS_1_1_L1})
    void rerandomizationNoise(String name) {
        TestKeys.Set k = TestKeys.get(name);
        NoiseModel model = new NoiseModel(k.parameters());
        long delta = 1L << 40;
        int width = 256;
        long[][] x = new long[SAMPLES / width][width];
        double[] errors = new double[SAMPLES];
        try (GlweBatch ct = k.client().encrypt(x, delta);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(width, delta));
                LweBatch fresh = k.server().rerandomize(lwes)) {
            long[][] phases = k.client().phases(fresh);
            for (int q = 0; q < phases.length; q++) {
                for (int j = 0; j < width; j++) {
                    errors[q * width + j] = Encoding.torusError(phases[q][j], 0, delta);
                }
            }
        }
        assertClose(name + " public-key re-randomization",
                Math.sqrt(model.freshVariance() + model.publicKeyEncryptionVariance()), stdDev(errors));
    }

    /**
     * One value per query, so every sample comes from its own GLWE: LWEs extracted from one GLWE
     * share its mask coefficients, hence their rounding errors, which would make 256 samples worth far fewer.
     */
    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2, FheParameters.PBS_1_1_L1})
    void keyswitchNoiseInCompaction(String name) {
        TestKeys.Set k = TestKeys.get(name);
        long delta = 1L << 40;
        long[][] x = new long[SAMPLES][];
        for (int j = 0; j < SAMPLES; j++) {
            x[j] = new long[] {j};
        }
        NoiseModel model = new NoiseModel(k.parameters());
        assertClose(name + " keyswitch + modulus switch", Math.sqrt(model.compactVariance(true, 32)),
                compactionError(k, x, delta, true, 32));
        assertClose(name + " modulus switch to 2^16", Math.sqrt(model.compactVariance(false, 16)),
                compactionError(k, x, delta, false, 16));
    }

    @org.junit.jupiter.api.Test
    void gaussianTailsAreAccurateFarOut() {
        // erfc(t/√2): 1 at 0, 0.3173 at 1, 2.0e-9 at 6, 1.5e-23 at 10; 2^-40 needs 7.14 sigmas.
        assertTrue(Math.abs(NoiseModel.log2Tail(0)) < 1e-12);
        assertTrue(Math.abs(Math.pow(2, NoiseModel.log2Tail(1)) - 0.31731) < 1e-5);
        assertTrue(Math.abs(Math.pow(2, NoiseModel.log2Tail(6)) / 1.97318e-9 - 1) < 1e-4);
        assertTrue(Math.abs(Math.pow(2, NoiseModel.log2Tail(10)) / 1.52397e-23 - 1) < 1e-4);
        double t = NoiseModel.sigmasForTail(-40);
        assertTrue(Math.abs(NoiseModel.log2Tail(t) + 40) < 1e-9 && t > 7.13 && t < 7.15, "t = " + t);
        assertTrue(Math.abs(NoiseModel.log2Sum(-40, -40) + 39) < 1e-12);
    }

    private static double compactionError(TestKeys.Set k, long[][] x, long delta, boolean keyswitch, int bits) {
        try (GlweBatch ct = k.client().encrypt(x, delta);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(1, delta));
                CompactBatch packed = k.server().compact(lwes, keyswitch, bits)) {
            long[][] phases = k.client().phases(packed);
            double[] err = new double[x.length];
            for (int q = 0; q < x.length; q++) {
                err[q] = Encoding.torusError(phases[q][0], x[q][0], delta);
            }
            return stdDev(err);
        }
    }
}
