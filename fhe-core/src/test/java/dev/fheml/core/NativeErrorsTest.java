package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every malformed input raises its own exception class, and the engine keeps working after. */
class NativeErrorsTest {
    private static final long DELTA = 1L << 40;

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
                        (Executable) () -> ServerContext.expand(k.evaluation(), -1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void eachBadInputHasItsException(String what, Class<? extends Throwable> expected, Executable call) {
        Throwable t = assertThrows(expected, call, what);
        assertTrue(t.getMessage() != null && !t.getMessage().isBlank(), what + ": exception without message");
        // The engine is still usable afterwards.
        TestKeys.Set k = TestKeys.l1();
        try (GlweBatch ct = k.client().encrypt(new long[][] {{5, 6}}, DELTA);
                LweBatch out = k.server().dense(ct, TestKeys.identity(2, DELTA))) {
            assertTrue(Arrays.equals(new long[] {5, 6}, k.client().decrypt(out, DELTA)[0]));
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
