package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Measures real noise by decrypting and compares it with {@link NoiseModel}'s prediction. */
class NoiseModelTest {
    private static final int SAMPLES = 256;

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

    /** Measured σ must be within a factor 1.5 of the predicted one (256 samples: ±5% sampling error). */
    private static void assertClose(String what, double predicted, double measured) {
        double ratio = measured / predicted;
        System.out.printf("%s: predicted sigma %.3g, measured %.3g (ratio %.2f)%n", what, predicted, measured, ratio);
        assertTrue(ratio > 1 / 1.5 && ratio < 1.5,
                what + ": measured sigma " + measured + " vs predicted " + predicted);
    }

    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2})
    void denseNoiseOnFreshInputs(String name) {
        TestKeys.Set k = TestKeys.get(name);
        Random r = new Random(1);
        int inputs = 784;
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
            double[] normalized = new double[SAMPLES];
            double meanNorm = 0;
            for (int j = 0; j < SAMPLES; j++) {
                meanNorm += layer.rowNormSquared(j) / SAMPLES;
            }
            for (int j = 0; j < SAMPLES; j++) {
                // Rescale each row's error to the mean row norm so all samples share one σ.
                normalized[j] = Encoding.torusError(phases[j], expected[j], delta)
                        * Math.sqrt(meanNorm / layer.rowNormSquared(j));
            }
            NoiseModel model = new NoiseModel(k.parameters());
            assertClose(name + " dense(fresh)", Math.sqrt(NoiseModel.denseVariance(model.freshVariance(), meanNorm)),
                    stdDev(normalized));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1, FheParameters.PBS_L2})
    void bootstrapReadingAndOutputNoise(String name) {
        TestKeys.Set k = TestKeys.get(name);
        FheParameters p = k.parameters();
        int domain = p.polynomialSize();
        long deltaIn = p.inputDelta(domain);
        long[] values = new long[SAMPLES];
        for (int j = 0; j < SAMPLES; j++) {
            values[j] = 200 + 6L * j;
        }
        long[] identity = new long[domain];
        for (int v = 0; v < domain; v++) {
            identity[v] = v;
        }
        long deltaOut = 1L << 52; // 2^11 values in the half torus; residual window ±2^-13
        try (GlweBatch ct = k.client().encrypt(new long[][] {values}, deltaIn);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(SAMPLES, deltaIn));
                LweBatch out = k.server().bootstrap(lwes, LookupTables.shared(identity, deltaOut))) {
            long[] phases = k.client().phases(out)[0];
            double[] reading = new double[SAMPLES];
            double[] output = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                long read = Encoding.decode(phases[j], deltaOut);
                reading[j] = read - values[j];
                output[j] = Encoding.torusError(phases[j], read, deltaOut);
            }
            NoiseModel model = new NoiseModel(p);
            assertClose(name + " bootstrap reading (positions)", model.readingSigmaPositions(model.freshVariance()),
                    stdDev(reading));
            assertClose(name + " bootstrap output", Math.sqrt(model.bootstrapOutputVariance()), stdDev(output));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {FheParameters.PBS_L1})
    void keyswitchNoiseInCompaction(String name) {
        TestKeys.Set k = TestKeys.get(name);
        long delta = 1L << 40;
        long[] x = new long[SAMPLES];
        for (int j = 0; j < SAMPLES; j++) {
            x[j] = j;
        }
        try (GlweBatch ct = k.client().encrypt(new long[][] {x}, delta);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(SAMPLES, delta));
                CompactBatch packed = k.server().compact(lwes, true)) {
            long[] phases = k.client().phases(packed)[0];
            double[] err = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                err[j] = Encoding.torusError(phases[j], x[j], delta);
            }
            NoiseModel model = new NoiseModel(k.parameters());
            assertClose(name + " keyswitch + modulus switch", Math.sqrt(model.compactVariance(true, 32)), stdDev(err));
        }
        try (GlweBatch ct = k.client().encrypt(new long[][] {x}, delta);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(SAMPLES, delta));
                CompactBatch packed = k.server().compact(lwes, false, 16)) {
            long[] phases = k.client().phases(packed)[0];
            double[] err = new double[SAMPLES];
            for (int j = 0; j < SAMPLES; j++) {
                err[j] = Encoding.torusError(phases[j], x[j], delta);
            }
            NoiseModel model = new NoiseModel(k.parameters());
            assertClose(name + " modulus switch to 2^16", Math.sqrt(model.compactVariance(false, 16)), stdDev(err));
        }
    }
}
