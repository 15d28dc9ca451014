package dev.fheml.client;

import dev.fheml.core.SizeLimits;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.HostingContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClient;
import software.amazon.awssdk.services.sagemakerruntime.SageMakerRuntimeClientBuilder;
import software.amazon.awssdk.services.sagemakerruntime.model.InvokeEndpointAsyncResponse;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * SageMaker async inference over S3: a request is written to {@code queries/<client>/<uuid>},
 * {@code InvokeEndpointAsync} names it, and the output or failure object SageMaker writes is polled
 * with backoff until the deadline (or, with a notification queue, awaited on SQS with S3 polled
 * only as a fallback). Every object read from S3 is read with a size cap. The same code runs against
 * AWS and the local stack (endpoint overrides in {@link ClientConfig}).
 */
public final class AsyncEndpointTransport implements Transport {
    /** The largest response envelope read back. */
    static final long MAX_RESPONSE_BYTES = SizeLimits.CIPHERTEXT_BATCH + Envelope.HEADER_BYTES;

    private final ClientConfig config;
    private final S3Client s3;
    private final SageMakerRuntimeClient sageMaker;
    private final SqsClient sqs;
    private final ResultNotifications notifications;
    private final Set<String> keysPresent = ConcurrentHashMap.newKeySet();

    public AsyncEndpointTransport(ClientConfig config) {
        this.config = config;
        this.s3 = s3Client(config);
        this.sageMaker = sageMakerClient(config);
        this.sqs = config.notificationQueue() == null ? null : sqsClient(config);
        this.notifications = sqs == null ? null : new ResultNotifications(sqs, config.notificationQueue(), 20);
    }

    /**
     * Lists {@code keys/<model-id>/<key-id>} exactly (needs {@code s3:ListBucket} on {@code keys/*},
     * not read access to other clients' keys) and uploads the key when it is absent; where listing
     * is denied the key is simply uploaded. Uploads are conditional ({@code If-None-Match: *}): the
     * client role may only create keys, never overwrite one (another client's, or a racing upload of
     * its own), so 412 means the key is already there.
     */
    @Override
    public void ensureKey(String modelId, String keyId, KeyBytes key) throws FheClientException {
        String object = ExchangeLayout.keyObject(modelId, keyId);
        if (keysPresent.contains(object)) {
            return;
        }
        synchronized (keysPresent) {
            if (keysPresent.contains(object)) {
                return;
            }
            try {
                if (!exists(object)) {
                    putIfAbsent(object, key.get());
                }
            } catch (SdkException e) {
                throw new TransportException("uploading the evaluation key to "
                        + ExchangeLayout.s3Uri(config.bucket(), object) + " failed: " + e.getMessage(), e);
            }
            keysPresent.add(object);
        }
    }

    @Override
    public boolean uploadKey(String modelId, String keyId, KeyBytes key) throws FheClientException {
        String object = ExchangeLayout.keyObject(modelId, keyId);
        synchronized (keysPresent) {
            keysPresent.remove(object);
            try {
                boolean created = putIfAbsent(object, key.get());
                keysPresent.add(object);
                return created;
            } catch (SdkException e) {
                throw new TransportException("uploading the evaluation key to "
                        + ExchangeLayout.s3Uri(config.bucket(), object) + " failed: " + e.getMessage(), e);
            }
        }
    }

