package dev.fheml.inference;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationPool;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.artifact.ModelArtifacts.ServerModel;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.EnvelopeException;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SageMaker hosting contract on Jetty: {@code GET /ping} answers 200 once {@code server.zip}
 * is loaded, {@code POST /invocations} takes a request {@link Envelope} and answers a response
 * envelope, or a JSON error ({@link ErrorCode}). Concurrency is bounded by a semaphore taken
 * before the body is read (so memory is bounded by concurrency × body limit); evaluation runs on a
 * pool of the same size under a per-request timeout; {@link #close()} drains requests in flight.
 * The circuit is compiled once when the model loads; every key is expanded on one native
 * {@link EvaluationPool} of {@link ServerConfig#evalThreads()} threads, so cached keys share the cores.
 * Logs one JSON line per request (ids shortened, never key or ciphertext bytes).
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final Logger REQUESTS = LoggerFactory.getLogger("dev.fheml.inference.requests");

    private final ServerConfig config;
    private final KeySource keySource;
    private final Server jetty;
    private final ServerConnector connector;
    private final Semaphore slots;
    private final ExecutorService evaluators;
    private final EvaluationPool pool;
    private final CountDownLatch settled = new CountDownLatch(1);
    private final EvaluationStats evaluationStats = new EvaluationStats();
    private volatile Loaded model;
    private volatile String loadError;
    private volatile boolean stopping;

    private record Loaded(ServerModel server, FheParameters parameters, CompiledCircuit compiled, KeyCache keys) {
        String modelId() {
            return server.manifest().modelId();
        }
    }

    private InferenceServer(ServerConfig config, KeySource keySource) {
        this.config = config;
        this.keySource = keySource;
        this.slots = new Semaphore(config.concurrency(), true);
        this.pool = EvaluationPool.create(config.evalThreads());
        AtomicInteger n = new AtomicInteger();
        this.evaluators = Executors.newFixedThreadPool(config.concurrency(), r -> {
            Thread t = new Thread(r, "fhe-eval-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        QueuedThreadPool pool = new QueuedThreadPool(Math.max(16, 2 * config.concurrency() + 8), 4);
        pool.setName("http");
        this.jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(60_000);
        jetty.addConnector(connector);
        jetty.setHandler(new GracefulHandler(new Routes()));
        jetty.setStopTimeout(config.shutdownGrace().toMillis());
        jetty.setStopAtShutdown(false);
    }

    /** Starts listening at once and loads the model in the background ({@code /ping} says when). */
    public static InferenceServer start(ServerConfig config) throws IOException {
        return start(config, S3KeySource.create(config));
    }

    public static InferenceServer start(ServerConfig config, KeySource keySource) throws IOException {
        InferenceServer s = new InferenceServer(config, keySource);
        try {
            s.jetty.start();
        } catch (Exception e) {
            keySource.close();
            s.pool.close();
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
        Thread loader = new Thread(s::loadModel, "model-loader");
        loader.setDaemon(true);
        loader.start();
        LOG.info("listening on {}:{}, {}", config.host(), s.port(), config);
        return s;
    }

    private void loadModel() {
        Path zip = config.modelDir().resolve(ArtifactNames.SERVER_ZIP);
        try {
            ServerModel server = ModelArtifacts.readServer(zip);
            FheParameters p = server.circuit().parameters();
            CompiledCircuit compiled = CompiledCircuit.compile(server.circuit());
            model = new Loaded(server, p, compiled, new KeyCache(keySource, p, config.keyCacheBytes(), pool));
            LOG.info(Http.json(Map.of("event", "model_loaded", HostingContract.MODEL_ID_FIELD, server.manifest().modelId(),
                    "parameters", p.name(), "bootstraps_per_query", server.circuit().bootstrapCount())));
        } catch (IOException | RuntimeException e) {
            loadError = zip + ": " + e.getMessage();
            LOG.error("cannot load the model from {}: {}", zip, e.toString());
        } finally {
            settled.countDown();
        }
    }

    /** Waits until the model is loaded; false if loading failed or the time ran out. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && model != null;
    }

    public boolean ready() {
        return model != null && !stopping;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@code http://<host>:<port>} as reachable from this machine. */
    public URI uri() {
        String host = "0.0.0.0".equals(config.host()) ? "127.0.0.1" : config.host();
        return URI.create("http://" + host + ":" + port());
    }

    /** The served model id, or {@code null} before it is loaded. */
    public String modelId() {
        Loaded m = model;
        return m == null ? null : m.modelId();
    }

    /** Bootstraps one query costs with the served circuit, or 0 before the model is loaded. */
    public int bootstrapsPerQuery() {
        Loaded m = model;
        return m == null ? 0 : m.server().circuit().bootstrapCount();
    }

    /** Key-cache counters, or {@code null} before the model is loaded. */
    public KeyCache.Stats keyCacheStats() {
        Loaded m = model;
        return m == null ? null : m.keys().stats();
    }

    /** Durations of the evaluations this server ran. */
    public EvaluationStats evaluationStats() {
        return evaluationStats;
    }

    public ServerConfig config() {
        return config;
    }

    /** Blocks until the server stops. */
    public void join() throws InterruptedException {
        jetty.join();
    }

    /**
     * Graceful stop: {@code /ping} turns 503, the listener closes, requests in flight finish (up to
     * the shutdown grace), then expanded keys, the compiled circuit and last the evaluation pool are
     * freed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (stopping && !jetty.isRunning()) {
            return;
        }
        stopping = true;
        LOG.info("stopping: draining requests in flight (grace {} ms)", config.shutdownGrace().toMillis());
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
        evaluators.shutdown();
        boolean drained = false;
        try {
            drained = evaluators.awaitTermination(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
            if (!drained) {
                LOG.warn("evaluations still running after the grace period");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Loaded m = model;
        if (m != null) {
            m.keys().close(); // keys still in use close when their evaluation releases them
        } else {
            try {
                keySource.close();
            } catch (Exception e) {
                LOG.warn("closing the key source: {}", e.toString());
            }
        }
        // Closing waits for native calls in progress; an evaluation past the grace keeps the circuit
        // and the pool open (the process is stopping; the cleaner frees them if it does not).
        if (drained) {
            if (m != null) {
                m.compiled().close();
            }
            pool.close();
        }
        LOG.info("stopped");
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = Request.getPathInContext(request);
            String method = request.getMethod();
            if (HostingContract.PING.equals(path)) {
                if (!"GET".equals(method) && !"HEAD".equals(method)) {
                    Http.sendError(response, callback, ErrorCode.METHOD_NOT_ALLOWED, "use GET /ping");
                } else if (ready()) {
                    Http.sendJson(response, callback, 200, Map.of("status", "ready", HostingContract.MODEL_ID_FIELD, modelId()));
                } else {
                    Http.sendError(response, callback, ErrorCode.NOT_READY,
                            stopping ? "shutting down" : loadError != null ? "model failed to load" : "loading the model");
                }
            } else if (HostingContract.INVOCATIONS.equals(path)) {
                if (!"POST".equals(method)) {
                    Http.sendError(response, callback, ErrorCode.METHOD_NOT_ALLOWED, "use POST /invocations");
                } else {
                    invoke(request, response, callback);
                }
            } else {
                Http.sendError(response, callback, ErrorCode.NOT_FOUND, "no such path; use /ping or /invocations");
            }
            return true;
        }
    }

    private void invoke(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String requestId = request.getHeaders().get(HostingContract.REQUEST_ID_HEADER);
        if (!Ids.isRequestId(requestId)) {
            requestId = UUID.randomUUID().toString();
        }
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("event", "invocation");
        line.put("request_id", requestId);
        response.getHeaders().put(HostingContract.REQUEST_ID_HEADER, requestId);
        ErrorCode error = null;
        try {
            byte[] out = process(request, line);
            Http.send(response, callback, 200, HostingContract.ENVELOPE_CONTENT_TYPE, out);
        } catch (InferenceException e) {
            error = e.code();
            if (error == ErrorCode.BUSY) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            }
            if (error == ErrorCode.INTERNAL) {
                LOG.error("request {} failed", requestId, e);
            }
            Http.sendError(response, callback, error, e.getMessage());
        } catch (RuntimeException e) {
            error = ErrorCode.INTERNAL;
            LOG.error("request {} failed", requestId, e);
            Http.sendError(response, callback, error, "internal error (see the server log, request " + requestId + ")");
        }
        line.put("status", error == null ? 200 : error.status());
        line.put("code", error == null ? "ok" : error.code());
        line.put("ms", (System.nanoTime() - start) / 1_000_000);
        REQUESTS.info(Http.json(line));
    }

    private byte[] process(Request request, Map<String, Object> line) {
        Loaded m = model;
        if (m == null || stopping) {
            throw new InferenceException(ErrorCode.NOT_READY, stopping ? "the server is shutting down" : "the model is not loaded yet");
        }
        if (request.getLength() > config.maxBodyBytes()) {
            throw new InferenceException(ErrorCode.PAYLOAD_TOO_LARGE, "request body of " + request.getLength()
                    + " bytes exceeds the limit of " + config.maxBodyBytes());
        }
        try {
            if (!slots.tryAcquire(config.queueTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new InferenceException(ErrorCode.BUSY, "all " + config.concurrency()
                        + " evaluation slots stayed busy for " + config.queueTimeout().toMillis() + " ms; retry later");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(ErrorCode.NOT_READY, "interrupted while waiting for a slot");
        }
        boolean handedOver = false;
        try {
            Envelope envelope = parse(readBody(request));
            line.put("model", Ids.shortId(envelope.modelId()));
            line.put("key", Ids.shortId(envelope.keyId()));
            line.put("queries", envelope.count());
            if (!envelope.modelId().equals(m.modelId())) {
                throw new InferenceException(ErrorCode.MODEL_MISMATCH, "this endpoint serves model " + m.modelId()
                        + ", the request is for " + envelope.modelId());
            }
            Future<byte[]> result = evaluators.submit(() -> {
                try {
                    return evaluate(m, envelope);
                } finally {
                    slots.release();
                }
            });
            handedOver = true;
            return await(result);
        } finally {
            if (!handedOver) {
                slots.release();
            }
        }
    }

    private byte[] readBody(Request request) {
        try {
            return Http.readBody(request, config.maxBodyBytes());
        } catch (Http.TooLargeException e) {
            throw new InferenceException(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
        } catch (IOException e) {
            throw new InferenceException(ErrorCode.MALFORMED_ENVELOPE, "the request body could not be read: " + e);
        }
    }

    private Envelope parse(byte[] body) {
        try {
            return Envelope.parse(body, Envelope.Kind.REQUEST, config.maxBodyBytes());
        } catch (EnvelopeException e) {
            ErrorCode code = switch (e.reason()) {
                case UNSUPPORTED_VERSION -> ErrorCode.UNSUPPORTED_VERSION;
                case TOO_LARGE -> ErrorCode.PAYLOAD_TOO_LARGE;
                case TRUNCATED, MALFORMED -> ErrorCode.MALFORMED_ENVELOPE;
            };
            throw new InferenceException(code, e.getMessage());
        }
    }

    private byte[] await(Future<byte[]> result) {
        try {
            return result.get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // The native evaluation cannot be interrupted: it finishes and then frees its slot.
            throw new InferenceException(ErrorCode.TIMEOUT,
                    "evaluation did not finish within " + config.requestTimeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InferenceException ie) {
                throw ie;
            }
            throw new InferenceException(ErrorCode.INTERNAL, "evaluation failed (see the server log)", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceException(ErrorCode.INTERNAL, "interrupted");
        }
    }

    private byte[] evaluate(Loaded m, Envelope envelope) {
        GlweBatch input;
        try {
            input = GlweBatch.fromBytes(m.parameters(), envelope.payload(), config.maxBodyBytes());
        } catch (FheException e) {
            throw new InferenceException(ErrorCode.INVALID_CIPHERTEXT, "the ciphertexts cannot be read: " + e.getMessage());
        }
        try (input; KeyCache.Lease key = m.keys().acquire(envelope.modelId(), envelope.keyId())) {
            if (input.count() != envelope.count()) {
                throw new InferenceException(ErrorCode.INVALID_CIPHERTEXT, "the envelope announces " + envelope.count()
                        + " queries but carries " + input.count());
            }
            long start = System.nanoTime();
            try (CompactBatch out = m.compiled().evaluate(key.context(), input)) {
                evaluationStats.record(System.nanoTime() - start);
                return Envelope.response(envelope.modelId(), envelope.keyId(), envelope.count(), out.toBytes()).toBytes();
            } catch (FheException e) {
                throw new InferenceException(ErrorCode.INVALID_CIPHERTEXT, "evaluation refused the input: " + e.getMessage());
            }
        }
    }

    /** Container entry point: configuration from the environment, SIGTERM drains and exits. */
    public static void main(String[] args) throws Exception {
        // SageMaker starts the image with the argument "serve"; nothing else is accepted.
        if (args.length > 1 || (args.length == 1 && !"serve".equals(args[0]))) {
            System.err.println("usage: inference-server [serve]   (configuration from the environment, see docs/serving.md)");
            System.exit(2);
        }
        InferenceServer server = start(ServerConfig.fromEnvironment(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        server.join();
    }
}
