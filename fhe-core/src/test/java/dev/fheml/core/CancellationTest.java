package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.core.circuit.Stage;
import dev.fheml.core.internal.Native;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** Chunked evaluation computes what one pass computes; a raised flag stops it; bad calls have their exceptions. */
class CancellationTest {
    private static final long DELTA = 1L << 40;

    private static CompiledCircuit linear(FheParameters p) {
        return CompiledCircuit.compile(new Circuit(p, 3, DELTA,
                List.of(new Stage.InputDense(TestKeys.identity(3, DELTA)), new Stage.Compact(false, 32))));
    }

    @Test
    void chunksComputeWhatOnePassComputesAndARaisedFlagStops() {
        TestKeys.Set k = TestKeys.l1();
        long[][] x = {{1, 2, 3}, {4, 5, 6}, {7, 0, 1}, {2, 2, 2}, {3, 1, 0}};
        try (CompiledCircuit c = linear(k.parameters()); GlweBatch in = k.client().encrypt(x, DELTA);
                CancelFlag flag = CancelFlag.create();
                CompactBatch chunked = c.evaluate(k.server(), in, 2, flag)) {
            long[][] out = k.client().decrypt(chunked, DELTA);
            for (int q = 0; q < x.length; q++) {
                assertArrayEquals(x[q], out[q], "query " + q);
            }
            flag.cancel();
            assertTrue(flag.isCancelled());
            assertThrows(CancellationException.class, () -> c.evaluate(k.server(), in, 2, flag));
            assertThrows(IllegalArgumentException.class, () -> c.evaluate(k.server(), in, 0, null));
            try (CompactBatch again = c.evaluate(k.server(), in, 1, null)) {
                assertArrayEquals(x[4], k.client().decrypt(again, DELTA)[4], "the engine works after a cancellation");
            }
        }
    }

    @Test
    void badFlagsHaveTheirExceptions() {
        TestKeys.Set k = TestKeys.l1();
        CancelFlag closed = CancelFlag.create();
        closed.close();
        assertThrows(IllegalStateException.class, closed::cancel);
        try (CompiledCircuit c = linear(k.parameters()); GlweBatch in = k.client().encrypt(new long[][] {{1, 1, 1}}, DELTA)) {
            // A live handle of another type where the flag goes: refused by its tag.
            assertThrows(IllegalStateException.class, () -> c.withHandle(h -> k.server().withHandle(
                    s -> in.withHandle(b -> Native.CompiledCircuit_evaluateChunked(h, s, b, 1, b)))));
            assertThrows(IllegalArgumentException.class, () -> c.withHandle(h -> k.server().withHandle(
                    s -> in.withHandle(b -> Native.CompiledCircuit_evaluateChunked(h, s, b, -1, 0)))));
        }
    }
}
