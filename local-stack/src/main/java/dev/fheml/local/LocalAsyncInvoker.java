package dev.fheml.local;

import dev.fheml.client.Backoff;
import dev.fheml.inference.Http;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * What SageMaker asynchronous inference does, on 127.0.0.1: answers the runtime API's
 * {@code POST /endpoints/<name>/async-invocations} with 202 and the output/failure locations,
 * queues the request, reads the body from {@code InputLocation}, POSTs it to the inference server's
 * {@code /invocations}, and writes {@code results/<id>.out} or {@code failures/<id>-error.out}.
 * While the server is unreachable, drops the connection (a killed container) or answers 503
 * (restart, busy, shutting down) it retries with backoff for up to {@code retryWindow}; then the
 * failure object says {@code endpoint_unavailable}. S3 failures are retried too: reading the input
 * (a missing object is {@code input_not_found} at once) and writing the result; a result that cannot
 * be written within the window becomes an {@code output_write_failed} failure object, as SageMaker
 * writes a failure when it cannot write the output. An inference id already accepted is the same
 * submission (a retried InvokeEndpointAsync): it gets the same locations and is delivered once. An
 * acknowledged request therefore ends in exactly one output or failure object (unless this process
 * dies, or S3 refuses both for a whole window each). Behind it are one or more inference servers,
 * the instances of the endpoint's fleet ({@link InstanceFleet}): accepted requests wait in one queue
 * and each instance takes the next one whenever one of its slots is free.
 */
