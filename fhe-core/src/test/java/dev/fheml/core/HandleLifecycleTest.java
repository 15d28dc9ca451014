package dev.fheml.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class HandleLifecycleTest {
    private static final long DELTA = 1L << 40;

    @Test
    void closeIsIdempotentAndUseAfterCloseThrows() {
        TestKeys.Set k = TestKeys.l1();
        GlweBatch ct = k.client().encrypt(new long[][] {{1, 2}}, DELTA);
        ct.close();
        assertDoesNotThrow(ct::close);
        assertTrue(ct.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, ct::toBytes);
        assertTrue(e.getMessage().contains("GlweBatch is closed"));
    }

    @Test
    void manyThreadsShareOneServerContext() throws Exception {
        TestKeys.Set k = TestKeys.l1();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<long[]>> results = new ArrayList<>();
            for (int t = 0; t < 12; t++) {
                long v = t;
                results.add(pool.submit(() -> {
                    try (GlweBatch ct = k.client().encrypt(new long[][] {{v, 2 * v, 3 * v}}, DELTA);
                            LweBatch out = k.server().dense(ct, TestKeys.identity(3, DELTA))) {
                        return k.client().decrypt(out, DELTA)[0];
                    }
                }));
            }
            for (int t = 0; t < results.size(); t++) {
                assertArrayEquals(new long[] {t, 2L * t, 3L * t}, results.get(t).get());
            }
        } finally {
            pool.shutdown();
        }
    }

    /** 10,000 create/close cycles of native objects must not grow native memory. */
    @Test
    void createCloseCyclesDoNotLeak() throws IOException {
        TestKeys.Set k = TestKeys.l1();
        FheParameters p = k.parameters();
        byte[] bytes;
        try (GlweBatch seed = k.client().encrypt(new long[][] {new long[784]}, DELTA)) {
            bytes = seed.toBytes();
        }
        Runnable cycle = () -> {
            try (GlweBatch ct = GlweBatch.fromBytes(p, bytes, SizeLimits.CIPHERTEXT_BATCH);
                    LweBatch out = k.server().dense(ct, TestKeys.identity(4, DELTA))) {
                out.width();
            }
        };
        for (int i = 0; i < 1_000; i++) {
            cycle.run();
        }
        long before = rssBytes();
        for (int i = 0; i < 10_000; i++) {
            cycle.run();
        }
        long growth = rssBytes() - before;
        System.out.printf("RSS growth over 10,000 cycles: %d KiB%n", growth / 1024);
        // Each cycle allocates ~50 KB natively: a leak would add ~500 MB.
        assertTrue(growth < 64L << 20, "native memory grew by " + growth + " bytes");
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
