package dev.fheml.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: the one schedule of every retry and polling loop (resubmitting
 * a transient failure, polling S3 for a result, reconnecting to the notification queue, the local
 * invoker's deliveries). Each delay is the current step ±{@code jitter} (so that many clients do not
 * retry in lock step); the step then grows by {@code factor} up to {@code max}. Not thread-safe: one
 * instance per loop.
 */
public final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private final double factor;
    private final double jitter;
    private long step;

    /**
     * @param factor growth per delay, at least 1
     * @param jitter relative spread of each delay, in [0, 1)
     */
    public Backoff(Duration initial, Duration max, double factor, double jitter) {
        if (initial.isNegative() || max.compareTo(initial) < 0 || !(factor >= 1) || !(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("need 0 <= initial <= max, factor >= 1 and jitter in [0, 1)");
        }
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
        this.factor = factor;
        this.jitter = jitter;
        this.step = initialMillis;
    }

    /** Doubling with ±20 % jitter, the default for retries. */
    public static Backoff exponential(Duration initial, Duration max) {
        return new Backoff(initial, max, 2, 0.2);
    }

    /** The next delay in milliseconds (at least 1); the following one is longer, up to the maximum. */
    public long nextMillis() {
        long current = step;
        step = (long) Math.min(maxMillis, Math.ceil(step * factor));
        double spread = jitter == 0 ? 1 : 1 - jitter + 2 * jitter * ThreadLocalRandom.current().nextDouble();
        return Math.max(1, Math.round(current * spread));
    }

    /** Back to the initial delay (after a success, or when something happened worth a quick look). */
    public void reset() {
        step = initialMillis;
    }

    /**
     * Sleeps for the next delay, cut short at {@code deadlineNanos} ({@link System#nanoTime()} time).
     *
     * @throws InterruptedException when interrupted (the interrupt status is cleared, as by Thread.sleep)
     */
    public void sleep(long deadlineNanos) throws InterruptedException {
        long left = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
        Thread.sleep(Math.min(nextMillis(), left));
    }
}
