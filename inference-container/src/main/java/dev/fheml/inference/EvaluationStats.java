package dev.fheml.inference;

import java.util.Arrays;

/**
 * Durations of the server's FHE evaluations (circuit only: no body transfer, no key download), kept
 * in a bounded ring so percentiles cost memory of the last {@link #CAPACITY} requests at most.
 */
public final class EvaluationStats {
    public static final int CAPACITY = 10_000;

    private final double[] ring = new double[CAPACITY];
    private long count;

    synchronized void record(long nanos) {
        ring[(int) (count % CAPACITY)] = nanos / 1e6;
        count++;
    }

    /** Evaluations recorded since the server started. */
    public synchronized long count() {
        return count;
    }

    /** The recorded durations in milliseconds (the last {@link #CAPACITY}), sorted. */
    public synchronized double[] sortedMillis() {
        double[] out = Arrays.copyOf(ring, (int) Math.min(count, CAPACITY));
        Arrays.sort(out);
        return out;
    }

    /** The {@code p}-quantile (0 < p ≤ 1, nearest rank) of {@code sorted}, or NaN when empty. */
    public static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1))];
    }
}
