package dev.fheml.core.circuit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.Encoding;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.LweBatch;
import dev.fheml.core.TestKeys;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Two models that give the same output on a query: are their responses' decrypted noise
 * distributions distinguishable? Today's levelled output carries the output row's norm in its noise
 * (a two-sample Kolmogorov–Smirnov test tells them apart); a sanitized output (saturating output
 * bootstrap, then re-randomization under the client's public key) does not.
 */
class ResponsePrivacyTest {
    private static final int QUERIES = 1000;
    /** Output values live on a 64-value table's input scale, so the output bootstrap can re-read them. */
    private static final int OUT_DOMAIN = 64;

    /**
     * 2 inputs → 2 hidden (ReLU over 16) → 1 output. Both models share the hidden layer; the query
     * leaves hidden neuron 1 at 0, so model B's extra weight on it changes nothing but the row's norm.
     */
    private static final long[] ROW_A = {5, 0};
    private static final long[] ROW_B = {5, 12};

    @Test
    void sanitizedResponsesHideWhatLevelledResponsesShow() {
        TestKeys.Set k = TestKeys.l1();
        long deltaIn = k.parameters().inputDelta(16);
        long deltaOut = k.parameters().inputDelta(OUT_DOMAIN);
        long[] relu = new long[16];
        for (int v = 0; v < 16; v++) {
            relu[v] = Math.max(0, v - 8);
        }
        DenseLayer hidden = new DenseLayer(2, 2, new long[] {1, 0, 0, 1}, new long[] {8, 8}, deltaIn);
        LookupTables act = LookupTables.shared(relu, deltaOut).asSaturating();
        long[][] x = new long[QUERIES][];
        Arrays.fill(x, new long[] {3, -5}); // hidden (3, 0): both models output 15
        long[] clamped = new long[OUT_DOMAIN];
        for (int v = 0; v < OUT_DOMAIN; v++) {
            clamped[v] = Math.min(v, 40);
        }
        // The same output table for both models, as the compiler makes one from the shared output range.
        LookupTables out = LookupTables.shared(clamped, 1L << 56).asSaturating();
        try (GlweBatch in = k.client().encrypt(x, deltaIn);
                LweBatch h = k.server().dense(in, hidden);
                LweBatch a = k.server().bootstrap(h, act)) {
            double[][] levelled = new double[2][];
            long[][] rows = {ROW_A, ROW_B};
            for (int m = 0; m < 2; m++) {
                // Today: the levelled output, compacted at 32 bits (its rounding far below the noise).
                try (LweBatch logits = k.server().dense(a, new DenseLayer(2, 1, rows[m], new long[1], deltaOut));
                        CompactBatch today = k.server().compact(logits, false, 32)) {
                    levelled[m] = noise(k, today, deltaOut, 15);
                }
            }
            double today = ksPValue(levelled[0], levelled[1]);
            // Under the null hypothesis p is uniform: a second independent sample is drawn only when the
            // first lands in the 1 % tail, so the test fails by chance once in 10^4 runs, not once in 100.
            double now = sanitizedPValue(k, a, out, deltaOut);
            if (now <= 0.01) {
                now = sanitizedPValue(k, a, out, deltaOut);
            }
            System.out.printf("KS p-value over %d queries, levelled responses: %.3g; sanitized responses: %.3g%n",
                    QUERIES, today, now);
            assertTrue(today < 1e-6, "today's responses must be distinguishable: p = " + today);
            assertTrue(now > 0.01, "sanitized responses must not be: p = " + now);
        }
    }

    /** Both models' sanitized responses: the output re-read by a saturating bootstrap, re-randomized. */
    private static double sanitizedPValue(TestKeys.Set k, LweBatch hidden, LookupTables out, long deltaOut) {
        double[][] noise = new double[2][];
        long[][] rows = {ROW_A, ROW_B};
        for (int m = 0; m < 2; m++) {
            try (LweBatch logits = k.server().dense(hidden, new DenseLayer(2, 1, rows[m], new long[1], deltaOut));
                    LweBatch reread = k.server().bootstrap(logits, out);
                    CompactBatch response = k.server().compact(reread, false, 32, true)) {
                noise[m] = noise(k, response, out.deltaOut(), 15);
            }
        }
        return ksPValue(noise[0], noise[1]);
    }

    /**
     * Decrypted noise of every query's single output: phase − v·Δ for the value v it decodes to (15, or
     * a neighbour when the output bootstrap misread, which the noise does not depend on).
     */
    private static double[] noise(TestKeys.Set k, CompactBatch batch, long delta, long value) {
        long[][] phases = k.client().phases(batch);
        double[] e = new double[phases.length];
        for (int q = 0; q < phases.length; q++) {
            long v = Encoding.decode(phases[q][0], delta);
            assertTrue(Math.abs(v - value) <= 1, "query " + q + " decoded " + v);
            e[q] = Encoding.torusError(phases[q][0], v, delta);
        }
        return e;
    }

    /** Two-sample Kolmogorov–Smirnov test: the asymptotic p-value of the largest CDF gap. */
    static double ksPValue(double[] a, double[] b) {
        double[] x = a.clone();
        double[] y = b.clone();
        Arrays.sort(x);
        Arrays.sort(y);
        int i = 0;
        int j = 0;
        double d = 0;
        while (i < x.length && j < y.length) {
            double v = Math.min(x[i], y[j]);
            while (i < x.length && x[i] <= v) {
                i++;
            }
            while (j < y.length && y[j] <= v) {
                j++;
            }
            d = Math.max(d, Math.abs((double) i / x.length - (double) j / y.length));
        }
        double n = Math.sqrt((double) x.length * y.length / (x.length + y.length));
        double lambda = (n + 0.12 + 0.11 / n) * d;
        double p = 0;
        for (int t = 1; t <= 100; t++) {
            p += 2 * Math.pow(-1, t - 1) * Math.exp(-2 * t * t * lambda * lambda);
        }
        return Math.max(0, Math.min(1, p));
    }
}
