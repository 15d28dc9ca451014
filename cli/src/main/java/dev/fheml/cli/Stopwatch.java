package dev.fheml.cli;

import java.util.Arrays;
import java.util.function.Supplier;

/** Wall-clock measurements for benchmarks (never for tests). */
final class Stopwatch {
    private Stopwatch() {}

    static double millis(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e6;
    }

    /** Median of {@code runs} timings after one warm-up run. */
    static double medianMillis(int runs, Runnable work) {
        work.run();
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            t[i] = millis(work);
        }
        Arrays.sort(t);
        return t[runs / 2];
    }

    static <T> T time(Supplier<T> work, double[] millisOut) {
        long start = System.nanoTime();
        T value = work.get();
        millisOut[0] = (System.nanoTime() - start) / 1e6;
        return value;
    }
}
