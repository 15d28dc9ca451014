package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FheMlTest {
    /** Runs the command, expects exit status 1, returns standard error. */
    private static String failure(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, FheMl.run(args));
        } finally {
            System.setErr(original);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownBenchmarkIsAClearError() {
        assertTrue(failure("bench", "nope").contains("unknown benchmark 'nope'"));
    }

    @Test
    void unknownModelIsAClearError() {
        String err = failure("bench", "mnist", "--model", "svm");
        assertTrue(err.contains("--model must be mlp or logreg"), err);
    }

    /** Refused before any model is trained: the test would take minutes otherwise. */
    @Test
    void badSampleCountIsAClearError() {
        String err = failure("bench", "mnist", "--samples", "0");
        assertTrue(err.contains("--samples must be in [1, 10000], got 0"), err);
    }
}
