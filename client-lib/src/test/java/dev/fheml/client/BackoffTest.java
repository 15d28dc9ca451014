package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void withoutJitterTheDelaysGrowByTheFactorUpToTheMaximum() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), 2, 0);
        long[] expected = {100, 200, 400, 800, 1000, 1000};
        for (long e : expected) {
            assertEquals(e, b.nextMillis());
        }
        b.reset();
        assertEquals(100, b.nextMillis());
    }

    @Test
    void jitterStaysWithinItsSpreadAndVaries() {
        Backoff b = new Backoff(Duration.ofMillis(1000), Duration.ofMillis(1000), 1, 0.2);
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1000; i++) {
            long d = b.nextMillis();
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        assertTrue(min >= 800 && max <= 1200, min + ".." + max);
        assertTrue(max - min > 200, "delays vary: " + min + ".." + max);
    }

    @Test
    void sleepStopsAtTheDeadline() throws InterruptedException {
        Backoff b = new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(10), 1, 0);
        long start = System.nanoTime();
        b.sleep(start + 50_000_000L);
        assertTrue((System.nanoTime() - start) / 1e6 < 5_000, "cut short at the deadline");
    }

    @Test
    void badSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 1));
    }
}
