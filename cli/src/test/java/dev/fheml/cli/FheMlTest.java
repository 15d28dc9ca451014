package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FheMlTest {
    /** Runs the command, expects {@code status} (2: a usage error, 1: a failure), returns standard error. */
    private static String failure(int status, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(status, FheMl.run(args));
        } finally {
            System.setErr(original);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void unknownBenchmarkIsAClearErrorListingTheBenchmarks() {
        String err = failure(2, "bench", "nope");
        assertTrue(err.contains("'nope'") && err.contains("engine") && err.contains("mnist") && err.contains("serve"), err);
    }

    @Test
    void unknownModelIsAClearError() {
        String err = failure(2, "bench", "mnist", "--model", "svm");
        assertTrue(err.contains("--model must be mlp or logreg"), err);
    }

    /** Refused before any model is trained: the test would take minutes otherwise. */
    @Test
    void badSampleCountIsAClearError() {
        String err = failure(1, "bench", "mnist", "--samples", "0");
        assertTrue(err.contains("--samples must be in [1, 10000], got 0"), err);
    }

    @Test
    void offsetPastTheTestSetIsAClearError() {
        String err = failure(1, "bench", "mnist", "--samples", "5", "--offset", "9996");
        assertTrue(err.contains("--offset must be in [0, 9995] for 5 samples, got 9996"), err);
    }
}
