package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.core.circuit.Stage;
import dev.fheml.core.internal.Native;
import dev.fheml.core.internal.NativeHandle;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed input raises its own exception class, and the engine keeps working after. */
class NativeErrorsTest {
    private static final long DELTA = 1L << 40;

    /** A circuit without bootstrap: cheap to compile and evaluate, exact. */
    private static Circuit linear(FheParameters p, int width) {
        return new Circuit(p, width, DELTA,
                List.of(new Stage.InputDense(TestKeys.identity(width, DELTA)), new Stage.Compact(false, 32)));
    }

    static Stream<Arguments> badInputs() {
        TestKeys.Set k = TestKeys.l1();
        TestKeys.Set other = TestKeys.l2();
        FheParameters p = k.parameters();
        GlweBatch ct = k.client().encrypt(new long[][] {{1, 2, 3}}, DELTA);
        byte[] good = ct.toBytes();
        LweBatch lwes = k.server().dense(ct, TestKeys.identity(3, DELTA));
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x5A;
        flipped[8] ^= 0x11;
        GlweBatch closed = k.client().encrypt(new long[][] {{1}}, DELTA);
        closed.close();
        EvaluationPool closedPool = EvaluationPool.create(1);
        closedPool.close();
        CompiledCircuit compiled = CompiledCircuit.compile(linear(p, 3));
        CompiledCircuit closedCircuit = CompiledCircuit.compile(linear(p, 3));
        closedCircuit.close();
        CompiledCircuit forL2 = CompiledCircuit.compile(linear(other.parameters(), 3));
        long[] eye = TestKeys.identity(3, DELTA).weights();
        return Stream.of(
                Arguments.of("unknown parameter set", IllegalArgumentException.class,
                        (Executable) () -> FheParameters.byName("PARAM_DOES_NOT_EXIST")),
                Arguments.of("vector longer than N", IllegalArgumentException.class,
                        (Executable) () -> k.client().encrypt(new long[][] {new long[p.polynomialSize() + 1]}, DELTA)),
                Arguments.of("empty vector", IllegalArgumentException.class,
                        (Executable) () -> k.client().encrypt(new long[][] {{}}, DELTA)),
                Arguments.of("ragged batch", IllegalArgumentException.class,
                        (Executable) () -> k.client().encrypt(new long[][] {{1, 2}, {1}}, DELTA)),
                Arguments.of("zero outputs", IllegalArgumentException.class,
                        (Executable) () -> new DenseLayer(3, 0, new long[0], new long[0], DELTA)),
                Arguments.of("negative inputs", IllegalArgumentException.class,
                        (Executable) () -> new DenseLayer(-3, 1, new long[0], new long[1], DELTA)),
                Arguments.of("weights of wrong length", IllegalArgumentException.class,
                        (Executable) () -> new DenseLayer(3, 2, new long[5], new long[2], DELTA)),
                Arguments.of("layer wider than the batch", IllegalArgumentException.class,
                        (Executable) () -> k.server().dense(lwes, TestKeys.identity(4, DELTA))),
                Arguments.of("more inputs than N", IllegalArgumentException.class,
                        (Executable) () -> k.server().dense(ct, TestKeys.identity(p.polynomialSize() + 1, DELTA))),
                Arguments.of("table domain not a power of two", IllegalArgumentException.class,
                        (Executable) () -> k.server().bootstrap(lwes, LookupTables.shared(new long[12], DELTA))),
                Arguments.of("wrong number of tables", IllegalArgumentException.class,
                        (Executable) () -> k.server().bootstrap(lwes, LookupTables.perOutput(new long[2][16], DELTA))),
                Arguments.of("truncated bytes", FheFormatException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, Arrays.copyOf(good, good.length - 100), 1 << 20)),
                Arguments.of("empty bytes", FheFormatException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, new byte[0], 1 << 20)),
                Arguments.of("corrupted bytes", FheFormatException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, flipped, 1 << 20)),
                Arguments.of("bytes over the limit", FheFormatException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, good, 1000)),
                Arguments.of("bytes of another type", FheFormatException.class,
                        (Executable) () -> LweBatch.fromBytes(p, good, 1 << 20)),
                Arguments.of("ciphertext from another parameter set", ParameterMismatchException.class,
                        (Executable) () -> GlweBatch.fromBytes(other.parameters(), good, 1 << 20)),
                Arguments.of("evaluation key from another parameter set", ParameterMismatchException.class,
                        (Executable) () -> EvaluationKey.fromBytes(p, other.evaluation().toBytes(), SizeLimits.EVALUATION_KEY)),
                Arguments.of("ciphertext under another server's parameters", ParameterMismatchException.class,
                        (Executable) () -> other.server().dense(ct, TestKeys.identity(3, DELTA))),
                Arguments.of("secret key from another parameter set", ParameterMismatchException.class,
                        (Executable) () -> ClientKey.fromBytes(p, other.client().toBytes())),
                Arguments.of("null bytes", NullPointerException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, null, 1 << 20)),
                Arguments.of("non-positive size limit", IllegalArgumentException.class,
                        (Executable) () -> GlweBatch.fromBytes(p, good, 0)),
                Arguments.of("closed handle", IllegalStateException.class,
                        (Executable) () -> k.server().dense(closed, TestKeys.identity(1, DELTA))),
                Arguments.of("negative thread count", IllegalArgumentException.class,
                        (Executable) () -> ServerContext.expand(k.evaluation(), -1)),
                // A Δ is positive: a negative long must not be read as a huge unsigned scale.
                Arguments.of("negative delta to encrypt", IllegalArgumentException.class,
                        (Executable) () -> k.client().encrypt(new long[][] {{1}}, -DELTA)),
                Arguments.of("zero delta to encrypt", IllegalArgumentException.class,
                        (Executable) () -> k.client().encrypt(new long[][] {{1}}, 0)),
                Arguments.of("negative delta of a dense layer", IllegalArgumentException.class,
                        (Executable) () -> k.server().dense(ct, new DenseLayer(3, 3, eye, new long[3], -DELTA))),
                Arguments.of("negative delta of a levelled layer", IllegalArgumentException.class,
                        (Executable) () -> k.server().dense(lwes, new DenseLayer(3, 3, eye, new long[3], -1))),
                Arguments.of("negative output delta of a bootstrap", IllegalArgumentException.class,
                        (Executable) () -> k.server().bootstrap(lwes, LookupTables.shared(new long[16], -1))),
                // EvaluationPool
                Arguments.of("negative pool size", IllegalArgumentException.class,
                        (Executable) () -> EvaluationPool.create(-1)),
                Arguments.of("pool of more than 1024 threads", IllegalArgumentException.class,
                        (Executable) () -> EvaluationPool.create(1025)),
                Arguments.of("closed pool", IllegalStateException.class,
                        (Executable) () -> ServerContext.expand(k.evaluation(), closedPool)),
                Arguments.of("null pool handle", NullPointerException.class,
                        (Executable) () -> k.evaluation().withHandle(e -> Native.ServerKey_expand(e, 0))),
                Arguments.of("pool handle of another type", IllegalStateException.class,
                        (Executable) () -> k.evaluation().withHandle(
                                e -> ct.withHandle(b -> Native.ServerKey_expand(e, b)))),
                Arguments.of("pool threads of another handle type", IllegalStateException.class,
                        (Executable) () -> ct.withHandle(Native::EvaluationPool_threads)),
                // CompiledCircuit
                Arguments.of("closed compiled circuit", IllegalStateException.class,
                        (Executable) () -> closedCircuit.evaluate(k.server(), ct)),
                Arguments.of("compiled circuit on another parameter set", ParameterMismatchException.class,
                        (Executable) () -> forL2.evaluate(k.server(), ct)),
                Arguments.of("compiled circuit on another parameter set, natively", ParameterMismatchException.class,
                        evaluate(forL2, k.server(), ct)),
                Arguments.of("null compiled circuit handle", NullPointerException.class,
                        (Executable) () -> k.server().withHandle(
                                s -> ct.withHandle(b -> Native.CompiledCircuit_evaluate(0, s, b)))),
                Arguments.of("null server key for a compiled circuit", NullPointerException.class,
                        (Executable) () -> compiled.withHandle(
                                c -> ct.withHandle(b -> Native.CompiledCircuit_evaluate(c, 0, b)))),
                Arguments.of("compiled circuit handle of another type", IllegalStateException.class,
                        evaluate(ct, k.server(), ct)),
                Arguments.of("LWE batch as a compiled circuit's input", IllegalStateException.class,
                        evaluate(compiled, k.server(), lwes)),
                Arguments.of("compiling for an unknown parameter set", IllegalArgumentException.class,
                        (Executable) () -> Native.CompiledCircuit_compile("NO_SUCH_SET", 1, new long[][] {COMPACT})),
                Arguments.of("compiling null stages", NullPointerException.class,
                        (Executable) () -> Native.CompiledCircuit_compile(p.name(), 1, null)),
                Arguments.of("compiling a null stage", NullPointerException.class, compile(1, ONE_BY_ONE, null)),
                Arguments.of("compiling an unknown stage kind", IllegalArgumentException.class,
                        compile(1, ONE_BY_ONE, new long[] {9, 0, 0, 1})),
                Arguments.of("compiling a truncated stage", IllegalArgumentException.class,
                        compile(1, new long[] {0, 1, 1, 1, 1}, COMPACT)),
                Arguments.of("compiling a negative delta", IllegalArgumentException.class,
                        compile(1, new long[] {0, 1, 1, -1, 1, 0}, COMPACT)),
                Arguments.of("compiling widths that do not chain", IllegalArgumentException.class,
                        compile(1, ONE_BY_ONE, new long[] {2, 2, 1, 1, 1, 1, 0}, COMPACT)),
                Arguments.of("compiling a table domain of 12", IllegalArgumentException.class,
                        compile(1, ONE_BY_ONE, Arrays.copyOf(new long[] {1, 12, 1, 1}, 4 + 12), COMPACT)),
                Arguments.of("compiling a negative input length", IllegalArgumentException.class,
                        compile(-1, ONE_BY_ONE, COMPACT)),
                // Saturating tables, re-randomization, the public key, client-side inspection
                Arguments.of("compiling a compaction with a re-randomize flag of 2", IllegalArgumentException.class,
                        compile(1, ONE_BY_ONE, new long[] {3, 0, 32, 2})),
                Arguments.of("compiling a saturating table with an odd output delta", IllegalArgumentException.class,
                        compile(1, ONE_BY_ONE, Arrays.copyOf(new long[] {4, 16, 1, 3}, 4 + 16), COMPACT)),
                Arguments.of("saturating table with an odd output delta", IllegalArgumentException.class,
                        (Executable) () -> k.server().withHandle(s -> lwes.withHandle(
                                b -> Native.ServerKey_ksPbs(s, b, new long[16], 16, 3, true)))),
                Arguments.of("saturating table with an odd output delta, in Java", IllegalArgumentException.class,
                        (Executable) () -> LookupTables.shared(new long[16], 3).asSaturating()),
                Arguments.of("re-randomizing a batch of another type", IllegalStateException.class,
                        (Executable) () -> k.server().withHandle(s -> ct.withHandle(
                                b -> Native.ServerKey_rerandomize(s, b)))),
                Arguments.of("re-randomizing with a null server key", NullPointerException.class,
                        (Executable) () -> lwes.withHandle(b -> Native.ServerKey_rerandomize(0, b))),
                Arguments.of("re-randomized compaction to 40 bits", IllegalArgumentException.class,
                        (Executable) () -> k.server().compact(lwes, false, 40, true)),
                Arguments.of("public key size of a null handle", NullPointerException.class,
                        (Executable) () -> Native.EvaluationKey_publicKeyBytes(0)),
                Arguments.of("public key size of another handle type", IllegalStateException.class,
                        (Executable) () -> ct.withHandle(Native::EvaluationKey_publicKeyBytes)),
                Arguments.of("mask of a query past the batch", IllegalArgumentException.class,
                        (Executable) () -> ct.mask(1)),
                Arguments.of("mask of a negative query", IllegalArgumentException.class,
                        (Executable) () -> ct.mask(-1)),
                Arguments.of("mask of another handle type", IllegalStateException.class,
                        (Executable) () -> lwes.withHandle(b -> Native.GlweBatch_mask(b, 0))),
                Arguments.of("coefficients of another handle type", IllegalStateException.class,
                        (Executable) () -> ct.withHandle(Native::CompactBatch_coefficients)),
                Arguments.of("coefficients of a null handle", NullPointerException.class,
                        (Executable) () -> Native.CompactBatch_coefficients(0)));
    }

    // Stages in the native layout (Native.CompiledCircuit_compile): a 1 -> 1 input layer, a compaction.
    private static final long[] ONE_BY_ONE = {0, 1, 1, 1, 1, 0};
    private static final long[] COMPACT = {3, 0, 32, 0};

    private static Executable compile(int inputLength, long[]... stages) {
        return () -> Native.CompiledCircuit_compile(TestKeys.l1().parameters().name(), inputLength, stages);
    }

    /** Calls the native evaluation directly, past the Java checks. */
    private static Executable evaluate(NativeHandle circuit, NativeHandle server, NativeHandle input) {
        return () -> circuit.withHandle(c -> server.withHandle(s -> input.withHandle(
                b -> Native.CompiledCircuit_evaluate(c, s, b))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void eachBadInputHasItsException(String what, Class<? extends Throwable> expected, Executable call) {
        Throwable t = assertThrows(expected, call, what);
        assertTrue(t.getMessage() != null && !t.getMessage().isBlank(), what + ": exception without message");
        // The engine is still usable afterwards.
        TestKeys.Set k = TestKeys.l1();
        try (GlweBatch ct = k.client().encrypt(new long[][] {{5, 6}}, DELTA);
                LweBatch out = k.server().dense(ct, TestKeys.identity(2, DELTA));
                CompiledCircuit compiled = CompiledCircuit.compile(linear(k.parameters(), 2));
                CompactBatch compact = compiled.evaluate(k.server(), ct)) {
            assertTrue(Arrays.equals(new long[] {5, 6}, k.client().decrypt(out, DELTA)[0]));
            assertTrue(Arrays.equals(new long[] {5, 6}, k.client().decrypt(compact, DELTA)[0]));
        }
    }

    @Test
    void messagesNameTheProblem() {
        TestKeys.Set k = TestKeys.l1();
        GlweBatch ct = k.client().encrypt(new long[][] {{1}}, DELTA);
        byte[] good = ct.toBytes();
        String tooBig = assertThrows(FheFormatException.class, () -> GlweBatch.fromBytes(k.parameters(), good, 100))
                .getMessage();
        assertTrue(tooBig.contains("limit"), tooBig);
        String foreign = assertThrows(ParameterMismatchException.class,
                () -> GlweBatch.fromBytes(TestKeys.l2().parameters(), good, 1 << 20)).getMessage();
        assertTrue(foreign.contains(FheParameters.PBS_L1) && foreign.contains(FheParameters.PBS_L2), foreign);
    }
}
