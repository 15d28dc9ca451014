package dev.fheml.cli;

import dev.fheml.inference.InferenceServer;
import dev.fheml.inference.ServerConfig;
import dev.fheml.local.LocalStack;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml serve}: the inference server on this machine, as the container runs it, until
 * Ctrl-C (which drains requests in flight). With {@code --local}, the whole local stack (S3 API,
 * server, async invoker) so that {@code predict}/{@code smoke-test} in another shell can use it.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the inference server locally (or, with --local, the whole local stack) until Ctrl-C.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--local", description = "Start s3proxy + the inference server + the async invoker and print how to reach them.")
    boolean local;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "Folder with server.zip (and client.zip for --local); default for --local: the demo's MNIST model.")
    Path modelDir;

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port = 8080;

    @Option(names = "--key-bucket", paramLabel = "BUCKET", description = "Bucket holding keys/<model-id>/<key-id>.")
    String keyBucket;

    @Option(names = "--key-prefix", description = "Prefix of the keys (default: ${DEFAULT-VALUE}).")
    String keyPrefix = ExchangeLayout.KEYS;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint override.")
    URI s3Endpoint;

    @Option(names = "--region", description = "AWS region (default: the SDK's default chain).")
    String region;

    @Option(names = "--concurrency", description = "Requests evaluated at once (default: the number of cores).")
    Integer concurrency;

    @Option(names = "--key-cache-mb", description = "Bound on idle expanded keys in memory, MiB (default: ${DEFAULT-VALUE}).")
    long keyCacheMb = 1024;

    @Option(names = "--servers", description = "--local: inference servers behind the async invoker, each an instance"
            + " of the endpoint's fleet with its own port, threads and key cache (default: ${DEFAULT-VALUE}).")
    int servers = 1;

    @Option(names = "--threads-per-server", description = "--local: evaluation threads of each server (default: all"
            + " cores; with --servers K, the cores divided by K).")
    Integer threadsPerServer;

    @Option(names = "--max-body-mb", description = "Largest request body, MiB (default: ${DEFAULT-VALUE}).")
    long maxBodyMb = 16;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        CountDownLatch stop = new CountDownLatch(1);
        if (local) {
            if (keyBucket != null || s3Endpoint != null) {
                throw new IllegalArgumentException("--local runs its own S3 API and bucket: drop --key-bucket and --s3-endpoint");
            }
            Path dir = TargetOptions.localModelDir(modelDir, out);
            if (servers < 1) {
                throw new IllegalArgumentException("--servers must be >= 1, got " + servers);
            }
            int cores = Runtime.getRuntime().availableProcessors();
            int threads = threadsPerServer != null ? threadsPerServer : servers == 1 ? 0 : Math.max(1, cores / servers);
            LocalStack.Options options = LocalStack.Options.of(dir).withKeyCacheBytes(keyCacheMb << 20).withNotifications(true)
                    .withServers(servers, threads);
            if (concurrency != null) {
                options = options.withConcurrency(concurrency, Math.max(2, concurrency));
            }
            LocalStack stack = LocalStack.start(options);
            // Closing in the hook: the JVM halts once hooks finish, so main must not be the one closing.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stack.close();
                stop.countDown();
            }, "stop"));
            out.println("local stack ready (Ctrl-C stops it and deletes its S3 data):");
            out.println("  model           " + stack.modelId() + "  (" + dir + ")");
            out.println("  S3 API          " + stack.s3Endpoint() + "  bucket " + stack.bucket());
            out.println("  SageMaker API   " + stack.sageMakerEndpoint() + "  endpoint " + stack.endpointName());
            for (InferenceServer server : stack.servers()) {
                out.println("  inference       " + server.uri() + "/ping, /invocations");
            }
            String queue = stack.notifications().subscribe("cli");
            out.println("  SQS API         " + stack.notifications().endpoint() + "  queue " + queue + " (result notifications)");
            out.println("in another shell:");
            out.println("  export AWS_ACCESS_KEY_ID=" + LocalStack.ACCESS_KEY + " AWS_SECRET_ACCESS_KEY="
                    + LocalStack.SECRET_KEY + "   # dummy credentials of the local S3 API");
            out.println("  ./fhe-ml smoke-test --bucket " + stack.bucket() + " --endpoint " + stack.endpointName()
                    + " --region " + stack.region() + " --s3-endpoint " + stack.s3Endpoint() + " --sagemaker-endpoint "
                    + stack.sageMakerEndpoint() + " --sqs-endpoint " + stack.notifications().endpoint()
                    + " --notification-queue " + queue + " --model-id " + stack.modelId());
            out.flush();
            stop.await();
            return 0;
        }
        if (modelDir == null || keyBucket == null) {
            throw new IllegalArgumentException("give --model-dir and --key-bucket (or --local for the whole stack)");
        }
        ServerConfig.Builder b = ServerConfig.builder().host(host).port(port).modelDir(modelDir).keyBucket(keyBucket)
                .keyPrefix(keyPrefix).s3Endpoint(s3Endpoint).region(region).keyCacheBytes(keyCacheMb << 20)
                .maxBodyBytes(maxBodyMb << 20);
        if (concurrency != null) {
            b.concurrency(concurrency);
        }
        InferenceServer server = InferenceServer.start(b.build());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "shutdown"));
        out.println("serving on " + server.uri() + " (/ping, /invocations); loading " + modelDir.resolve(ArtifactNames.SERVER_ZIP));
        if (server.awaitReady(Duration.ofMinutes(2))) {
            out.println("model " + server.modelId() + " loaded; Ctrl-C drains requests in flight and stops");
        } else {
            out.println("the model did not load (see the log above); /ping answers 503");
        }
        out.flush();
        stop.await();
        return 0;
    }
}
