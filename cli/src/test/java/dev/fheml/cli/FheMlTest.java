package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FheMlTest {
    @Test
    void demoRoundTripSucceeds() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = FheMl.run("demo", "--queries", "2", "--seed", "7");
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("ENGINE ROUND TRIP ON RANDOM DATA"), out);
        assertTrue(out.contains("2/2 encrypted evaluations equal the plaintext computation"), out);
    }

    @Test
    void demoReferenceMatchesTheTableDomain() {
        // The random network must keep every hidden accumulator inside the table domain, or the
        // encrypted result would wrap: check the plaintext side over many inputs.
        FheParameters p = FheParameters.byName(FheParameters.PBS_L2);
        SplittableRandom random = new SplittableRandom(3);
        DemoCommand.Network net = DemoCommand.Network.random(random, p);
        for (int q = 0; q < 200; q++) {
            long[] h = net.first.apply(random.ints(DemoCommand.INPUTS, 0, 4).asLongStream().toArray());
            for (long v : h) {
                assertTrue(v >= 0 && v < DemoCommand.DOMAIN, "accumulator " + v + " outside the table domain");
            }
        }
    }

    @Test
    void unknownBenchmarkIsAClearError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, FheMl.run("bench", "nope"));
        } finally {
            System.setErr(original);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown benchmark 'nope'"));
    }
}
