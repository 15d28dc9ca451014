package dev.fheml.core.circuit;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.LookupTables;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hand-built circuits for tests: a small MLP (with a ReLU bootstrap), a linear model, and an exact
 * circuit with two bootstrap layers.
 */
final class SmallCircuits {
    static final int INPUTS = 64;
    static final int HIDDEN = 12;
    static final int CLASSES = 4;
    static final int DOMAIN = 32;
    static final int OFFSET = 16;

    private SmallCircuits() {}

    /** 64 → 12 (ReLU through a 32-value table) → 4, inputs in [0, 3]. */
    static Circuit mlp(FheParameters p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long deltaIn = p.inputDelta(DOMAIN);
        long[] w1 = new long[INPUTS * HIDDEN];
        for (int j = 0; j < HIDDEN; j++) {
            for (int t = 0; t < 4; t++) {
                w1[j * INPUTS + r.nextInt(INPUTS)] = r.nextBoolean() ? 1 : -1;
            }
        }
        long[] b1 = new long[HIDDEN];
        java.util.Arrays.fill(b1, OFFSET);
        long[][] tables = new long[HIDDEN][DOMAIN];
        for (int j = 0; j < HIDDEN; j++) {
            for (int v = 0; v < DOMAIN; v++) {
                tables[j][v] = Math.max(0, v - OFFSET) * (1 + j % 3);
            }
        }
        long deltaOut = 1L << 50;
        long[] w2 = r.ints((long) HIDDEN * CLASSES, -3, 4).asLongStream().toArray();
        long[] b2 = r.ints(CLASSES, -20, 21).asLongStream().toArray();
        return new Circuit(p, INPUTS, deltaIn, List.of(
                new Stage.InputDense(new DenseLayer(INPUTS, HIDDEN, w1, b1, deltaIn)),
                new Stage.Bootstrap(LookupTables.perOutput(tables, deltaOut)),
                new Stage.LevelledDense(new DenseLayer(HIDDEN, CLASSES, w2, b2, deltaOut)),
                new Stage.Compact(false, 32)));
    }

    /** Range-reduction window of {@link #rangeReduced}: accumulators outside it read as its ends. */
    static final int WINDOW_LO = 4;
    static final int WINDOW_HI = 9;

    /**
     * 16 inputs in [0, 3] → 8 accumulators acc in [1, 13], computed twice: coarse (acc, inside the
     * 16-value domain) and fine (2·acc − 8, outside the domain for acc ≤ 3 or ≥ 12); a range reduction
     * whose tables give 2·(acc − clamp(acc, 4, 9)) leaves 2·clamp(acc, 4, 9) − 8 in [0, 10]; then one
     * table per output over 16 values. Every read is on a box centre, so FHE equals the simulator.
     */
    static Circuit rangeReduced(FheParameters p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long delta = p.inputDelta(16);
        long[] w = new long[2 * 8 * 16];
        long[] b = new long[2 * 8];
        for (int j = 0; j < 8; j++) {
            for (int t = 0; t < 4; t++) {
                int i = r.nextInt(16);
                w[j * 16 + i] = 1;
                w[(8 + j) * 16 + i] = 2;
            }
            b[j] = 1;
            b[8 + j] = 2 - 8;
        }
        long[][] corrections = new long[8][16];
        long[][] out = new long[8][];
        for (int j = 0; j < 8; j++) {
            for (int v = 0; v < 16; v++) {
                corrections[j][v] = 2L * (v - Math.max(WINDOW_LO, Math.min(WINDOW_HI, v)));
            }
            out[j] = r.ints(16, -3, 4).asLongStream().toArray();
        }
        long deltaOut = 1L << 56; // bootstrap output noise ~2^-15 at level 1, far below Δ/2 = 2^-9
        return new Circuit(p, 16, delta, List.of(
                new Stage.InputDense(new DenseLayer(16, 16, w, b, delta)),
                new Stage.Reduce(LookupTables.perOutput(corrections, delta)),
                new Stage.Bootstrap(LookupTables.perOutput(out, deltaOut)),
                new Stage.Compact(false, 32)));
    }

    /** A linear model: no bootstrap, so FHE must equal the simulator exactly. */
    static Circuit linear(FheParameters p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long delta = 1L << 42;
        long[] w = r.ints((long) INPUTS * CLASSES, -7, 8).asLongStream().toArray();
        long[] b = r.ints(CLASSES, -100, 101).asLongStream().toArray();
        return new Circuit(p, INPUTS, delta, List.of(
                new Stage.InputDense(new DenseLayer(INPUTS, CLASSES, w, b, delta)), new Stage.Compact(false, 32)));
    }

    /**
     * 16 inputs in [0, 3] → 8 (per-output tables over 16) → 6 levelled (one shared table over 16
     * with negative outputs) → 3 levelled. Every table is read on a box centre (boxes of N/16
     * positions against a reading σ of ~5), so FHE equals the noiseless simulator exactly.
     */
    static Circuit twoBootstraps(FheParameters p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long delta = p.inputDelta(16);
        // At most 4 ones per row and bias 1: values in [1, 13], inside the 16-value domain.
        long[] w1 = new long[16 * 8];
        for (int j = 0; j < 8; j++) {
            for (int t = 0; t < 4; t++) {
                w1[j * 16 + r.nextInt(16)] = 1;
            }
        }
        long[] b1 = new long[8];
        java.util.Arrays.fill(b1, 1);
        long[][] t1 = new long[8][];
        for (int j = 0; j < 8; j++) {
            t1[j] = r.ints(16, 0, 4).asLongStream().toArray();
        }
        // At most 3 ones per row, bias ≤ 2: values in [0, 11].
        long[] w2 = new long[8 * 6];
        for (int j = 0; j < 6; j++) {
            for (int t = 0; t < 3; t++) {
                w2[j * 8 + r.nextInt(8)] = 1;
            }
        }
        long[] b2 = r.ints(6, 0, 3).asLongStream().toArray();
        long[] t2 = new long[16];
        for (int v = 0; v < 16; v++) {
            t2[v] = v % 5 - 2;
        }
        long deltaOut = 1L << 56; // |output| ≤ 6·2·2 + 3 < 2^6: no wrap; noise 2^-15 ≪ Δ/2 = 2^-9
        long[] w3 = r.ints(6 * 3, -2, 3).asLongStream().toArray();
        long[] b3 = r.ints(3, -3, 4).asLongStream().toArray();
        return new Circuit(p, 16, delta, List.of(
                new Stage.InputDense(new DenseLayer(16, 8, w1, b1, delta)),
                new Stage.Bootstrap(LookupTables.perOutput(t1, delta)),
                new Stage.LevelledDense(new DenseLayer(8, 6, w2, b2, delta)),
                new Stage.Bootstrap(LookupTables.shared(t2, deltaOut)),
                new Stage.LevelledDense(new DenseLayer(6, 3, w3, b3, deltaOut)),
                new Stage.Compact(false, 32)));
    }

    static long[] input(SplittableRandom r) {
        return r.ints(INPUTS, 0, 4).asLongStream().toArray();
    }
}
