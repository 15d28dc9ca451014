package dev.fheml.inference;

import dev.fheml.core.CancelFlag;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationPool;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.ModelArtifacts.ServerModel;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.EnvelopeException;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.server.handler.QoSHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SageMaker hosting contract on Jetty: {@code GET /ping} answers 200 once {@code server.zip}
 * is loaded, {@code POST /invocations} takes a request {@link Envelope} and answers a response
 * envelope, or a JSON error ({@link ErrorCode}); every other response, Jetty's own included, is a
 * JSON error too.
 *
 * <p>An invocation holds nothing scarce until its body has arrived: the body is read without a
 * thread (Jetty's demand callbacks) under a total deadline and Jetty's minimum data rate; then its
 * {@link RequestCost} (bootstraps, peak memory) is computed from the envelope's header and the
 * circuit and refused over the budget ({@code too_large}); only then does it wait for an
 * evaluation slot, suspended in Jetty's {@link QoSHandler} (no thread parked, so {@code /ping}
 * always has one). Evaluation runs on a pool of {@code concurrency} threads, in chunks of queries
 * that fit the budget, and is cancelled natively at the request deadline ({@code timeout}); the
 * slot is released only once the native call has returned. {@link #close()} drains requests in
 * flight and cancels those still running near the end of the grace ({@code shutting_down}).
 *
 * <p>The circuit is compiled once when the model loads; every key is expanded on one native
 * {@link EvaluationPool} of {@link ServerConfig#evalThreads()} threads, so cached keys share the cores.
 * Logs one JSON line per request (ids shortened, never key or ciphertext bytes).
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final Logger REQUESTS = LoggerFactory.getLogger("dev.fheml.inference.requests");
    /** Before the end of the grace, evaluations still running are cancelled so they can be answered. */
    private static final Duration CANCEL_BEFORE_GRACE_ENDS = Duration.ofSeconds(3);

    private final ServerConfig config;
    private final KeySource keySource;
    private final Server jetty;
    private final ServerConnector connector;
    private final ExecutorService evaluators;
    private final ScheduledExecutorService timers;
    private final EvaluationPool pool;
    private final CountDownLatch settled = new CountDownLatch(1);
    private final EvaluationStats evaluationStats = new EvaluationStats();
    private final Set<Invocation> evaluating = ConcurrentHashMap.newKeySet();
    /** Invocations whose body has arrived and that wait for a slot. */
    private final AtomicInteger queued = new AtomicInteger();
    private final int maxQueued;
    private volatile Loaded model;
    private volatile RequestCost.Model costs;
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
        this.pool = EvaluationPool.create(config.evalThreads());
        AtomicInteger n = new AtomicInteger();
        this.evaluators = Executors.newFixedThreadPool(config.concurrency(), r -> {
            Thread t = new Thread(r, "fhe-eval-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "deadlines");
            t.setDaemon(true);
            return t;
        });
        // Bodies of queued requests are held in memory: at most a few per slot.
        this.maxQueued = 4 * config.concurrency();
        QueuedThreadPool threads = new QueuedThreadPool(Math.max(16, 2 * config.concurrency() + 8), 4);
        threads.setName("http");
        this.jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setMinRequestDataRate(config.minBodyRate());
        this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.bodyTimeout().toMillis());
        jetty.addConnector(connector);
        Slots slots = new Slots();
        slots.setMaxRequestCount(config.concurrency());
        slots.setMaxSuspend(config.queueTimeout());
        slots.setMaxSuspendedRequestCount(-1); // bounded before entering (maxQueued), with a JSON busy
        slots.setHandler(new Evaluate());
        jetty.setHandler(new GracefulHandler(new Routes(slots)));
        jetty.setErrorHandler(new JsonErrors());
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
            s.timers.shutdownNow();
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
            costs = new RequestCost.Model(server.circuit());
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
     * Graceful stop (SIGTERM, SageMaker scale-in): {@code /ping} and new invocations answer 503
     * ({@code not_ready} and {@code shutting_down}, both retryable), the listener closes, requests in
     * flight finish within the shutdown grace; evaluations still running 3 s
     * before its end are cancelled and answered {@code shutting_down}, and requests still waiting for
     * a slot are answered {@code shutting_down} as slots free up. Then expanded keys, the compiled
     * circuit and last the evaluation pool are freed. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (stopping && !jetty.isRunning()) {
            return;
        }
        stopping = true;
        LOG.info("stopping: draining requests in flight (grace {} ms)", config.shutdownGrace().toMillis());
        long cancelAfter = Math.max(0, config.shutdownGrace().minus(CANCEL_BEFORE_GRACE_ENDS).toMillis());
        ScheduledFuture<?> cancelRunning = timers.schedule(() -> {
            for (Invocation i : evaluating) {
                i.cancel(ErrorCode.SHUTTING_DOWN);
            }
        }, cancelAfter, TimeUnit.MILLISECONDS);
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP server: {}", e.toString());
        }
        cancelRunning.cancel(false);
        evaluators.shutdown();
        timers.shutdownNow();
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

    /** {@code /ping}, method and path checks; {@code /invocations} reads its body, then goes on to the slots. */
    private final class Routes extends Handler.Wrapper {
        Routes(Handler slots) {
            super(slots);
        }

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
                    new Invocation(request, response, callback).start(getHandler());
                }
            } else {
                Http.sendError(response, callback, ErrorCode.NOT_FOUND, "no such path; use /ping or /invocations");
            }
            return true;
        }
    }

    /**
     * The evaluation slots: Jetty's QoS handler suspends a request that finds them all taken (no
     * thread waits) and resumes it when a request completes, or fails it after the queue timeout.
     */
    private final class Slots extends QoSHandler {
        @Override
        protected void failSuspended(Request request, Response response, Callback callback, int status, Throwable failure) {
            Invocation invocation = Invocation.of(request);
            if (invocation == null) {
                super.failSuspended(request, response, callback, status, failure);
                return;
            }
            queued.decrementAndGet();
            if (failure instanceof TimeoutException && !stopping) {
                invocation.finish(ErrorCode.BUSY, "all " + config.concurrency() + " evaluation slots stayed busy for "
                        + config.queueTimeout().toMillis() + " ms; retry later");
            } else {
                invocation.finish(stopping ? ErrorCode.SHUTTING_DOWN : ErrorCode.INTERNAL,
                        stopping ? "the server is shutting down" : "could not schedule the evaluation: " + failure);
            }
        }
    }

    /** Runs with a slot: hands the evaluation to the evaluator threads and returns at once. */
    private final class Evaluate extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            Invocation invocation = Invocation.of(request);
            queued.decrementAndGet();
            evaluators.execute(invocation::evaluate);
            return true;
        }
    }

    /** Jetty's own error responses (bad request line, 431, 503 while stopping...) in the JSON error contract. */
    private final class JsonErrors extends ErrorHandler {
        @Override
        protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
                Callback callback) {
            ErrorCode code = code(status);
            if (code == ErrorCode.BUSY) {
                response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            }
            Http.sendJson(response, callback, status, Http.errorBody(code, text(status, message)));
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, HostingContract.JSON_CONTENT_TYPE);
            return ByteBuffer.wrap(Http.json(Http.errorBody(code(status), text(status, reason)))
                    .getBytes(StandardCharsets.UTF_8));
        }

        private ErrorCode code(int status) {
            return status == HttpStatus.SERVICE_UNAVAILABLE_503 && stopping ? ErrorCode.SHUTTING_DOWN
                    : ErrorCode.forStatus(status);
        }

        private static String text(int status, String message) {
            String reason = HttpStatus.getMessage(status);
            return message == null || message.isBlank() ? reason : reason + ": " + message;
        }
    }

    /**
     * One {@code POST /invocations} from its first byte to its one answer: body (asynchronous, under
     * the body deadline), envelope and budget checks, the wait for a slot, the evaluation (cancellable)
     * and the answer, written exactly once with its log line.
     */
    private final class Invocation {
        private static final String ATTRIBUTE = Invocation.class.getName();

        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long start = System.nanoTime();
        private final String requestId;
        private final Map<String, Object> line = new LinkedHashMap<>();
        private final AtomicBoolean answered = new AtomicBoolean();
        private final List<byte[]> parts = new ArrayList<>();
        private long received;
        private ScheduledFuture<?> bodyDeadline;
        /** Set when the headers already decide the answer: given once the body has been read. */
        private InferenceException refusal;
        private Loaded model;
        private Envelope envelope;
        private RequestCost cost;
        /** Set by {@link #cancel}: what the evaluation is answered with once it stops. */
        private volatile ErrorCode cancelledWith;
        private CancelFlag flag;

        Invocation(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            String id = request.getHeaders().get(HostingContract.REQUEST_ID_HEADER);
            this.requestId = Ids.isRequestId(id) ? id : UUID.randomUUID().toString();
            line.put("event", "invocation");
            line.put("request_id", requestId);
            response.getHeaders().put(HostingContract.REQUEST_ID_HEADER, requestId);
        }

        static Invocation of(Request request) {
            return (Invocation) request.getAttribute(ATTRIBUTE);
        }

        /**
         * Checks what the headers tell, then reads the body without holding a thread. A request
         * refused for its headers alone (content type, not ready) is still read first when its body
         * is within the limit, so the client gets the answer instead of a reset connection.
         */
        void start(Handler slots) {
            if (request.getLength() > config.maxBodyBytes()) {
                finish(ErrorCode.PAYLOAD_TOO_LARGE, "request body of " + request.getLength()
                        + " bytes exceeds the limit of " + config.maxBodyBytes());
                return;
            }
            Loaded m = InferenceServer.this.model;
            String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (type != null && !HostingContract.ENVELOPE_CONTENT_TYPE.equalsIgnoreCase(MimeTypes.getBase(type))) {
                refusal = new InferenceException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "content type " + type
                        + " is not accepted; send " + HostingContract.ENVELOPE_CONTENT_TYPE + " (or no content type)");
            } else if (m == null || stopping) {
                refusal = new InferenceException(stopping ? ErrorCode.SHUTTING_DOWN : ErrorCode.NOT_READY,
                        stopping ? "the server is shutting down" : "the model is not loaded yet");
            }
            this.model = m;
            request.setAttribute(ATTRIBUTE, this);
            bodyDeadline = timers.schedule(() -> finish(ErrorCode.REQUEST_TIMEOUT, "the request body did not arrive"
                    + " within " + config.bodyTimeout().toMillis() + " ms"), config.bodyTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            read(slots);
        }

        /** Takes what content is there; asks Jetty to call again when more arrives. */
        private void read(Handler slots) {
            while (!answered.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(() -> read(slots));
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    Throwable failure = chunk.getFailure();
                    // Jetty's minimum data rate and idle timeout end a slow body with a timeout.
                    boolean slow = failure instanceof TimeoutException
                            || (failure instanceof org.eclipse.jetty.http.HttpException h && h.getCode() == 408);
                    finish(slow ? ErrorCode.REQUEST_TIMEOUT : ErrorCode.MALFORMED_ENVELOPE,
                            "the request body could not be read: " + failure.getMessage());
                    return;
                }
                ByteBuffer bytes = chunk.getByteBuffer();
                received += bytes.remaining();
                if (received > config.maxBodyBytes()) {
                    chunk.release();
                    finish(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds the limit of " + config.maxBodyBytes() + " bytes");
                    return;
                }
                if (bytes.hasRemaining()) {
                    byte[] copy = new byte[bytes.remaining()];
                    bytes.get(copy);
                    parts.add(copy);
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (last) {
                    bodyDeadline.cancel(false);
                    arrived(slots);
                    return;
                }
            }
        }

        /** The whole body is here: parse, check model and budget, then wait for a slot. */
        private void arrived(Handler slots) {
            if (refusal != null) {
                finish(refusal.code(), refusal.getMessage());
                return;
            }
            try {
                byte[] body = new byte[(int) received];
                int at = 0;
                for (byte[] p : parts) {
                    System.arraycopy(p, 0, body, at, p.length);
                    at += p.length;
                }
                parts.clear();
                envelope = parse(body);
                line.put("model", Ids.shortId(envelope.modelId()));
                line.put("key", Ids.shortId(envelope.keyId()));
                line.put("queries", envelope.count());
                if (!envelope.modelId().equals(model.modelId())) {
                    throw new InferenceException(ErrorCode.MODEL_MISMATCH, "this endpoint serves model " + model.modelId()
                            + ", the request is for " + envelope.modelId());
                }
                cost = budget(envelope, body.length);
                if (stopping) {
                    throw new InferenceException(ErrorCode.SHUTTING_DOWN, "the server is shutting down");
                }
                if (queued.incrementAndGet() > maxQueued) {
                    queued.decrementAndGet();
                    throw new InferenceException(ErrorCode.BUSY, maxQueued + " requests already wait for one of the "
                            + config.concurrency() + " evaluation slots; retry later");
                }
            } catch (InferenceException e) {
                finish(e.code(), e.getMessage());
                return;
            }
            try {
                slots.handle(request, response, callback);
            } catch (Exception e) {
                queued.decrementAndGet();
                finish(ErrorCode.INTERNAL, "could not schedule the evaluation: " + e);
            }
        }

        private RequestCost budget(Envelope e, long bodyBytes) {
            RequestCost c = costs.of(e.count(), bodyBytes, config.requestMemoryBudget());
            line.put("bootstraps", c.bootstraps());
            if (c.bootstraps() > config.requestBootstrapBudget()) {
                throw new InferenceException(ErrorCode.TOO_LARGE, "the request costs " + c.bootstraps() + " bootstraps ("
                        + e.count() + " queries x " + costs.bootstrapsPerQuery() + "), over the limit of "
                        + config.requestBootstrapBudget() + " per request: send fewer queries per request");
            }
            if (c.memoryBytes() > config.requestMemoryBudget()) {
                throw new InferenceException(ErrorCode.TOO_LARGE, "the request needs about " + c.memoryBytes()
                        + " bytes of memory (" + e.count() + " queries), over the limit of "
                        + config.requestMemoryBudget() + " per request: send fewer queries per request");
            }
            return c;
        }

        /** On an evaluator thread, holding a slot. */
        void evaluate() {
            byte[] out = null;
            ErrorCode error = null;
            String message = null;
            ScheduledFuture<?> deadline = null;
            CancelFlag f = CancelFlag.create();
            synchronized (this) {
                flag = f;
            }
            try {
                evaluating.add(this);
                if (stopping) {
                    cancel(ErrorCode.SHUTTING_DOWN);
                }
                deadline = timers.schedule(() -> cancel(ErrorCode.TIMEOUT), config.requestTimeout().toMillis(),
                        TimeUnit.MILLISECONDS);
                out = InferenceServer.this.evaluate(model, envelope, cost.chunkQueries(), this);
            } catch (InferenceException e) {
                error = e.code();
                message = e.getMessage();
                if (error == ErrorCode.INTERNAL) {
                    LOG.error("request {} failed", requestId, e);
                }
            } catch (CancellationException e) {
                error = cancelledWith != null ? cancelledWith : ErrorCode.TIMEOUT;
                message = error == ErrorCode.SHUTTING_DOWN
                        ? "the server is shutting down; the evaluation was stopped: submit again"
                        : "the evaluation did not finish within " + config.requestTimeout().toMillis()
                                + " ms and was stopped";
            } catch (RuntimeException | Error e) {
                // Errors too: a native AssertionError is a bug, answered like one, never an HTML 500.
                error = ErrorCode.INTERNAL;
                message = "internal error (see the server log, request " + requestId + ")";
                LOG.error("request {} failed", requestId, e);
            } finally {
                if (deadline != null) {
                    deadline.cancel(false);
                }
                evaluating.remove(this);
                synchronized (this) {
                    flag = null; // cancel() after this point has nothing to raise
                }
                f.close();
            }
            if (error == null) {
                finish(out);
            } else {
                finish(error, message);
            }
        }

        /** Stops the evaluation at its next checkpoint; it is then answered with {@code code}. */
        void cancel(ErrorCode code) {
            synchronized (this) {
                if (cancelledWith == null) {
                    cancelledWith = code;
                }
                if (flag != null) {
                    flag.cancel();
                }
            }
        }

        /** Throws the cancellation if one was asked for (before work that has no checkpoint of its own). */
        void checkCancelled() {
            if (cancelledWith != null) {
                throw new CancellationException();
            }
        }

        synchronized CancelFlag flag() {
            return flag;
        }

        void finish(byte[] out) {
            if (answered.compareAndSet(false, true)) {
                Http.send(response, callback, 200, HostingContract.ENVELOPE_CONTENT_TYPE, out);
                log(null);
            }
        }

        void finish(ErrorCode code, String message) {
            if (answered.compareAndSet(false, true)) {
                if (bodyDeadline != null) {
                    bodyDeadline.cancel(false);
                }
                if (code.retryable() && code.status() == HttpStatus.SERVICE_UNAVAILABLE_503) {
                    response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                }
                Http.sendError(response, callback, code, message);
                log(code);
            }
        }

        private void log(ErrorCode error) {
            line.put("status", error == null ? 200 : error.status());
            line.put("code", error == null ? "ok" : error.code());
            line.put("ms", (System.nanoTime() - start) / 1_000_000);
            REQUESTS.info(Http.json(line));
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

    private byte[] evaluate(Loaded m, Envelope envelope, int chunkQueries, Invocation invocation) {
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
            invocation.checkCancelled(); // the key download and expansion have no checkpoint
            long start = System.nanoTime();
            try (CompactBatch out = m.compiled().evaluate(key.context(), input, chunkQueries, invocation.flag())) {
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