public final class LocalAsyncInvoker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalAsyncInvoker.class);

    /** Told of each result once its object is written (SageMaker's SNS success and error topics). */
    public interface Listener {
        void completed(String inferenceId, String inputLocation, String outputLocation);

        void failed(String inferenceId, String inputLocation, String failureLocation, String reason);
    }

    private static final Listener NOBODY = new Listener() {
        @Override
        public void completed(String inferenceId, String inputLocation, String outputLocation) {}

        @Override
        public void failed(String inferenceId, String inputLocation, String failureLocation, String reason) {}
    };

    private final String endpointName;
    private final String outputBucket;
    private final S3Client s3;
    private final InstanceFleet fleet;
    private final BlockingQueue<Delivery> queue = new LinkedBlockingQueue<>();
    private final Duration retryWindow;
    private final HttpClient http;
    private final ExecutorService workers;
    private final Server jetty;
    private final ServerConnector connector;
    private final AtomicLong accepted = new AtomicLong();
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicLong retries = new AtomicLong();
    private final Listener listener;

    /** An accepted request waiting for an instance. */
    private record Delivery(String id, URI input, String contentType, String output, String failure, long acceptedNanos) {}

    /**
     * One instance.
     *
     * @param workers  concurrent invocations (SageMaker's MaxConcurrentInvocationsPerInstance)
     * @param listener told of every result written, or {@code null}
     */
    public LocalAsyncInvoker(String endpointName, String outputBucket, S3Client s3, URI serverUri, int workers,
            Duration retryWindow, Listener listener) throws IOException {
        this(endpointName, outputBucket, s3, List.of(serverUri), workers, retryWindow, listener);
    }

    /**
     * A fleet of instances: each takes up to {@code slotsPerInstance} requests at a time from one
     * queue, as SageMaker's instances do (MaxConcurrentInvocationsPerInstance). A delivery that meets
     * its instance unavailable is retried on that instance, as a request taken by an instance stays
     * with it.
     *
     * @param instances        the inference servers, one per instance
     * @param listener         told of every result written, or {@code null}
     */
    public LocalAsyncInvoker(String endpointName, String outputBucket, S3Client s3, List<URI> instances,
            int slotsPerInstance, Duration retryWindow, Listener listener) throws IOException {
        this.listener = listener == null ? NOBODY : listener;
        this.endpointName = endpointName;
        this.outputBucket = outputBucket;
        this.s3 = s3;
        this.fleet = new InstanceFleet(instances, slotsPerInstance);
        this.retryWindow = retryWindow;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(fleet.size() * slotsPerInstance, r -> {
            Thread t = new Thread(r, "async-invoker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        for (int i = 0; i < fleet.size(); i++) {
            for (int slot = 0; slot < slotsPerInstance; slot++) {
                int instance = i;
                workers.execute(() -> takeRequests(instance));
            }
        }
        QueuedThreadPool pool = new QueuedThreadPool(16, 2);
        pool.setName("invoker-http");
        this.jetty = new Server(pool);
        this.connector = new ServerConnector(jetty);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new Api());
        try {
            jetty.start();
        } catch (Exception e) {
            workers.shutdownNow();
            throw new IOException("cannot start the local async invoker: " + e.getMessage(), e);
        }
    }

    /** The SageMaker runtime endpoint override for clients. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    public long accepted() {
        return accepted.get();
    }

    /** The inference ids accepted so far (each is delivered once). */
    public Set<String> acceptedIds() {
        return Set.copyOf(ids);
    }

    /** Per instance: deliveries and busy time; per delivery: time queued; duplicate deliveries. */
    public FleetStats fleetStats() {
        return fleet.stats();
    }

    /** One slot of an instance: takes the next queued request, delivers it, and so on until closed. */
    private void takeRequests(int instance) {
        while (!Thread.currentThread().isInterrupted()) {
            Delivery d;
            try {
                d = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            fleet.begin(instance, d.id(), System.nanoTime() - d.acceptedNanos());
            try {
                deliver(fleet.uri(instance), d.id(), d.input(), d.contentType(), d.output(), d.failure());
            } finally {
                fleet.end(instance);
            }
        }
    }

    /** Deliveries retried because the server was unreachable or busy. */
    public long retries() {
        return retries.get();
    }

    private final class Api extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws IOException {
            String path = Request.getPathInContext(request);
            String expected = "/endpoints/" + endpointName + "/async-invocations";
            if (!"POST".equals(request.getMethod()) || !path.startsWith("/endpoints/")) {
                awsError(response, callback, 404, "UnknownOperationException", "unsupported operation " + path);
                return true;
            }
            if (!expected.equals(path)) {
                awsError(response, callback, 400, "ValidationError", "Endpoint " + path.split("/")[2] + " not found.");
                return true;
            }
            Http.readBody(request, 1 << 20); // the async API carries no body; drain what there is
            String input = request.getHeaders().get("X-Amzn-SageMaker-InputLocation");
            URI location = input == null ? null : URI.create(input);
            if (location == null || !"s3".equals(location.getScheme()) || location.getHost() == null) {
                awsError(response, callback, 400, "ValidationError", "InputLocation must be s3://bucket/key");
                return true;
            }
            String id = request.getHeaders().get("X-Amzn-SageMaker-Inference-Id");
            if (id == null || id.isBlank()) {
                id = UUID.randomUUID().toString();
            }
            String contentType = request.getHeaders().get("X-Amzn-SageMaker-Content-Type");
            if (!Ids.isRequestId(id)) {
                awsError(response, callback, 400, "ValidationError", "InferenceId must be 1-128 of [A-Za-z0-9._:-]");
                return true;
            }
            String output = ExchangeLayout.resultObject(id);
            String failure = ExchangeLayout.failureObject(id);
            String inferenceId = id;
            if (ids.add(inferenceId)) {
                accepted.incrementAndGet();
                queue.add(new Delivery(inferenceId, location, contentType, output, failure, System.nanoTime()));
            }
            response.getHeaders().put("X-Amzn-SageMaker-OutputLocation", location(output));
            response.getHeaders().put("X-Amzn-SageMaker-FailureLocation", location(failure));
            Http.sendJson(response, callback, 202, Map.of("InferenceId", inferenceId));
            return true;
        }
    }

    private static void awsError(Response response, Callback callback, int status, String type, String message) {
        response.getHeaders().put("x-amzn-ErrorType", type);
        Http.sendJson(response, callback, status, Map.of("Message", message)); // the AWS JSON protocol's error shape
    }

    private void deliver(URI serverUri, String id, URI input, String contentType, String output, String failure) {
        long deadline = System.nanoTime() + retryWindow.toNanos();
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(2));
        byte[] body = null;
        String last = "";
        while (body == null) {
            try {
                body = s3.getObjectAsBytes(b -> b.bucket(input.getHost()).key(input.getPath().substring(1))).asByteArray();
            } catch (NoSuchKeyException | NoSuchBucketException e) {
                fail(id, input, failure, ErrorCode.INPUT_NOT_FOUND, "no object at InputLocation " + input);
                return;
            } catch (SdkException e) {
                if (e instanceof S3Exception s3e && (s3e.statusCode() == 403 || s3e.statusCode() == 404)) {
                    fail(id, input, failure, ErrorCode.INPUT_NOT_FOUND, "cannot read InputLocation " + input + ": "
                            + e.getMessage());
                    return;
                }
                last = "reading the input: " + e.getMessage();
                if (!pause(backoff, deadline)) {
                    fail(id, input, failure, ErrorCode.ENDPOINT_UNAVAILABLE, "the input could not be read for "
                            + retryWindow.toSeconds() + " s; last error: " + last);
                    return;
                }
            }
        }
        while (true) {
            try {
                HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(serverUri.resolve(HostingContract.INVOCATIONS))
                        .timeout(Duration.ofMinutes(10)).header(HostingContract.REQUEST_ID_HEADER, id)
                        .header("Content-Type", contentType == null ? HostingContract.ENVELOPE_CONTENT_TYPE : contentType)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                if (r.statusCode() == 200) {
                    if (write(output, r.body())) {
                        listener.completed(id, input.toString(), location(output));
                    } else {
                        fail(id, input, failure, ErrorCode.OUTPUT_WRITE_FAILED, "the result could not be written to "
                                + location(output) + " for " + retryWindow.toSeconds() + " s");
                    }
                    return;
                }
                if (r.statusCode() != 503) {
                    if (write(failure, r.body())) {
                        listener.failed(id, input.toString(), location(failure), "ClientError: Received client error ("
                                + r.statusCode() + ") from the model container");
                    } else {
                        LOG.error("the failure of {} could not be written to {}: the request is lost", id, location(failure));
                    }
                    return;
                }
                last = new String(r.body(), StandardCharsets.UTF_8);
            } catch (ConnectException e) {
                last = "connection refused";
            } catch (IOException e) {
                // The server closed the connection mid-request (killed, restarted): deliver again.
                last = e.getClass().getSimpleName() + ": " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(id, input, failure, ErrorCode.SHUTTING_DOWN, "the invoker was stopped before the request was delivered");
                return;
            }
            retries.incrementAndGet();
            if (!pause(backoff, deadline)) {
                fail(id, input, failure, ErrorCode.ENDPOINT_UNAVAILABLE, "the endpoint stayed unavailable for "
                        + retryWindow.toSeconds() + " s; last answer: " + last);
                return;
            }
        }
    }

    /** Sleeps for the next delay; false once the window is over (or on interrupt). */
    private static boolean pause(Backoff backoff, long deadline) {
        if (System.nanoTime() > deadline) {
            return false;
        }
        try {
            backoff.sleep(deadline);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void fail(String id, URI input, String failure, ErrorCode code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put(HostingContract.ERROR_FIELD, code.code());
        body.put(HostingContract.MESSAGE_FIELD, message);
        if (write(failure, Http.json(body).getBytes(StandardCharsets.UTF_8))) {
            listener.failed(id, input.toString(), location(failure), code.code() + ": " + message);
        } else {
            LOG.error("the failure of {} ({}) could not be written to {}: the request is lost", id, code.code(),
                    location(failure));
        }
    }

    /** Writes an object, retrying S3 failures with backoff for the retry window; false if it never succeeded. */
    private boolean write(String key, byte[] bytes) {
        long deadline = System.nanoTime() + retryWindow.toNanos();
        Backoff backoff = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(2));
        while (true) {
            try {
                s3.putObject(b -> b.bucket(outputBucket).key(key), RequestBody.fromBytes(bytes));
                return true;
            } catch (SdkException e) {
                LOG.warn("writing {} failed: {}", key, e.toString());
                if (Thread.currentThread().isInterrupted() || !pause(backoff, deadline)) {
                    return false;
                }
            }
        }
    }

    private String location(String key) {
        return "s3://" + outputBucket + "/" + key;
    }

    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the invoker: {}", e.toString());
        }
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
