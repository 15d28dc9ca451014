package dev.fheml.inference;

import dev.fheml.protocol.ContainerEnvironment;
import dev.fheml.protocol.ExchangeLayout;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Immutable configuration of the {@link InferenceServer}. {@link #fromEnvironment(Map)} reads the
 * container's environment (names in docs/serving.md); {@link #builder()} is for embedding.
 *
 * @param host            address to bind ({@code 0.0.0.0} in the container, {@code 127.0.0.1} locally)
 * @param port            port; 0 picks a free one (see {@link InferenceServer#port()})
 * @param modelDir        folder holding {@code server.zip}
 * @param keyBucket       bucket of the evaluation keys
 * @param keyPrefix       prefix of the keys, {@code keys/} by default: keys live at {@code <prefix><model-id>/<key-id>}
 * @param s3Endpoint      S3 endpoint override (local stack), or {@code null} for AWS
 * @param region          AWS region, or {@code null} for the SDK's default chain
 * @param accessKeyId     static credentials (local stack), or {@code null} for the SDK's default chain
 * @param secretAccessKey see {@code accessKeyId}
 * @param maxBodyBytes    largest request body accepted
 * @param concurrency     requests evaluated (and buffered) at the same time
 * @param queueTimeout    how long a request waits for a free slot before {@code busy}
 * @param requestTimeout  per-request deadline (key download, expansion and evaluation)
 * @param keyCacheBytes   bound on the bytes of expanded keys kept idle in memory (LRU)
 * @param evalThreads     threads of the server's one evaluation pool, shared by all expanded keys; 0 = all cores
 * @param shutdownGrace   how long a stop waits for requests in flight; requests still running near its end
 *                        are cancelled and answered {@code shutting_down} (retryable)
 * @param bodyTimeout     total time a request body may take to arrive (then {@code request_timeout})
 * @param minBodyRate     slowest accepted body, bytes per second (Jetty's minimum request data rate); 0 = none
 * @param memoryBytes     memory the server may use in all; 0 = the machine's (container's) memory
 * @param requestMemoryBytes memory one request may hold; 0 = derived ({@link #requestMemoryBudget()})
 * @param requestMaxBootstraps bootstraps one request may cost; 0 = derived ({@link #requestBootstrapBudget()})
 * @param s3CallTimeout   deadline of one call to S3, retries included
 * @param s3AttemptTimeout deadline of one attempt of a call to S3
 */
public record ServerConfig(String host, int port, Path modelDir, String keyBucket, String keyPrefix, URI s3Endpoint,
        String region, String accessKeyId, String secretAccessKey, long maxBodyBytes, int concurrency,
        Duration queueTimeout, Duration requestTimeout, long keyCacheBytes, int evalThreads, Duration shutdownGrace,
        Duration bodyTimeout, long minBodyRate, long memoryBytes, long requestMemoryBytes, long requestMaxBootstraps,
        Duration s3CallTimeout, Duration s3AttemptTimeout) {
    /** Memory for everything but requests and cached keys: heap baseline, code, Jetty, the model. */
    static final long BASELINE_BYTES = 512L << 20;
    /** The smallest per-request memory budget a derived default goes down to. */
    static final long MIN_REQUEST_MEMORY = 32L << 20;
    /** Bootstraps per second and evaluation thread assumed by the derived bootstrap budget (conservative). */
    static final int BOOTSTRAPS_PER_THREAD_SECOND = 40;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(keyBucket, "keyBucket (" + ContainerEnvironment.KEY_BUCKET + ")");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxBodyBytes < 1024 || concurrency < 1 || keyCacheBytes < 0 || evalThreads < 0 || minBodyRate < 0
                || memoryBytes < 0 || requestMemoryBytes < 0 || requestMaxBootstraps < 0) {
            throw new IllegalArgumentException("maxBodyBytes >= 1024, concurrency >= 1 and non-negative keyCacheBytes,"
                    + " evalThreads, minBodyRate, memoryBytes, requestMemoryBytes and requestMaxBootstraps are required");
        }
        for (Duration d : new Duration[] {queueTimeout, requestTimeout, shutdownGrace, bodyTimeout, s3CallTimeout,
                s3AttemptTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("every timeout must be positive");
            }
        }
        if (!keyPrefix.isEmpty() && !keyPrefix.endsWith("/")) {
            keyPrefix = keyPrefix + "/";
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both accessKeyId and secretAccessKey, or neither");
        }
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ServerConfig[" + host + ":" + port + ", model " + modelDir + ", keys s3://" + keyBucket + "/" + keyPrefix
                + (s3Endpoint == null ? "" : " via " + s3Endpoint) + ", max body " + maxBodyBytes + " B, concurrency "
                + concurrency + ", queue " + queueTimeout.toMillis() + " ms, timeout " + requestTimeout.toMillis()
                + " ms, key cache " + keyCacheBytes + " B, eval threads " + evalThreads + ", grace "
                + shutdownGrace.toMillis() + " ms, body " + bodyTimeout.toMillis() + " ms at >= " + minBodyRate
                + " B/s, request budget " + requestMemoryBudget() + " B and " + requestBootstrapBudget()
                + " bootstraps, S3 " + s3AttemptTimeout.toMillis() + "/" + s3CallTimeout.toMillis() + " ms]";
    }

    /**
     * Memory one request may hold: {@code requestMemoryBytes}, or else what is left of the server's
     * memory after the key cache and a baseline, shared by the evaluation slots, so that
     * concurrency × budget + key cache + baseline fits the container (at least 32 MiB).
     */
    public long requestMemoryBudget() {
        if (requestMemoryBytes > 0) {
            return requestMemoryBytes;
        }
        long total = memoryBytes > 0 ? memoryBytes : machineMemory();
        return Math.max(MIN_REQUEST_MEMORY, (total - keyCacheBytes - BASELINE_BYTES) / concurrency);
    }

    /**
     * Bootstraps one request may cost: {@code requestMaxBootstraps}, or else what the evaluation
     * threads run before the request timeout at a conservative {@value #BOOTSTRAPS_PER_THREAD_SECOND}
     * bootstraps a second each (a level-2 bootstrap takes 15-25 ms on one core).
     */
    public long requestBootstrapBudget() {
        if (requestMaxBootstraps > 0) {
            return requestMaxBootstraps;
        }
        int threads = evalThreads > 0 ? evalThreads : Runtime.getRuntime().availableProcessors();
        return Math.max(1, requestTimeout.toSeconds() * threads * BOOTSTRAPS_PER_THREAD_SECOND);
    }

    /** The machine's memory as the JVM sees it (the container's limit inside a container). */
    static long machineMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory() * 2;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder initialised from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.host = host;
        b.port = port;
        b.modelDir = modelDir;
        b.keyBucket = keyBucket;
        b.keyPrefix = keyPrefix;
        b.s3Endpoint = s3Endpoint;
        b.region = region;
        b.accessKeyId = accessKeyId;
        b.secretAccessKey = secretAccessKey;
        b.maxBodyBytes = maxBodyBytes;
        b.concurrency = concurrency;
        b.queueTimeout = queueTimeout;
        b.requestTimeout = requestTimeout;
        b.keyCacheBytes = keyCacheBytes;
        b.evalThreads = evalThreads;
        b.shutdownGrace = shutdownGrace;
        b.bodyTimeout = bodyTimeout;
        b.minBodyRate = minBodyRate;
        b.memoryBytes = memoryBytes;
        b.requestMemoryBytes = requestMemoryBytes;
        b.requestMaxBootstraps = requestMaxBootstraps;
        b.s3CallTimeout = s3CallTimeout;
        b.s3AttemptTimeout = s3AttemptTimeout;
        return b;
    }

    /**
     * The container's configuration: {@code SAGEMAKER_BIND_TO_PORT} (8080), {@code FHEML_MODEL_DIR}
     * ({@code /opt/ml/model}), {@code FHEML_KEY_BUCKET} (required), {@code FHEML_KEY_PREFIX} ({@code keys/}),
     * {@code FHEML_S3_ENDPOINT}, {@code AWS_REGION}, {@code FHEML_MAX_BODY_BYTES}, {@code FHEML_CONCURRENCY},
     * {@code FHEML_QUEUE_TIMEOUT_MS}, {@code FHEML_REQUEST_TIMEOUT_MS}, {@code FHEML_KEY_CACHE_BYTES},
     * {@code FHEML_EVAL_THREADS}, {@code FHEML_SHUTDOWN_GRACE_MS}, {@code FHEML_BODY_TIMEOUT_MS},
     * {@code FHEML_MIN_BODY_BYTES_PER_S}, {@code FHEML_MEMORY_BYTES}, {@code FHEML_REQUEST_MEMORY_BYTES},
     * {@code FHEML_REQUEST_MAX_BOOTSTRAPS}, {@code FHEML_S3_CALL_TIMEOUT_MS}, {@code FHEML_S3_ATTEMPT_TIMEOUT_MS}.
     *
     * @throws IllegalArgumentException naming the variable that is missing or not a number
     */
    public static ServerConfig fromEnvironment(Map<String, String> env) {
        Builder b = builder();
        b.port = (int) number(env, ContainerEnvironment.BIND_TO_PORT, b.port);
        if (env.get(ContainerEnvironment.MODEL_DIR) != null) {
            b.modelDir = Path.of(env.get(ContainerEnvironment.MODEL_DIR));
        }
        b.keyBucket = env.get(ContainerEnvironment.KEY_BUCKET);
        if (b.keyBucket == null || b.keyBucket.isBlank()) {
            throw new IllegalArgumentException(ContainerEnvironment.KEY_BUCKET + " is not set: the bucket holding "
                    + ExchangeLayout.KEYS + "<model-id>/<key-id>");
        }
        b.keyPrefix = env.getOrDefault(ContainerEnvironment.KEY_PREFIX, b.keyPrefix);
        if (env.get(ContainerEnvironment.S3_ENDPOINT) != null) {
            b.s3Endpoint = URI.create(env.get(ContainerEnvironment.S3_ENDPOINT));
        }
        b.region = env.get(ContainerEnvironment.REGION);
        b.maxBodyBytes = number(env, ContainerEnvironment.MAX_BODY_BYTES, b.maxBodyBytes);
        b.concurrency = (int) number(env, ContainerEnvironment.CONCURRENCY, b.concurrency);
        b.queueTimeout = Duration.ofMillis(number(env, ContainerEnvironment.QUEUE_TIMEOUT_MS, b.queueTimeout.toMillis()));
        b.requestTimeout = Duration.ofMillis(number(env, ContainerEnvironment.REQUEST_TIMEOUT_MS, b.requestTimeout.toMillis()));
        b.keyCacheBytes = number(env, ContainerEnvironment.KEY_CACHE_BYTES, b.keyCacheBytes);
        b.evalThreads = (int) number(env, ContainerEnvironment.EVAL_THREADS, b.evalThreads);
        // The grace follows the request timeout unless set: a stop then never cuts a request short.
        b.shutdownGrace = Duration.ofMillis(number(env, ContainerEnvironment.SHUTDOWN_GRACE_MS,
                b.requestTimeout.plus(GRACE_MARGIN).toMillis()));
        b.bodyTimeout = Duration.ofMillis(number(env, ContainerEnvironment.BODY_TIMEOUT_MS, b.bodyTimeout.toMillis()));
        b.minBodyRate = number(env, ContainerEnvironment.MIN_BODY_RATE, b.minBodyRate);
        b.memoryBytes = number(env, ContainerEnvironment.MEMORY_BYTES, b.memoryBytes);
        b.requestMemoryBytes = number(env, ContainerEnvironment.REQUEST_MEMORY_BYTES, b.requestMemoryBytes);
        b.requestMaxBootstraps = number(env, ContainerEnvironment.REQUEST_MAX_BOOTSTRAPS, b.requestMaxBootstraps);
        b.s3CallTimeout = Duration.ofMillis(number(env, ContainerEnvironment.S3_CALL_TIMEOUT_MS, b.s3CallTimeout.toMillis()));
        b.s3AttemptTimeout = Duration.ofMillis(number(env, ContainerEnvironment.S3_ATTEMPT_TIMEOUT_MS,
                b.s3AttemptTimeout.toMillis()));
        return b.build();
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got '" + v + "'", e);
        }
    }

    /** Time a stop gives beyond the request timeout: answering and logging the last request. */
    static final Duration GRACE_MARGIN = Duration.ofSeconds(10);

    /** Mutable builder with the container defaults. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8080;
        private Path modelDir = Path.of("/opt/ml/model");
        private String keyBucket;
        private String keyPrefix = ExchangeLayout.KEYS;
        private URI s3Endpoint;
        private String region;
        private String accessKeyId;
        private String secretAccessKey;
        private long maxBodyBytes = 16L << 20;
        private int concurrency = Runtime.getRuntime().availableProcessors();
        private Duration queueTimeout = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(120);
        private long keyCacheBytes = 1L << 30;
        private int evalThreads = 0;
        /** Null: the request timeout plus {@link #GRACE_MARGIN}. */
        private Duration shutdownGrace;
        private Duration bodyTimeout = Duration.ofSeconds(60);
        private long minBodyRate = 16 * 1024;
        private long memoryBytes = 0;
        private long requestMemoryBytes = 0;
        private long requestMaxBootstraps = 0;
        private Duration s3CallTimeout = Duration.ofSeconds(60);
        private Duration s3AttemptTimeout = Duration.ofSeconds(20);

        private Builder() {}

        public Builder host(String v) { host = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder modelDir(Path v) { modelDir = v; return this; }
        public Builder keyBucket(String v) { keyBucket = v; return this; }
        public Builder keyPrefix(String v) { keyPrefix = v; return this; }
        public Builder s3Endpoint(URI v) { s3Endpoint = v; return this; }
        public Builder region(String v) { region = v; return this; }
        public Builder credentials(String id, String secret) { accessKeyId = id; secretAccessKey = secret; return this; }
        public Builder maxBodyBytes(long v) { maxBodyBytes = v; return this; }
        public Builder concurrency(int v) { concurrency = v; return this; }
        public Builder queueTimeout(Duration v) { queueTimeout = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder keyCacheBytes(long v) { keyCacheBytes = v; return this; }
        public Builder evalThreads(int v) { evalThreads = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder bodyTimeout(Duration v) { bodyTimeout = v; return this; }
        public Builder minBodyRate(long bytesPerSecond) { minBodyRate = bytesPerSecond; return this; }
        public Builder memoryBytes(long v) { memoryBytes = v; return this; }
        public Builder requestMemoryBytes(long v) { requestMemoryBytes = v; return this; }
        public Builder requestMaxBootstraps(long v) { requestMaxBootstraps = v; return this; }
        public Builder s3Timeouts(Duration attempt, Duration call) { s3AttemptTimeout = attempt; s3CallTimeout = call; return this; }

        public ServerConfig build() {
            return new ServerConfig(host, port, modelDir, keyBucket, keyPrefix, s3Endpoint, region, accessKeyId,
                    secretAccessKey, maxBodyBytes, concurrency, queueTimeout, requestTimeout, keyCacheBytes,
                    evalThreads, shutdownGrace != null ? shutdownGrace : requestTimeout.plus(GRACE_MARGIN), bodyTimeout, minBodyRate, memoryBytes, requestMemoryBytes,
                    requestMaxBootstraps, s3CallTimeout, s3AttemptTimeout);
        }
    }
}
