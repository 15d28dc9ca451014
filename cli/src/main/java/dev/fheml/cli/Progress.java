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

    /** Work that may throw a checked exception (starting servers, network calls). */
    interface Work<T> {
        T run() throws Exception;
    }

    /** {@link #step} for work that may throw; the exception propagates unchanged. */
    <T> Timed<T> stepChecked(String label, Work<T> work) throws Exception {
        Exception[] failure = new Exception[1];
        Timed<T> t = step(label, () -> {
            try {
                return work.run();
            } catch (Exception e) {
                failure[0] = e;
                return null;
            }
        });
        if (failure[0] != null) {
            out.println();
            throw failure[0];
        }
        return t;
    }

    record Timed<T>(T value, double ms) {}
}
