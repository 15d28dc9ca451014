package dev.fheml.core.circuit;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.LookupTables;
import java.util.List;
import java.util.SplittableRandom;

/** Hand-built circuits for tests: a small MLP (with a ReLU bootstrap) and a linear model. */
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
        return new Circuit(p.name(), INPUTS, deltaIn, List.of(
                new Stage.InputDense(new DenseLayer(INPUTS, HIDDEN, w1, b1, deltaIn)),
                new Stage.Bootstrap(LookupTables.perOutput(tables, deltaOut)),
                new Stage.LevelledDense(new DenseLayer(HIDDEN, CLASSES, w2, b2, deltaOut)),
                new Stage.Compact(false, 32)));
    }

    /** A linear model: no bootstrap, so FHE must equal the simulator exactly. */
    static Circuit linear(FheParameters p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long delta = 1L << 42;
        long[] w = r.ints((long) INPUTS * CLASSES, -7, 8).asLongStream().toArray();
        long[] b = r.ints(CLASSES, -100, 101).asLongStream().toArray();
        return new Circuit(p.name(), INPUTS, delta, List.of(
                new Stage.InputDense(new DenseLayer(INPUTS, CLASSES, w, b, delta)), new Stage.Compact(false, 32)));
    }

    static long[] input(SplittableRandom r) {
        return r.ints(INPUTS, 0, 4).asLongStream().toArray();
    }
}