    /** True when created; false when an object of that name exists (412: write-once). */
    private boolean putIfAbsent(String object, byte[] bytes) {
        Backoff conflicts = Backoff.exponential(Duration.ofMillis(200), Duration.ofSeconds(5));
        for (int attempt = 1; ; attempt++) {
            try {
                s3.putObject(b -> b.bucket(config.bucket()).key(object).ifNoneMatch("*")
                        .contentType(HostingContract.ENVELOPE_CONTENT_TYPE), RequestBody.fromBytes(bytes));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    return false; // already there: content-addressed, so normally this very key
                }
                if (e.statusCode() != 409 || attempt >= config.maxAttempts()) {
                    throw e;
                }
                // 409: a concurrent conditional write of the same key is in progress; try again shortly.
                try {
                    Thread.sleep(conflicts.nextMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private boolean exists(String key) {
        try {
            return s3.listObjectsV2(b -> b.bucket(config.bucket()).prefix(key).maxKeys(1)).contents().stream()
                    .anyMatch(o -> o.key().equals(key));
        } catch (S3Exception e) {
            if (e.statusCode() == 403) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public byte[] roundTrip(byte[] request) throws FheClientException {
        return roundTrip(UUID.randomUUID().toString(), 0, request);
    }

    @Override
    public byte[] roundTrip(String requestId, int round, byte[] request) throws FheClientException {
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        long deadline = System.nanoTime() + config.timeout().toNanos();
        String submission = round == 0 ? requestId : requestId + "-r" + round;
        String queryKey = ExchangeLayout.queryObject(config.clientId(), requestId);
        // Writing the same object again is harmless: the write is retried through an S3 outage.
        untilDeadline("writing the request to " + ExchangeLayout.s3Uri(config.bucket(), queryKey), deadline, () -> {
            s3.putObject(b -> b.bucket(config.bucket()).key(queryKey).contentType(HostingContract.ENVELOPE_CONTENT_TYPE),
                    RequestBody.fromBytes(request));
            return null;
        });
        Backoff resubmit = Backoff.exponential(config.pollInitial(), config.pollInitial().multipliedBy(64));
        for (int attempt = 1; ; attempt++) {
            // One inference id per submission: the invoker treats a repeated id as the same submission.
            String inferenceId = attempt == 1 ? submission : submission + "-" + attempt;
            // Registered before the invocation so that no notification can come too early.
            CompletableFuture<ResultNotifications.Notification> notified =
                    notifications == null ? null : notifications.expect(inferenceId);
            try {
                InvokeEndpointAsyncResponse invoked = untilDeadline("InvokeEndpointAsync on " + config.endpointName(),
                        deadline, () -> sageMaker.invokeEndpointAsync(b -> b.endpointName(config.endpointName())
                                .inputLocation(ExchangeLayout.s3Uri(config.bucket(), queryKey))
                                .contentType(HostingContract.ENVELOPE_CONTENT_TYPE).inferenceId(inferenceId)));
                return await(inferenceId, invoked.outputLocation(), invoked.failureLocation(), notified, deadline);
            } catch (InferenceFailedException e) {
                if (!e.retryable() || attempt >= config.maxAttempts() || System.nanoTime() > deadline) {
                    throw e;
                }
                sleep(resubmit, deadline);
            } finally {
                if (notifications != null) {
                    notifications.forget(inferenceId);
                }
            }
        }
    }

    /**
     * Runs an AWS call, retrying transient failures (beyond the SDK's own retries) with backoff until
     * the deadline; other failures, and the last transient one at the deadline, become a
     * {@link TransportException} naming {@code what}.
     */
    private <T> T untilDeadline(String what, long deadline, Callable<T> call)
            throws FheClientException {
        Backoff backoff = Backoff.exponential(config.pollInitial().plusMillis(100), config.pollMax().multipliedBy(2));
        while (true) {
            try {
                return call.call();
            } catch (SdkException e) {
                if (!isTransient(e) || System.nanoTime() > deadline) {
                    throw new TransportException(what + " failed: " + e.getMessage(), e);
                }
                sleep(backoff, deadline);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new TransportException(what + " failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * A failure that may go away by itself: no answer (network, timeout), throttling, or a server
     * error. A 4xx other than 408 and 429 is an answer and stays one.
     */
    static boolean isTransient(SdkException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            return status >= 500 || status == 408 || status == 429 || service.isThrottlingException();
        }
        return e instanceof SdkClientException || e.retryable();
    }

    /**
     * Polls the output and failure locations until one exists. With notifications, the wait between
     * polls is the notification itself (S3 is still checked every {@code pollMax} as a fallback);
     * without, it grows from {@code pollInitial} to {@code pollMax}.
     */
    private byte[] await(String inferenceId, String output, String failure,
            CompletableFuture<ResultNotifications.Notification> notified, long deadline) throws FheClientException {
        Backoff polls = new Backoff(config.pollInitial(), config.pollMax(), 1.5, 0.2);
        ResultNotifications.Notification note = null;
        int checksAfterNote = 0;
        String lastStoreError = null;
        while (true) {
            try {
                byte[] out = getIfPresent(output, MAX_RESPONSE_BYTES);
                if (out != null) {
                    return out;
                }
                byte[] failed = failure == null ? null : getIfPresent(failure, FailureBody.MAX_BYTES);
                if (failed != null) {
                    throw FailureBody.parse(inferenceId, failed);
                }
            } catch (TransportException e) {
                // A transient S3 error while polling is one more poll that found nothing yet.
                if (!(e.getCause() instanceof SdkException sdk) || !isTransient(sdk)) {
                    throw e;
                }
                lastStoreError = e.getMessage();
            }
            if (note != null && !note.success() && ++checksAfterNote >= 3) {
                // Notified of a failure whose object cannot be read: report what the notification says.
                throw new InferenceFailedException(ErrorCode.UNKNOWN, note.failureReason() == null
                        ? "the endpoint reported a failure" : note.failureReason(), inferenceId);
            }
            if (System.nanoTime() > deadline) {
                throw new InferenceTimeoutException("no result for inference " + inferenceId + " within "
                        + config.timeout() + " (output " + output + ", failure " + failure + "); the endpoint may be"
                        + " scaling from zero: retry with a longer timeout"
                        + (lastStoreError == null ? "" : "; last S3 error: " + lastStoreError));
            }
            if (notified != null && note == null) {
                note = awaitNotification(notified, deadline);
                polls.reset(); // the object should be there now, or very soon
                continue;
            }
            sleep(polls, deadline);
        }
    }

    /** The notification, or {@code null} when the fallback poll interval (or the deadline) passed first. */
    private ResultNotifications.Notification awaitNotification(
            CompletableFuture<ResultNotifications.Notification> notified, long deadline) throws InferenceTimeoutException {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        try {
            return notified.get(Math.min(config.pollMax().toMillis(), left), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceTimeoutException("interrupted while waiting for the result");
        }
    }

    /**
     * The object's bytes, or null while it does not exist (404, or 403 without list permission).
     * Never buffers more than {@code maxBytes}: a declared length over the cap is refused unread, and
     * the read itself stops at the cap.
     */
    private byte[] getIfPresent(String s3Uri, long maxBytes) throws TransportException {
        URI uri = URI.create(s3Uri);
        if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new TransportException("SageMaker returned a location that is not s3://bucket/key: " + s3Uri, null);
        }
        try {
            return read(uri.getHost(), uri.getPath().substring(1), maxBytes);
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return null;
            }
            throw new TransportException("reading " + s3Uri + " failed: " + e.getMessage(), e);
        } catch (SdkException | IOException e) {
            throw new TransportException("reading " + s3Uri + " failed: " + e.getMessage(), e);
        }
    }

    /** Reads inside the SDK call, so the attempt and call timeouts bound the body too. */
    private byte[] read(String bucket, String key, long maxBytes) throws IOException {
        try {
            return s3.getObject(b -> b.bucket(bucket).key(key), (GetObjectResponse response, AbortableInputStream in) -> {
                Long declared = response.contentLength();
                try {
                    if (declared != null && declared > maxBytes) {
                        in.abort();
                        throw new SizeLimits.TooLargeException(ExchangeLayout.s3Uri(bucket, key) + " is " + declared
                                + " bytes, larger than the limit of " + maxBytes);
                    }
                    return SizeLimits.readAtMost(in, maxBytes, ExchangeLayout.s3Uri(bucket, key));
                } catch (SizeLimits.TooLargeException e) {
                    throw new UncheckedIOException(e); // unchecked: the SDK retries IOExceptions
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public byte[] fetch(String key, long maxBytes) throws FheClientException {
        try {
            return read(config.bucket(), key, maxBytes);
        } catch (SdkException | IOException e) {
            throw new TransportException("cannot download " + ExchangeLayout.s3Uri(config.bucket(), key) + ": "
                    + e.getMessage(), e);
        }
    }

    private static void sleep(Backoff backoff, long deadline) throws InferenceTimeoutException {
        try {
            backoff.sleep(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceTimeoutException("interrupted while waiting for the result");
        }
    }

    @Override
    public void close() {
        if (notifications != null) {
            notifications.close();
            sqs.close();
        }
        s3.close();
        sageMaker.close();
    }

    private static AwsCredentialsProvider credentials(ClientConfig c) {
        return c.accessKeyId() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
    }

    private static ClientOverrideConfiguration overrides(ClientConfig c) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(c.maxAttempts()).build())
                .apiCallAttemptTimeout(c.awsAttemptTimeout())
                .apiCallTimeout(c.awsCallTimeout())
                .build();
    }

    private static Region region(ClientConfig c) {
        if (c.region() != null) {
            return Region.of(c.region());
        }
        return c.s3Endpoint() != null || c.sageMakerEndpoint() != null || c.sqsEndpoint() != null ? Region.US_EAST_1 : null;
    }

    private static S3Client s3Client(ClientConfig c) {
        S3ClientBuilder b = S3Client.builder().credentialsProvider(credentials(c)).overrideConfiguration(overrides(c))
                .fipsEnabled(c.fipsEndpoints());
        if (region(c) != null) {
            b.region(region(c));
        }
        if (c.s3Endpoint() != null) {
            b.endpointOverride(c.s3Endpoint()).forcePathStyle(true);
        }
        return b.build();
    }

    private static SqsClient sqsClient(ClientConfig c) {
        SqsClientBuilder b = SqsClient.builder().credentialsProvider(credentials(c)).overrideConfiguration(overrides(c))
                .fipsEnabled(c.fipsEndpoints());
        if (region(c) != null) {
            b.region(region(c));
        }
        if (c.sqsEndpoint() != null) {
            b.endpointOverride(c.sqsEndpoint());
        }
        return b.build();
    }

    private static SageMakerRuntimeClient sageMakerClient(ClientConfig c) {
        SageMakerRuntimeClientBuilder b = SageMakerRuntimeClient.builder().credentialsProvider(credentials(c))
                .overrideConfiguration(overrides(c)).fipsEnabled(c.fipsEndpoints());
        if (region(c) != null) {
            b.region(region(c));
        }
        if (c.sageMakerEndpoint() != null) {
            b.endpointOverride(c.sageMakerEndpoint());
        }
        return b.build();
    }
}
