package dev.fheml.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.ClientKey;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.EvaluationPool;
import dev.fheml.core.FheParameters;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.Ids;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The key cache against a real S3 API: bounded by the bytes of expanded keys, least recently used
 * idle keys evicted first, a key in use never closed, failed loads not cached.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyCacheIT {
    private TestServer t;
    private final List<String> keyIds = new ArrayList<>();
    private long oneKeyBytes;
    private EvaluationPool pool;

    @BeforeAll
    void start() throws Exception {
        t = TestServer.start();
        pool = EvaluationPool.create(1);
        keyIds.add(t.keyId);
        for (int i = 0; i < 2; i++) {
            try (ClientKey k = ClientKey.generate(t.parameters); EvaluationKey e = k.evaluationKey()) {
                byte[] bytes = e.toBytes();
                String id = Ids.sha256(bytes);
                t.putKey(t.modelId, id, bytes);
                keyIds.add(id);
            }
        }
        try (KeyCache probe = cache(Long.MAX_VALUE); KeyCache.Lease l = probe.acquire(t.modelId, keyIds.get(0))) {
            oneKeyBytes = l.context().memoryBytes();
        }
    }

    @AfterAll
    void stop() {
        t.close();
        pool.close();
    }

    private KeyCache cache(long limit) {
        return new KeyCache(new S3KeySource(t.newS3Client(), TestServer.BUCKET, ExchangeLayout.KEYS), t.parameters, limit,
                pool);
    }

    @Test
    void idleKeysAreEvictedLeastRecentlyUsedFirst() {
        try (KeyCache cache = cache(oneKeyBytes * 3 / 2)) { // room for one idle key
            cache.acquire(t.modelId, keyIds.get(0)).close();
            cache.acquire(t.modelId, keyIds.get(1)).close();
            KeyCache.Stats s = cache.stats();
            assertEquals(2, s.downloads());
            assertEquals(1, s.evictions(), "the first key made room for the second: " + s);
            assertTrue(s.residentBytes() <= oneKeyBytes * 3 / 2, s.toString());
            cache.acquire(t.modelId, keyIds.get(1)).close();
            assertEquals(1, cache.stats().hits(), "the second key stayed");
            cache.acquire(t.modelId, keyIds.get(0)).close();
            assertEquals(3, cache.stats().downloads(), "the evicted key is downloaded again");
        }
    }

    @Test
    void aKeyInUseIsNeverClosedAndTheBoundHoldsOnceItIsReleased() {
        try (KeyCache cache = cache(oneKeyBytes / 2)) { // smaller than one key: nothing stays idle
            KeyCache.Lease a = cache.acquire(t.modelId, keyIds.get(0));
            KeyCache.Lease b = cache.acquire(t.modelId, keyIds.get(1));
            assertEquals(2 * oneKeyBytes, cache.stats().residentBytes(), "keys in use stay, over the bound");
            assertTrue(a.context().memoryBytes() > 0 && b.context().memoryBytes() > 0, "still usable");
            a.close();
            b.close();
            b.close(); // idempotent
            assertEquals(0, cache.stats().residentBytes(), "released keys are evicted down to the bound");
            assertEquals(2 * oneKeyBytes, cache.stats().peakResidentBytes());
        }
    }

    @Test
    void aFailedLoadIsNotCached() throws Exception {
        try (KeyCache cache = cache(Long.MAX_VALUE); ClientKey k = ClientKey.generate(t.parameters);
                EvaluationKey e = k.evaluationKey()) {
            byte[] bytes = e.toBytes();
            String id = Ids.sha256(bytes);
            InferenceException missing = assertThrows(InferenceException.class, () -> cache.acquire(t.modelId, id));
            assertEquals(ErrorCode.UNKNOWN_KEY, missing.code());
            t.putKey(t.modelId, id, bytes);
            cache.acquire(t.modelId, id).close(); // uploaded since: found now
            assertEquals(1, cache.stats().downloads());
        }
    }

    @Test
    void aKeyOfAnotherParameterSetIsInvalid() throws Exception {
        FheParameters other = FheParameters.byName(t.parameters.name().equals(FheParameters.PBS_L1)
                ? FheParameters.PBS_L2 : FheParameters.PBS_L1);
        try (KeyCache cache = cache(Long.MAX_VALUE); ClientKey k = ClientKey.generate(other);
                EvaluationKey e = k.evaluationKey()) {
            byte[] bytes = e.toBytes();
            String id = Ids.sha256(bytes);
            t.putKey(t.modelId, id, bytes);
            InferenceException invalid = assertThrows(InferenceException.class, () -> cache.acquire(t.modelId, id));
            assertEquals(ErrorCode.INVALID_KEY, invalid.code());
        }
    }

    @Test
    void aClosedCacheRefusesNewLeases() {
        KeyCache cache = cache(Long.MAX_VALUE);
        cache.close();
        InferenceException e = assertThrows(InferenceException.class, () -> cache.acquire(t.modelId, keyIds.get(0)));
        assertEquals(ErrorCode.NOT_READY, e.code());
    }
}
