package dev.fheml.core.circuit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.EvaluationPool;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.LookupTables;
import dev.fheml.core.LweBatch;
import dev.fheml.core.ParameterMismatchException;
import dev.fheml.core.ServerContext;
import dev.fheml.core.TestKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class CompiledCircuitTest {
    private static long[][] inputs(int queries, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] x = new long[queries][];
        for (int q = 0; q < queries; q++) {
            x[q] = r.ints(16, 0, 4).asLongStream().toArray();
        }
        return x;
    }

    @Test
    void compiledEvaluationEqualsTheSimulatorAndThePerStagePathExactly() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.twoBootstraps(k.parameters(), 21);
        assertEquals(8 + 6, c.bootstrapCount());
        long[][] x = inputs(4, 22);
        CircuitSimulator sim = CircuitSimulator.of(c);
        try (CompiledCircuit compiled = CompiledCircuit.compile(c);
                GlweBatch in = k.client().encrypt(x, c.inputDelta());
                CompactBatch fast = compiled.evaluate(k.server(), in);
                CompactBatch slow = CircuitEvaluator.evaluate(c, k.server(), in)) {
            assertEquals(4, fast.count());
            assertEquals(3, fast.width());
            long[][] got = k.client().decrypt(fast, c.outputDelta());
            boolean someNegative = false;
            for (int q = 0; q < x.length; q++) {
                assertArrayEquals(sim.evaluate(x[q]), got[q], "query " + q);
                for (long v : got[q]) {
                    someNegative |= v < 0;
                }
            }
            assertTrue(someNegative, "the circuit should exercise negative values");
            // Same operations in the same order: the very same ciphertexts, not only the same plaintexts.
            assertArrayEquals(slow.toBytes(), fast.toBytes());
            assertArrayEquals(k.client().decrypt(slow, c.outputDelta()), got);
        }
    }

    @Test
    void rangeReductionMovesWrappedAccumulatorsIntoTheirWindowUnderFhe() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.rangeReduced(k.parameters(), 31);
        assertEquals(8 + 8, c.bootstrapCount(), "one correction and one table read per neuron");
        assertEquals(8, c.outputWidth());
        long[][] x = inputs(12, 32);
        Stage.InputDense first = (Stage.InputDense) c.stages().get(0);
        LookupTables out = ((Stage.Bootstrap) c.stages().get(2)).tables();
        CircuitSimulator sim = CircuitSimulator.of(c);
        int wrapped = 0;
        try (CompiledCircuit compiled = CompiledCircuit.compile(c);
                GlweBatch in = k.client().encrypt(x, c.inputDelta());
                CompactBatch fast = compiled.evaluate(k.server(), in);
                CompactBatch slow = CircuitEvaluator.evaluate(c, k.server(), in)) {
            long[][] got = k.client().decrypt(fast, c.outputDelta());
            for (int q = 0; q < x.length; q++) {
                long[] acc = first.layer().apply(x[q]);
                for (int j = 0; j < 8; j++) {
                    long clamped = Math.max(SmallCircuits.WINDOW_LO, Math.min(SmallCircuits.WINDOW_HI, acc[j]));
                    assertEquals(out.value(j, (int) (2 * clamped - 8)), got[q][j], "query " + q + ", neuron " + j);
                    wrapped += acc[8 + j] < 0 || acc[8 + j] >= 16 ? 1 : 0; // outside the table's half of the torus
                }
                assertArrayEquals(sim.evaluate(x[q]), got[q], "query " + q);
            }
            assertArrayEquals(slow.toBytes(), fast.toBytes(), "the per-stage path computes the same ciphertexts");
        }
        assertTrue(wrapped > 0, "some fine accumulators should leave the domain (and be brought back)");
    }

    @Test
    void aRangeReductionNeedsTwoValuesPerNeuronAndPlainCorrectionsAtTheIncomingDelta() {
        TestKeys.Set k = TestKeys.l1();
        Circuit good = SmallCircuits.rangeReduced(k.parameters(), 33);
        List<Stage> stages = good.stages();
        LookupTables corrections = ((Stage.Reduce) stages.get(1)).tables();
        long[][] three = new long[3][16];
        IllegalArgumentException wrongWidth = assertThrows(IllegalArgumentException.class, () -> new Circuit(
                k.parameters(), 16, good.inputDelta(), List.of(stages.get(0),
                        new Stage.Reduce(LookupTables.perOutput(three, good.inputDelta())), stages.get(3))));
        assertTrue(wrongWidth.getMessage().contains("reduces 3 neurons but has 16 values"), wrongWidth.getMessage());
        IllegalArgumentException wrongDelta = assertThrows(IllegalArgumentException.class, () -> new Circuit(
                k.parameters(), 16, good.inputDelta(), List.of(stages.get(0),
                        new Stage.Reduce(LookupTables.fromFlat(16, 8, corrections.flatValues(), 1L << 50)),
                        stages.get(2), stages.get(3))));
        assertTrue(wrongDelta.getMessage().contains("corrections keep the incoming delta"), wrongDelta.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Stage.Reduce(corrections.asSaturating()));
        // The circuit format carries it (version 3, only when a reduction is present).
        Circuit back = CircuitCodec.fromJson(CircuitCodec.toJson(good));
        assertEquals(good, back);
        assertTrue(new String(CircuitCodec.toJson(good), java.nio.charset.StandardCharsets.UTF_8)
                .contains("\"formatVersion\":3"));
    }

    @Test
    void compiledMlpMatchesThePerStagePathBitForBit() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.mlp(k.parameters(), 5);
        SplittableRandom r = new SplittableRandom(6);
        long[][] x = {SmallCircuits.input(r), SmallCircuits.input(r)};
        try (CompiledCircuit compiled = CompiledCircuit.compile(c);
                GlweBatch in = k.client().encrypt(x, c.inputDelta());
                CompactBatch fast = compiled.evaluate(k.server(), in);
                CompactBatch again = compiled.evaluate(k.server(), in);
                CompactBatch slow = CircuitEvaluator.evaluate(c, k.server(), in)) {
            assertArrayEquals(slow.toBytes(), fast.toBytes());
            assertArrayEquals(fast.toBytes(), again.toBytes(), "a compiled circuit is reusable");
        }
    }

    @Test
    void aCircuitForAnotherParameterSetIsRefused() {
        TestKeys.Set l1 = TestKeys.l1();
        Circuit forL2 = SmallCircuits.twoBootstraps(TestKeys.l2().parameters(), 1);
        try (CompiledCircuit compiled = CompiledCircuit.compile(forL2);
                GlweBatch in = l1.client().encrypt(inputs(1, 2), forL2.inputDelta())) {
            assertThrows(ParameterMismatchException.class, () -> compiled.evaluate(l1.server(), in));
            assertThrows(ParameterMismatchException.class, () -> compiled.evaluate(TestKeys.l2().server(), in));
        }
    }

    @Test
    void compilationChecksWhatNeedsTheParameterSet() {
        TestKeys.Set k = TestKeys.l1();
        long delta = k.parameters().inputDelta(16);
        DenseLayer layer = TestKeys.identity(2, delta);
        Stage.Compact compact = new Stage.Compact(false, 32);
        Circuit domain12 = new Circuit(k.parameters(), 2, delta, List.of(new Stage.InputDense(layer),
                new Stage.Bootstrap(LookupTables.shared(new long[12], 1L << 50)), compact));
        assertThrows(IllegalArgumentException.class, () -> CompiledCircuit.compile(domain12));
        Circuit negativeOut = new Circuit(k.parameters(), 2, delta, List.of(new Stage.InputDense(layer),
                new Stage.Bootstrap(LookupTables.shared(new long[16], -1)), compact));
        assertThrows(IllegalArgumentException.class, () -> CompiledCircuit.compile(negativeOut));
        int n = k.parameters().polynomialSize();
        Circuit tooLong = new Circuit(k.parameters(), n + 1, delta,
                List.of(new Stage.InputDense(TestKeys.identity(n + 1, delta)), compact));
        assertThrows(IllegalArgumentException.class, () -> CompiledCircuit.compile(tooLong));
        // An unknown parameter set cannot even be named in a circuit: the type is resolved by name first.
        assertThrows(IllegalArgumentException.class, () -> FheParameters.byName("NO_SUCH_SET"));
    }

    @Test
    void evaluatingWithAClosedPoolContextOrCircuitThrows() {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.twoBootstraps(k.parameters(), 3);
        try (CompiledCircuit compiled = CompiledCircuit.compile(c);
                GlweBatch in = k.client().encrypt(inputs(1, 4), c.inputDelta())) {
            EvaluationPool pool = EvaluationPool.create(0);
            ServerContext context = ServerContext.expand(k.evaluation(), pool);
            ServerContext other = ServerContext.expand(k.evaluation(), pool);
            compiled.evaluate(context, in).close();
            context.close();
            assertThrows(IllegalStateException.class, () -> compiled.evaluate(context, in));
            pool.close();
            assertThrows(IllegalStateException.class, () -> compiled.evaluate(other, in));
            DenseLayer first = ((Stage.InputDense) c.stages().get(0)).layer();
            assertThrows(IllegalStateException.class, () -> other.dense(in, first));
            assertThrows(IllegalStateException.class, () -> ServerContext.expand(k.evaluation(), pool));
            assertThrows(IllegalStateException.class, pool::threads);
            other.close(); // frees the key and, as the last user, the pool's threads
        }
        CompiledCircuit closed = CompiledCircuit.compile(c);
        closed.close();
        try (GlweBatch in = k.client().encrypt(inputs(1, 5), c.inputDelta())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> closed.evaluate(k.server(), in));
            assertTrue(e.getMessage().contains("CompiledCircuit is closed"), e.getMessage());
        }
    }

    @Test
    void twoContextsOnOnePoolEvaluateConcurrently() throws Exception {
        TestKeys.Set k = TestKeys.l1();
        Circuit c = SmallCircuits.twoBootstraps(k.parameters(), 8);
        CircuitSimulator sim = CircuitSimulator.of(c);
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (EvaluationPool pool = EvaluationPool.create(2);
                ServerContext a = ServerContext.expand(k.evaluation(), pool);
                ServerContext b = ServerContext.expand(k.evaluation(), pool);
                CompiledCircuit compiled = CompiledCircuit.compile(c)) {
            assertEquals(2, pool.threads());
            assertEquals(2, a.threads());
            List<Future<long[][]>> results = new ArrayList<>();
            List<long[][]> queries = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                long[][] x = inputs(2, 100 + t);
                ServerContext server = t % 2 == 0 ? a : b;
                queries.add(x);
                results.add(callers.submit(() -> {
                    try (GlweBatch in = k.client().encrypt(x, c.inputDelta());
                            CompactBatch out = compiled.evaluate(server, in);
                            LweBatch first = server.dense(in, ((Stage.InputDense) c.stages().get(0)).layer())) {
                        first.width(); // a per-stage operation interleaved with compiled evaluations
                        return k.client().decrypt(out, c.outputDelta());
                    }
                }));
            }
            for (int t = 0; t < results.size(); t++) {
                long[][] got = results.get(t).get();
                for (int q = 0; q < 2; q++) {
                    assertArrayEquals(sim.evaluate(queries.get(t)[q]), got[q], "task " + t + " query " + q);
                }
            }
        } finally {
            callers.shutdown();
        }
    }
}
