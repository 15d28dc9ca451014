package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.FheClient;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.inference.KeyCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Many clients with their own keys at once, through a key cache too small to hold all their keys. */
class ConcurrencyIT {
    private static final int CLIENTS = 20;

    @Test
    void twentyConcurrentClientsWithDistinctKeys() throws Exception {
        Path modelDir = Fixtures.model().dir();
        Circuit circuit = ModelArtifacts.readServer(Fixtures.model().serverZip()).circuit();
        CircuitSimulator sim = CircuitSimulator.of(circuit);
        long cacheLimit = 600L << 20; // ~4 expanded level-1 keys: forces evictions
        LocalStack.Options options = LocalStack.Options.of(modelDir).withKeyCacheBytes(cacheLimit).withConcurrency(2, 4);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        try (LocalStack stack = LocalStack.start(options)) {
            List<Future<String>> keyIds = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int id = c;
                keyIds.add(pool.submit(() -> {
                    Path keys = Files.createTempDirectory("fhe-ml-it-client-" + id + "-");
                    try (FheClient client = stack.clientBuilder().keyStore(keys).clientId("client-" + id).build()) {
                        Sample s = client.samples().get(id % client.samples().size());
                        long[] x = client.spec().quantize(s.features());
                        long[][] out = client.evaluate(new long[][] {x});
                        assertArrayEquals(sim.evaluate(x), out[0], "client " + id);
                        assertEquals(s.expectedClass(), client.spec().decode(out[0]).classIndex(), "client " + id);
                        return client.keyId();
                    }
                }));
            }
            Set<String> distinct = new HashSet<>();
            for (Future<String> f : keyIds) {
                distinct.add(f.get());
            }
            assertEquals(CLIENTS, distinct.size(), "every client has its own key");
            KeyCache.Stats stats = stack.keyCacheStats();
            assertEquals(CLIENTS, stats.downloads(), "each key downloaded once: " + stats);
            assertEquals(CLIENTS, stats.expansions(), "each key expanded once: " + stats);
            assertTrue(stats.evictions() >= CLIENTS - 5, "the byte bound evicted keys: " + stats);
            assertTrue(stats.residentBytes() <= cacheLimit, "idle keys fit the bound: " + stats);
            // Only keys in use may exceed the bound: at most the server's 2 slots.
            long oneKey = 120L << 20;
            assertTrue(stats.peakResidentBytes() <= cacheLimit + 2 * oneKey, "peak within bound + keys in use: " + stats);
        } finally {
            pool.shutdownNow();
        }
    }
}
