package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FheMlTest {
    @Test
    void unknownBenchmarkIsAClearError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, FheMl.run("bench", "nope"));
        } finally {
            System.setErr(original);
        }
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("'nope'") && text.contains("engine") && text.contains("mnist"), text);
    }

    @Test
    void badSampleCountIsAClearError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream original = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, FheMl.run("bench", "mnist", "--model", "svm"));
        } finally {
            System.setErr(original);
        }
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--model must be mlp or logreg"));
    }
}
