package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import java.util.Random;

/** Encrypt → evaluate → decrypt equals the plaintext-integer result, on random inputs. */
class EngineProperties {
    // |sum| < 784·255·64 + 10^5 < 2^24, so Δ = 2^38 cannot wrap; noise ~2^27 is far below Δ/2.
    private static final long DELTA = 1L << 38;

    record Case(long[][] x, DenseLayer layer) {}

    @Provide
    Arbitrary<Case> denseCases() {
        Arbitrary<Integer> inputs = Arbitraries.integers().between(1, 784);
        Arbitrary<Integer> outputs = Arbitraries.integers().between(1, 40);
        Arbitrary<Integer> batch = Arbitraries.integers().between(1, 3);
        Arbitrary<Long> seeds = Arbitraries.longs();
        return Combinators.combine(inputs, outputs, batch, seeds).as((in, out, b, seed) -> {
            Random r = new Random(seed);
            long[][] x = new long[b][in];
            for (long[] v : x) {
                for (int i = 0; i < in; i++) {
                    v[i] = r.nextInt(256);
                }
            }
            long[] w = new long[in * out];
            for (int i = 0; i < w.length; i++) {
                w[i] = r.nextInt(129) - 64;
            }
            long[] bias = new long[out];
            for (int j = 0; j < out; j++) {
                bias[j] = r.nextInt(200_001) - 100_000;
            }
            return new Case(x, new DenseLayer(in, out, w, bias, DELTA));
        });
    }

    @Property(tries = 12)
    void denseLayerIsExact(@ForAll("denseCases") Case c) {
        TestKeys.Set k = TestKeys.l1();
        try (GlweBatch ct = k.client().encrypt(c.x(), DELTA); LweBatch out = k.server().dense(ct, c.layer())) {
            long[][] got = k.client().decrypt(out, DELTA);
            for (int q = 0; q < c.x().length; q++) {
                assertArrayEquals(c.layer().apply(c.x()[q]), got[q], "query " + q);
            }
        }
    }

    @Property(tries = 8)
    void levelledLayerAndCompactionAreExact(@ForAll @IntRange(min = 1, max = 784) int inputs,
            @ForAll @IntRange(min = 1, max = 16) int hidden, @ForAll @IntRange(min = 1, max = 12) int outputs,
            @ForAll long seed) {
        TestKeys.Set k = TestKeys.l2();
        Random r = new Random(seed);
        // |logit| < 16·7·784·15·7 < 2^23.2, so Δ = 2^39 cannot wrap, and the compaction's rounding
        // (σ ≈ 2^35 on the 64-bit torus) stays below 0.1 units.
        long delta = 1L << 39;
        long[][] x = {random(r, inputs, 0, 15)};
        DenseLayer first = new DenseLayer(inputs, hidden, random(r, inputs * hidden, -7, 7), random(r, hidden, -99, 99), delta);
        DenseLayer second = new DenseLayer(hidden, outputs, random(r, hidden * outputs, -7, 7), random(r, outputs, -99, 99), delta);
        try (GlweBatch ct = k.client().encrypt(x, delta);
                LweBatch h = k.server().dense(ct, first);
                LweBatch logits = k.server().dense(h, second);
                CompactBatch packed = k.server().compact(logits, false)) {
            assertArrayEquals(second.apply(first.apply(x[0])), k.client().decrypt(packed, delta)[0]);
        }
    }

    private static long[] random(Random r, int n, int lo, int hi) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + r.nextInt(hi - lo + 1);
        }
        return v;
    }

    /** Small domains: boxes of ≥ 128 positions against σ ≈ 5: the table value exactly. */
    @Property(tries = 10)
    void bootstrapAppliesEachTableExactly(@ForAll @IntRange(min = 1, max = 4) int domainLog2,
            @ForAll @IntRange(min = 1, max = 48) int width, @ForAll long seed) {
        assertBootstrap(1 << domainLog2, width, seed, TestKeys.l1(), 0);
    }

    /** Large domains: the bootstrap may read a neighbouring value within the documented tolerance. */
    @Property(tries = 6)
    void bootstrapApproximateRounding(@ForAll @IntRange(min = 5, max = 11) int domainLog2,
            @ForAll @IntRange(min = 1, max = 48) int width, @ForAll long seed) {
        TestKeys.Set k = TestKeys.l1();
        int domain = 1 << domainLog2;
        double sigma = new NoiseModel(k.parameters()).readingSigmaPositions(0);
        int box = k.parameters().polynomialSize() / domain;
        // 6σ of reading noise, in values: a miss beyond that has probability ~1e-9.
        int tolerance = (int) Math.ceil(6 * sigma / box);
        assertBootstrap(domain, width, seed, k, tolerance);
    }

    private static void assertBootstrap(int domain, int width, long seed, TestKeys.Set k, int tolerance) {
        Random r = new Random(seed);
        long[][] tables = new long[width][domain];
        long[] values = new long[width];
        for (int j = 0; j < width; j++) {
            for (int v = 0; v < domain; v++) {
                tables[j][v] = r.nextInt(1001) - 500;
            }
            // Keep clear of the domain's ends, where noise would wrap (the compiler's margin).
            values[j] = tolerance + r.nextInt(domain - 2 * tolerance);
        }
        long deltaIn = k.parameters().inputDelta(domain);
        long deltaOut = 1L << 53; // |f| ≤ 500 < 2^9; level-1 output noise σ ≈ 2^-15 ≪ Δ/2 = 2^-12
        LookupTables luts = LookupTables.perOutput(tables, deltaOut);
        try (GlweBatch ct = k.client().encrypt(new long[][] {values}, deltaIn);
                LweBatch lwes = k.server().dense(ct, TestKeys.identity(width, deltaIn));
                LweBatch out = k.server().bootstrap(lwes, luts)) {
            long[] got = k.client().decrypt(out, deltaOut)[0];
            for (int j = 0; j < width; j++) {
                boolean found = false;
                for (long v = Math.max(0, values[j] - tolerance); v <= Math.min(domain - 1, values[j] + tolerance); v++) {
                    found |= got[j] == tables[j][(int) v];
                }
                assertTrue(found, "output " + j + ": value " + values[j] + " of domain " + domain + " read "
                        + got[j] + ", table says " + tables[j][(int) values[j]] + " (tolerance " + tolerance + ")");
            }
        }
    }

    @Property(tries = 5)
    void serializationRoundTrips(@ForAll("denseCases") Case c) {
        TestKeys.Set k = TestKeys.l1();
        FheParameters p = k.parameters();
        try (GlweBatch ct = k.client().encrypt(c.x(), DELTA);
                GlweBatch ct2 = GlweBatch.fromBytes(p, ct.toBytes(), SizeLimits.CIPHERTEXT_BATCH);
                LweBatch out = k.server().dense(ct2, c.layer());
                LweBatch out2 = LweBatch.fromBytes(p, out.toBytes(), SizeLimits.CIPHERTEXT_BATCH);
                CompactBatch packed = k.server().compact(out2, true);
                CompactBatch packed2 = CompactBatch.fromBytes(p, packed.toBytes(), SizeLimits.CIPHERTEXT_BATCH)) {
            assertArrayEquals(ct.toBytes(), ct2.toBytes());
            assertArrayEquals(out.toBytes(), out2.toBytes());
            assertArrayEquals(packed.toBytes(), packed2.toBytes());
            assertEquals(c.x().length, out2.count());
            assertEquals(c.layer().outputs(), out2.width());
            assertArrayEquals(k.client().decrypt(out, DELTA)[0], k.client().decrypt(out2, DELTA)[0]);
        }
    }
}
