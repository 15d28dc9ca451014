package dev.fheml.cli;

import java.io.PrintStream;
import java.util.function.Supplier;

/** Prints one line per step with its duration, so long work is never silent. */
final class Progress {
    private final PrintStream out;

    Progress(PrintStream out) {
        this.out = out;
    }

    <T> Timed<T> step(String label, Supplier<T> work) {
        out.printf("  %-52s", label + " ...");
        out.flush();
        long start = System.nanoTime();
        T value = work.get();
        double ms = (System.nanoTime() - start) / 1e6;
        out.printf(" %9.1f ms%n", ms);
        return new Timed<>(value, ms);
    }

    record Timed<T>(T value, double ms) {}
}
