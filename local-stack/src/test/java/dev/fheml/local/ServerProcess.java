package dev.fheml.local;

import dev.fheml.inference.InferenceServer;
import dev.fheml.protocol.ContainerEnvironment;
import dev.fheml.protocol.HostingContract;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The inference server in a JVM of its own ({@code InferenceServer.main}, configured by environment
 * as in the container), so a test can kill it with SIGKILL mid-request and start another on the
 * same port.
 */
final class ServerProcess implements AutoCloseable {
    private final int port;
    private final Map<String, String> environment;
    private final Path log;
    private Process process;

    private ServerProcess(int port, Map<String, String> environment, Path log) {
        this.port = port;
        this.environment = environment;
        this.log = log;
    }

    /** A free port on this machine for a server started later. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts a server for the model in {@code modelDir} with keys in the local stack's bucket at
     * {@code s3}, and waits for its {@code /ping}.
     */
    static ServerProcess start(int port, Path modelDir, URI s3, Path log) throws Exception {
        ServerProcess p = new ServerProcess(port, Map.of(
                ContainerEnvironment.BIND_TO_PORT, Integer.toString(port),
                ContainerEnvironment.MODEL_DIR, modelDir.toString(),
                ContainerEnvironment.KEY_BUCKET, LocalStack.BUCKET,
                ContainerEnvironment.S3_ENDPOINT, s3.toString(),
                ContainerEnvironment.REGION, LocalStack.REGION,
                ContainerEnvironment.CONCURRENCY, "2",
                ContainerEnvironment.S3_ATTEMPT_TIMEOUT_MS, "2000",
                ContainerEnvironment.S3_CALL_TIMEOUT_MS, "6000"), log);
        p.launch();
        return p;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts the JVM and waits until {@code /ping} says ready. */
    void launch() throws Exception {
        ProcessBuilder b = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), InferenceServer.class.getName(), "serve");
        b.environment().putAll(environment);
        b.environment().put("AWS_ACCESS_KEY_ID", LocalStack.ACCESS_KEY);
        b.environment().put("AWS_SECRET_ACCESS_KEY", LocalStack.SECRET_KEY);
        b.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        b.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = b.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri().resolve(HostingContract.PING)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the server process did not become ready (log: " + log + ")");
    }

    /** SIGKILL: no drain, no shutdown hook, connections cut. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: the graceful stop
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
