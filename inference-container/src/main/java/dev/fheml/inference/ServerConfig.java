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
 * @param shutdownGrace   how long a stop waits for requests in flight
 */
public record ServerConfig(String host, int port, Path modelDir, String keyBucket, String keyPrefix, URI s3Endpoint,
        String region, String accessKeyId, String secretAccessKey, long maxBodyBytes, int concurrency,
        Duration queueTimeout, Duration requestTimeout, long keyCacheBytes, int evalThreads, Duration shutdownGrace) {

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(modelDir, "modelDir");
        Objects.requireNonNull(keyBucket, "keyBucket (" + ContainerEnvironment.KEY_BUCKET + ")");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (maxBodyBytes < 1024 || concurrency < 1 || keyCacheBytes < 0 || evalThreads < 0) {
            throw new IllegalArgumentException("maxBodyBytes >= 1024, concurrency >= 1, keyCacheBytes >= 0 and"
                    + " evalThreads >= 0 are required");
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
                + " ms, key cache " + keyCacheBytes + " B, eval threads " + evalThreads + "]";
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
        return b;
    }

    /**
     * The container's configuration: {@code SAGEMAKER_BIND_TO_PORT} (8080), {@code FHEML_MODEL_DIR}
     * ({@code /opt/ml/model}), {@code FHEML_KEY_BUCKET} (required), {@code FHEML_KEY_PREFIX} ({@code keys/}),
     * {@code FHEML_S3_ENDPOINT}, {@code AWS_REGION}, {@code FHEML_MAX_BODY_BYTES}, {@code FHEML_CONCURRENCY},
     * {@code FHEML_QUEUE_TIMEOUT_MS}, {@code FHEML_REQUEST_TIMEOUT_MS}, {@code FHEML_KEY_CACHE_BYTES},
     * {@code FHEML_EVAL_THREADS}, {@code FHEML_SHUTDOWN_GRACE_MS}.
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
        b.shutdownGrace = Duration.ofMillis(number(env, ContainerEnvironment.SHUTDOWN_GRACE_MS, b.shutdownGrace.toMillis()));
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
        private Duration shutdownGrace = Duration.ofSeconds(30);

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

        public ServerConfig build() {
            return new ServerConfig(host, port, modelDir, keyBucket, keyPrefix, s3Endpoint, region, accessKeyId,
                    secretAccessKey, maxBodyBytes, concurrency, queueTimeout, requestTimeout, keyCacheBytes,
                    evalThreads, shutdownGrace);
        }
    }
}
