package dev.fheml.local;

import dev.fheml.client.FheClient;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.inference.InferenceServer;
import dev.fheml.inference.KeyCache;
import dev.fheml.inference.ServerConfig;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole serving path on one machine, no AWS account: an S3 API (s3proxy, files in a temp
 * folder) on 127.0.0.1, the {@link InferenceServer} as a real HTTP server on 127.0.0.1, and a
 * {@link LocalAsyncInvoker} playing SageMaker async inference. Clients talk to it with the same
 * code as to AWS, through endpoint overrides and dummy credentials ({@link #clientBuilder()}).
 *
 * <pre>{@code
 * try (LocalStack stack = LocalStack.start(modelDir);            // modelDir holds server.zip and client.zip
 *      FheClient client = stack.clientBuilder().keyStore(keys).build()) {
 *     Prediction p = client.predict(features);
 * }
 * }</pre>
 */
public final class LocalStack implements AutoCloseable {
    public static final String BUCKET = "fhe-ml-exchange";
    public static final String ENDPOINT_NAME = "fhe-ml-endpoint";
    public static final String REGION = "us-east-1";
    /** Dummy credentials: s3proxy checks the signature, nothing else accepts them. */
    public static final String ACCESS_KEY = "local-access-key";
    public static final String SECRET_KEY = "local-secret-key";
    /** Timeouts of the stack's own SDK clients (S3 for the invoker and the server, SQS for the notifications). */
    static final Duration S3_ATTEMPT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration S3_CALL_TIMEOUT = Duration.ofSeconds(15);

    /**
     * Settings of the local stack.
     *
     * @param modelDir          folder with {@code server.zip} and {@code client.zip}
     * @param serverConcurrency each inference server's evaluation slots
     * @param invokerWorkers    concurrent deliveries per server (SageMaker's MaxConcurrentInvocationsPerInstance)
     * @param keyCacheBytes     each server's key-cache bound
     * @param retryWindow       how long the invoker retries an unavailable server before writing a failure
     * @param notifications     also run an SQS API fed like SageMaker's SNS topics, and give each client a queue
     * @param externalServer    an inference server already running elsewhere (e.g. the inference image in a
     *                          container) that the invoker delivers to instead of starting one in this process;
     *                          {@code null} starts them here. It must reach this stack's S3 endpoint.
     * @param s3Route           where the stack's components (server, invoker, clients) reach S3, given the S3
     *                          API's own address: the identity, or a fault-injecting proxy in front of it (tests)
     * @param servers           inference servers started in this process, each an instance of the endpoint's
     *                          fleet with its own port, evaluation pool and key cache (1 with an external server)
     * @param serverThreads     each server's evaluation threads; 0 = all cores
     */
    public record Options(Path modelDir, int serverConcurrency, int invokerWorkers, long keyCacheBytes,
            Duration retryWindow, boolean notifications, URI externalServer, UnaryOperator<URI> s3Route, int servers,
            int serverThreads) {
        public Options {
            if (servers < 1 || serverThreads < 0 || (externalServer != null && servers != 1)) {
                throw new IllegalArgumentException("servers >= 1 (exactly 1 with an external server) and serverThreads"
                        + " >= 0 are required; got " + servers + " and " + serverThreads);
            }
        }

        public static Options of(Path modelDir) {
            int cores = Runtime.getRuntime().availableProcessors();
            return new Options(modelDir, cores, Math.max(2, cores), 1L << 30, Duration.ofSeconds(60), false, null,
                    UnaryOperator.identity(), 1, 0);
        }

        /** Every component reaches S3 at {@code route.apply(address of the S3 API)}. */
        public Options withS3Route(UnaryOperator<URI> route) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, keyCacheBytes, retryWindow, notifications,
                    externalServer, route, servers, serverThreads);
        }

        public Options withConcurrency(int server, int invoker) {
            return new Options(modelDir, server, invoker, keyCacheBytes, retryWindow, notifications, externalServer,
                    s3Route, servers, serverThreads);
        }

        public Options withKeyCacheBytes(long bytes) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, bytes, retryWindow, notifications,
                    externalServer, s3Route, servers, serverThreads);
        }

        public Options withRetryWindow(Duration window) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, keyCacheBytes, window, notifications,
                    externalServer, s3Route, servers, serverThreads);
        }

        public Options withNotifications(boolean on) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, keyCacheBytes, retryWindow, on,
                    externalServer, s3Route, servers, serverThreads);
        }

        /** Delivers to the server at {@code uri} ({@code http://host:port}) instead of starting one. */
        public Options withExternalServer(URI uri) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, keyCacheBytes, retryWindow, notifications,
                    uri, s3Route, servers, serverThreads);
        }

        /** {@code count} servers in this process, {@code threads} evaluation threads each (0 = all cores). */
        public Options withServers(int count, int threads) {
            return new Options(modelDir, serverConcurrency, invokerWorkers, keyCacheBytes, retryWindow, notifications,
                    externalServer, s3Route, count, threads);
        }
    }

    private final Options options;
    private final Path data;
    private final S3Proxy s3proxy;
    private final URI s3Endpoint;
    private final S3Client s3;
    private final String modelId;
    private final List<ServerConfig> serverConfigs;
    private final List<InferenceServer> servers;
    private final LocalAsyncInvoker invoker;
    private final LocalNotifications notifications;

    private LocalStack(Options options, Path data, S3Proxy s3proxy, URI s3Endpoint, S3Client s3, String modelId,
            List<ServerConfig> serverConfigs, List<InferenceServer> servers, LocalAsyncInvoker invoker,
            LocalNotifications notifications) {
        this.options = options;
        this.data = data;
        this.s3proxy = s3proxy;
        this.s3Endpoint = s3Endpoint;
        this.s3 = s3;
        this.modelId = modelId;
        this.serverConfigs = serverConfigs;
        this.servers = new CopyOnWriteArrayList<>(servers);
        this.invoker = invoker;
        this.notifications = notifications;
    }

    /** Starts the stack for the model in {@code modelDir} with default options. */
    public static LocalStack start(Path modelDir) throws IOException {
        return start(Options.of(modelDir));
    }

    /**
     * Starts s3proxy, creates the exchange bucket, publishes {@code client.zip} under
     * {@code client/<model-id>/client.zip}, starts the inference server (waiting for its model) and the
     * invoker.
     *
     * @throws IOException when a part cannot start or the model cannot be loaded
     */
    public static LocalStack start(Options options) throws IOException {
        Path clientZip = options.modelDir().resolve(ArtifactNames.CLIENT_ZIP);
        String modelId = ModelArtifacts.readClient(clientZip).manifest().modelId();
        Path data = Files.createTempDirectory("fhe-ml-local-s3-");
        S3Proxy proxy = null;
        S3Client s3 = null;
        List<InferenceServer> servers = new ArrayList<>();
        LocalNotifications notifications = null;
        try {
            FilesystemNio2BlobStore store = new FilesystemNio2BlobStore(data.toString());
            store.createContainer(BUCKET);
            proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .ignoreUnknownHeaders(true).build();
            proxy.start();
            waitStarted(proxy);
            URI endpoint = options.s3Route().apply(URI.create("http://127.0.0.1:" + proxy.getPort()));
            // Bounded like every SDK client of the project: a hanging S3 costs a call timeout, not a thread.
            s3 = S3Client.builder().endpointOverride(endpoint).forcePathStyle(true).region(Region.of(REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .overrideConfiguration(o -> o.apiCallAttemptTimeout(S3_ATTEMPT_TIMEOUT).apiCallTimeout(S3_CALL_TIMEOUT))
                    .build();
            s3.putObject(b -> b.bucket(BUCKET).key(ExchangeLayout.clientZipObject(modelId)), RequestBody.fromFile(clientZip));
            if (options.notifications()) {
                notifications = LocalNotifications.start(ENDPOINT_NAME, REGION, ACCESS_KEY, SECRET_KEY);
            }
            List<URI> targets = new ArrayList<>();
            List<ServerConfig> configs = new ArrayList<>();
            if (options.externalServer() != null) {
                targets.add(options.externalServer());
            } else {
                for (int i = 0; i < options.servers(); i++) {
                    ServerConfig config = ServerConfig.builder().host("127.0.0.1").port(0).modelDir(options.modelDir())
                            .keyBucket(BUCKET).keyPrefix(ExchangeLayout.KEYS).s3Endpoint(endpoint).region(REGION)
                            .credentials(ACCESS_KEY, SECRET_KEY).concurrency(options.serverConcurrency())
                            .evalThreads(options.serverThreads()).keyCacheBytes(options.keyCacheBytes())
                            .shutdownGrace(Duration.ofSeconds(30)).s3Timeouts(S3_ATTEMPT_TIMEOUT, S3_CALL_TIMEOUT).build();
                    InferenceServer server = startServer(config);
                    servers.add(server);
                    configs.add(config.toBuilder().port(server.port()).build()); // a restart keeps the address
                    targets.add(server.uri());
                }
            }
            LocalAsyncInvoker invoker = new LocalAsyncInvoker(ENDPOINT_NAME, BUCKET, s3, targets,
                    options.invokerWorkers(), options.retryWindow(), notifications);
            return new LocalStack(options, data, proxy, endpoint, s3, modelId, configs, servers, invoker, notifications);
        } catch (Exception e) {
            if (notifications != null) {
                notifications.close();
            }
            servers.forEach(InferenceServer::close);
            if (s3 != null) {
                s3.close();
            }
            stopQuietly(proxy);
            Folders.deleteQuietly(data);
            throw e instanceof IOException io ? io : new IOException("cannot start the local stack: " + e.getMessage(), e);
        }
    }

    private static InferenceServer startServer(ServerConfig config) throws IOException {
        InferenceServer s = InferenceServer.start(config);
        try {
            if (!s.awaitReady(Duration.ofMinutes(2))) {
                s.close();
                throw new IOException("the inference server could not load " + config.modelDir().resolve(ArtifactNames.SERVER_ZIP));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new IOException("interrupted while loading the model", e);
        }
        return s;
    }

    private static void waitStarted(S3Proxy proxy) throws Exception {
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(25);
        }
        if (!"STARTED".equals(proxy.getState())) {
            throw new IOException("s3proxy did not start: " + proxy.getState());
        }
    }

    /**
     * A client builder pointed at this stack (endpoints, bucket, region, dummy credentials, fast
     * polling); with notifications, also a queue of its own subscribed to the result topics.
     */
    public FheClient.Builder clientBuilder() {
        FheClient.Builder b = FheClient.builder().clientZip(options.modelDir().resolve(ArtifactNames.CLIENT_ZIP)).bucket(BUCKET)
                .endpointName(ENDPOINT_NAME).region(REGION).s3Endpoint(s3Endpoint).sageMakerEndpoint(invoker.uri())
                .credentials(ACCESS_KEY, SECRET_KEY).pollInterval(Duration.ofMillis(20), Duration.ofMillis(250))
                .timeout(Duration.ofMinutes(5));
        if (notifications != null) {
            b.notificationQueue(notifications.subscribe("client")).sqsEndpoint(notifications.endpoint())
                    .pollInterval(Duration.ofMillis(20), Duration.ofSeconds(5));
        }
        return b;
    }

    /** The SQS API of the result notifications, or {@code null} when they are off. */
    public LocalNotifications notifications() {
        return notifications;
    }

    public URI s3Endpoint() {
        return s3Endpoint;
    }

    /** The SageMaker runtime endpoint override (the local async invoker). */
    public URI sageMakerEndpoint() {
        return invoker.uri();
    }

    /** The (first) inference server's own address ({@code /ping}, {@code /invocations}). */
    public URI serverUri() {
        return options.externalServer() != null ? options.externalServer() : servers.get(0).uri();
    }

    public String bucket() {
        return BUCKET;
    }

    public String endpointName() {
        return ENDPOINT_NAME;
    }

    public String region() {
        return REGION;
    }

    public String modelId() {
        return modelId;
    }

    public Path clientZip() {
        return options.modelDir().resolve(ArtifactNames.CLIENT_ZIP);
    }

    /** The folder behind the S3 API (tests that break the store itself). */
    Path storage() {
        return data;
    }

    /** An S3 client on the stack's bucket (tests, tools). Owned by the stack: do not close. */
    public S3Client s3() {
        return s3;
    }

    /** The (first) in-process server, or {@code null} with an {@linkplain Options#externalServer() external} one. */
    public InferenceServer server() {
        return servers.isEmpty() ? null : servers.get(0);
    }

    /** Every in-process server, one per instance (empty with an external server). */
    public List<InferenceServer> servers() {
        return List.copyOf(servers);
    }

    public LocalAsyncInvoker invoker() {
        return invoker;
    }

    /** The (first) in-process server's key-cache counters ({@code null} with an external server). */
    public KeyCache.Stats keyCacheStats() {
        return servers.isEmpty() ? null : servers.get(0).keyCacheStats();
    }

    /** Stops every inference server gracefully (as on SIGTERM); the invoker keeps accepting and retrying. */
    public synchronized void stopServer() {
        requireInProcess();
        servers.forEach(InferenceServer::close);
    }

    /** Starts every inference server afresh on its port (restarted containers: empty key caches). */
    public synchronized void startServer() throws IOException {
        requireInProcess();
        for (int i = 0; i < serverConfigs.size(); i++) {
            servers.set(i, startServer(serverConfigs.get(i)));
        }
    }

    private void requireInProcess() {
        if (servers.isEmpty()) {
            throw new IllegalStateException("the inference server is external (" + options.externalServer()
                    + "): stop and start it where it runs");
        }
    }

    @Override
    public void close() {
        invoker.close();
        servers.forEach(InferenceServer::close);
        if (notifications != null) {
            notifications.close();
        }
        s3.close();
        stopQuietly(s3proxy);
        Folders.deleteQuietly(data);
    }

    private static void stopQuietly(S3Proxy proxy) {
        if (proxy != null) {
            try {
                proxy.stop();
            } catch (Exception ignored) {
                // already stopped
            }
        }
    }
}
