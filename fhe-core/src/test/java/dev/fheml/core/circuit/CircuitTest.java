package dev.fheml.core.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.TestKeys;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CircuitTest {
    @Test
    void linearCircuitEqualsTheSimulatorExactly() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.linear(k.parameters(), 5);
        assertEquals(0, c.bootstrapCount());
        assertFheEqualsSimulator(k, c, 8, 11);
    }

    @Test
    void mlpCircuitEqualsTheSimulatorOnFixedSeeds() {
        // Boxes of 64 positions against σ ≈ 4.8: a misread has probability < 1e-10 per neuron.
        TestKeys.Set k = TestKeys.l2();
        Circuit c = SmallCircuits.mlp(k.parameters(), 3);
        assertEquals(SmallCircuits.HIDDEN, c.bootstrapCount());
        assertFheEqualsSimulator(k, c, 6, 12);
    }

    private static void assertFheEqualsSimulator(TestKeys.Set k, Circuit c, int queries, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] x = new long[queries][];
        for (int q = 0; q < queries; q++) {
            x[q] = SmallCircuits.input(r);
        }
        CircuitSimulator sim = CircuitSimulator.of(c);
        try (GlweBatch in = k.client().encrypt(x, c.inputDelta());
                CompactBatch out = CircuitEvaluator.evaluate(c, k.server(), in)) {
            long[][] got = k.client().decrypt(out, c.outputDelta());
            for (int q = 0; q < queries; q++) {
                assertArrayEquals(sim.evaluate(x[q]), got[q], "query " + q);
            }
        }
    }

    @Test
    void simulatorFollowsTheTorusIncludingWrapAndNegacyclicReads() {
        TestKeys.Set k = TestKeys.l1();
        long delta = k.parameters().inputDelta(4);
        long[] table = {10, 20, 30, 40};
        Circuit c = new Circuit(k.parameters(), 1, delta, List.of(
                new Stage.InputDense(new DenseLayer(1, 1, new long[] {1}, new long[] {0}, delta)),
                new Stage.Bootstrap(LookupTables.shared(table, 1L << 56)), // |f| ≤ 40; L1 noise 2^-15 ≪ 2^-9
                new Stage.Compact(false, 32)));
        CircuitSimulator sim = CircuitSimulator.of(c);
        assertArrayEquals(new long[] {30}, sim.evaluate(new long[] {2}));
        // Value 5 lies in the negacyclic half: the bootstrap returns -f(5 - 4).
        assertArrayEquals(new long[] {-20}, sim.evaluate(new long[] {5}));
        try (GlweBatch in = k.client().encrypt(new long[][] {{2}, {5}}, delta);
                CompactBatch out = CircuitEvaluator.evaluate(c, k.server(), in)) {
            long[][] got = k.client().decrypt(out, c.outputDelta());
            assertArrayEquals(new long[] {30}, got[0]);
            assertArrayEquals(new long[] {-20}, got[1]);
        }
    }

    @Test
    void saturatingTablesReadTheNearerEndUnderFheAndInTheSimulator() {
        TestKeys.Set k = TestKeys.l1();
        long delta = k.parameters().inputDelta(16);
        long[] table = new long[16];
        for (int v = 0; v < 16; v++) {
            table[v] = Math.max(2, Math.min(9, v - 4)); // flat: 7 values at the bottom, 3 at the top
        }
        LookupTables plain = LookupTables.shared(table, 1L << 56);
        Circuit saturating = oneTable(k, delta, plain.asSaturating());
        Circuit wrapping = oneTable(k, delta, plain);
        long[][] x = {{0}, {7}, {15}, {16}, {22}, {-1}, {-3}};
        long[] expected = {2, 3, 9, 9, 9, 2, 2};
        long[] wrapped = {2, 3, 9, -2, -2, -9, -9};
        try (GlweBatch in = k.client().encrypt(x, delta);
                CompactBatch a = CircuitEvaluator.evaluate(saturating, k.server(), in);
                CompactBatch b = CircuitEvaluator.evaluate(wrapping, k.server(), in)) {
            long[][] got = k.client().decrypt(a, saturating.outputDelta());
            long[][] gotPlain = k.client().decrypt(b, wrapping.outputDelta());
            for (int q = 0; q < x.length; q++) {
                assertEquals(expected[q], got[q][0], "saturating, input " + x[q][0]);
                assertEquals(expected[q], CircuitSimulator.of(saturating).evaluate(x[q])[0]);
                assertEquals(wrapped[q], gotPlain[q][0], "plain, input " + x[q][0]);
                assertEquals(wrapped[q], CircuitSimulator.of(wrapping).evaluate(x[q])[0]);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> LookupTables.shared(table, 3).asSaturating());
        assertEquals(saturating, CircuitCodec.fromJson(CircuitCodec.toJson(saturating)));
        assertNotEquals(CircuitCodec.modelId(saturating), CircuitCodec.modelId(wrapping));
    }

    private static Circuit oneTable(TestKeys.Set k, long delta, LookupTables tables) {
        return new Circuit(k.parameters(), 1, delta, List.of(
                new Stage.InputDense(new DenseLayer(1, 1, new long[] {1}, new long[] {0}, delta)),
                new Stage.Bootstrap(tables), new Stage.Compact(false, 32, true)));
    }

    @Test
    void noisySimulationOnlyMovesValuesByTheReadingNoise() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.mlp(k.parameters(), 9);
        CircuitSimulator sim = CircuitSimulator.of(c);
        long[] x = SmallCircuits.input(new SplittableRandom(1));
        // Boxes of 64 positions: σ = 4.8 never crosses, σ = 400 does.
        assertArrayEquals(sim.evaluate(x), sim.evaluate(x, new Random(1), 4.8));
        boolean changed = false;
        for (int i = 0; i < 20 && !changed; i++) {
            changed = !java.util.Arrays.equals(sim.evaluate(x), sim.evaluate(x, new Random(i), 400));
        }
        assertTrue(changed, "huge reading noise must change some output");
    }

    @Test
    void codecRoundTripsAndTheIdTracksEveryWeight() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.mlp(k.parameters(), 3);
        byte[] json = CircuitCodec.toJson(c);
        Circuit back = CircuitCodec.fromJson(json);
        assertEquals(c, back);
        assertEquals(CircuitCodec.modelId(c), CircuitCodec.modelId(back));
        assertEquals(64, CircuitCodec.modelId(c).length());
        Circuit other = SmallCircuits.mlp(k.parameters(), 4);
        assertNotEquals(CircuitCodec.modelId(c), CircuitCodec.modelId(other));
        String text = new String(json, StandardCharsets.UTF_8);
        String changed = text.replaceFirst("\"weights\":\\[(-?\\d+)", "\"weights\":[99");
        assertNotEquals(text, changed);
        assertNotEquals(CircuitCodec.modelId(c), CircuitCodec.modelId(CircuitCodec.fromJson(changed.getBytes(StandardCharsets.UTF_8))));
    }

    @Test
    void malformedCircuitJsonNamesTheProblem() {
        assertTrue(assertThrows(CircuitFormatException.class, () -> CircuitCodec.fromJson("{".getBytes()))
                .getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(CircuitFormatException.class,
                () -> CircuitCodec.fromJson("{\"formatVersion\":99}".getBytes())).getMessage().contains("version 99"));
        assertTrue(assertThrows(CircuitFormatException.class,
                () -> CircuitCodec.fromJson("{\"formatVersion\":2,\"stages\":[]}".getBytes())).getMessage()
                .contains("missing field 'parameters'"));
    }

    @Test
    void inconsistentCircuitsAreRefused() {
        TestKeys.Set k = TestKeys.l1();
        long d = 1L << 40;
        DenseLayer l = new DenseLayer(2, 3, new long[6], new long[3], d);
        assertThrows(IllegalArgumentException.class, () -> new Circuit(k.parameters(), 2, d, List.of(new Stage.InputDense(l))));
        assertThrows(IllegalArgumentException.class, () -> new Circuit(k.parameters(), 3, d,
                List.of(new Stage.InputDense(l), new Stage.Compact(false, 32))));
        assertThrows(IllegalArgumentException.class, () -> new Circuit(k.parameters(), 2, d, List.of(new Stage.InputDense(l),
                new Stage.LevelledDense(new DenseLayer(2, 1, new long[2], new long[1], d)), new Stage.Compact(false, 32))));
        assertThrows(IllegalArgumentException.class, () -> new Circuit(k.parameters(), 2, d, List.of(new Stage.InputDense(l),
                new Stage.Bootstrap(LookupTables.perOutput(new long[2][4], d)), new Stage.Compact(false, 32))));
        assertEquals(3, new Circuit(k.parameters(), 2, d, List.of(new Stage.InputDense(l), new Stage.Compact(true, 32)))
                .outputWidth());
    }
}
