package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's RSS judgment: a plateau after warm-up is flat, a steady climb is not. */
class SoakBenchTest {
    private static List<long[]> series(long perSecondAfterWarmup) {
        List<long[]> s = new ArrayList<>();
        for (long t = 0; t <= 600; t += 5) {
            long warm = Math.min(t, 60) * (8L << 20); // steep growth during warm-up is ignored
            s.add(new long[] {t, (500L << 20) + warm + Math.max(0, t - 120) * perSecondAfterWarmup + (t % 10 == 0 ? 1 << 20 : 0)});
        }
        return s;
    }

    @Test
    void aPlateauIsFlat() {
        SoakBench.Rss rss = SoakBench.trend(series(0), 600);
        assertTrue(rss.flat(), rss.toString());
        assertEquals(120, rss.warmupS());
        assertTrue(Math.abs(rss.slopeMbPerMin()) < 0.5, rss.toString());
    }

    @Test
    void aSteadyClimbIsNot() {
        SoakBench.Rss rss = SoakBench.trend(series(200 * 1024), 600); // ~11.7 MiB a minute
        assertFalse(rss.flat(), rss.toString());
        assertEquals(11.7, rss.slopeMbPerMin(), 0.2);
    }
}
