package dev.fheml.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.protocol.ContainerEnvironment;
import dev.fheml.protocol.ExchangeLayout;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerConfigTest {
    @Test
    void theContainerDefaultsNeedOnlyTheKeyBucket() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of(ContainerEnvironment.KEY_BUCKET, "b"));
        assertEquals("0.0.0.0", c.host());
        assertEquals(8080, c.port());
        assertEquals(Path.of("/opt/ml/model"), c.modelDir());
        assertEquals("b", c.keyBucket());
        assertEquals(ExchangeLayout.KEYS, c.keyPrefix());
        assertNull(c.s3Endpoint());
        assertNull(c.accessKeyId());
    }

    @Test
    void everyVariableIsRead() {
        Map<String, String> env = new HashMap<>();
        env.put(ContainerEnvironment.KEY_BUCKET, "bucket");
        env.put(ContainerEnvironment.BIND_TO_PORT, "9001");
        env.put(ContainerEnvironment.MODEL_DIR, "/models/x");
        env.put(ContainerEnvironment.KEY_PREFIX, "other");
        env.put(ContainerEnvironment.S3_ENDPOINT, "http://127.0.0.1:9000");
        env.put(ContainerEnvironment.REGION, "eu-west-1");
        env.put(ContainerEnvironment.MAX_BODY_BYTES, "2048");
        env.put(ContainerEnvironment.CONCURRENCY, "3");
        env.put(ContainerEnvironment.QUEUE_TIMEOUT_MS, "1500");
        env.put(ContainerEnvironment.REQUEST_TIMEOUT_MS, "7000");
        env.put(ContainerEnvironment.KEY_CACHE_BYTES, "123456");
        env.put(ContainerEnvironment.EVAL_THREADS, "4");
        env.put(ContainerEnvironment.SHUTDOWN_GRACE_MS, "9000");
        env.put(ContainerEnvironment.BODY_TIMEOUT_MS, "4000");
        env.put(ContainerEnvironment.MIN_BODY_RATE, "100");
        env.put(ContainerEnvironment.MEMORY_BYTES, "999999999");
        env.put(ContainerEnvironment.REQUEST_MEMORY_BYTES, "77777777");
        env.put(ContainerEnvironment.REQUEST_MAX_BOOTSTRAPS, "5000");
        env.put(ContainerEnvironment.S3_CALL_TIMEOUT_MS, "3000");
        env.put(ContainerEnvironment.S3_ATTEMPT_TIMEOUT_MS, "1000");
        ServerConfig c = ServerConfig.fromEnvironment(env);
        assertEquals(9001, c.port());
        assertEquals(Path.of("/models/x"), c.modelDir());
        assertEquals("other/", c.keyPrefix(), "the prefix gets its slash");
        assertEquals(URI.create("http://127.0.0.1:9000"), c.s3Endpoint());
        assertEquals("eu-west-1", c.region());
        assertEquals(2048, c.maxBodyBytes());
        assertEquals(3, c.concurrency());
        assertEquals(Duration.ofMillis(1500), c.queueTimeout());
        assertEquals(Duration.ofMillis(7000), c.requestTimeout());
        assertEquals(123456, c.keyCacheBytes());
        assertEquals(4, c.evalThreads());
        assertEquals(Duration.ofMillis(9000), c.shutdownGrace());
        assertEquals(Duration.ofMillis(4000), c.bodyTimeout());
        assertEquals(100, c.minBodyRate());
        assertEquals(999999999, c.memoryBytes());
        assertEquals(77777777, c.requestMemoryBudget());
        assertEquals(5000, c.requestBootstrapBudget());
        assertEquals(Duration.ofMillis(3000), c.s3CallTimeout());
        assertEquals(Duration.ofMillis(1000), c.s3AttemptTimeout());
    }

    @Test
    void theGraceOutlastsTheRequestTimeoutUnlessSet() {
        ServerConfig c = ServerConfig.fromEnvironment(Map.of(ContainerEnvironment.KEY_BUCKET, "b",
                ContainerEnvironment.REQUEST_TIMEOUT_MS, "50000"));
        assertEquals(Duration.ofMillis(50000).plus(ServerConfig.GRACE_MARGIN), c.shutdownGrace());
        assertTrue(ServerConfig.builder().keyBucket("b").build().shutdownGrace()
                .compareTo(ServerConfig.builder().keyBucket("b").build().requestTimeout()) > 0);
    }

    @Test
    void theDerivedBudgetsFitTheContainer() {
        ServerConfig c = ServerConfig.builder().keyBucket("b").memoryBytes(4L << 30).keyCacheBytes(1L << 30)
                .concurrency(4).evalThreads(2).requestTimeout(Duration.ofSeconds(100)).build();
        long budget = c.requestMemoryBudget();
        assertEquals(((4L << 30) - (1L << 30) - ServerConfig.BASELINE_BYTES) / 4, budget);
        assertTrue(4 * budget + c.keyCacheBytes() + ServerConfig.BASELINE_BYTES <= c.memoryBytes(),
                "concurrency x budget + key cache + baseline fits the memory");
        assertEquals(100L * 2 * ServerConfig.BOOTSTRAPS_PER_THREAD_SECOND, c.requestBootstrapBudget());
        ServerConfig tiny = c.toBuilder().memoryBytes(1L << 30).build();
        assertEquals(ServerConfig.MIN_REQUEST_MEMORY, tiny.requestMemoryBudget(), "never below the floor");
    }

    @Test
    void aMissingBucketOrABadNumberIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromEnvironment(Map.of()));
        assertTrue(e.getMessage().contains(ContainerEnvironment.KEY_BUCKET), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromEnvironment(
                Map.of(ContainerEnvironment.KEY_BUCKET, "b", ContainerEnvironment.CONCURRENCY, "two")));
        assertTrue(e.getMessage().contains(ContainerEnvironment.CONCURRENCY) && e.getMessage().contains("two"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromEnvironment(
                Map.of(ContainerEnvironment.KEY_BUCKET, "b", ContainerEnvironment.CONCURRENCY, "0")));
    }

    @Test
    void theSecretIsNeverPrinted() {
        ServerConfig c = ServerConfig.builder().keyBucket("b").credentials("id", "very-secret-value").build();
        assertFalse(c.toString().contains("very-secret-value"), c.toString());
    }
}
