package dev.fheml.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.ModelArtifacts.ClientModel;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.EnvelopeException;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import dev.fheml.protocol.Manifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
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
 * Encrypted predictions through a SageMaker async endpoint (or the local stack, which speaks the
 * same APIs). Per prediction: quantize, encrypt with the local secret key, write the request
 * envelope to {@code queries/<client>/<uuid>}, {@code InvokeEndpointAsync}, poll the output and
 * failure locations with backoff until the deadline (or, with a notification queue, wait for SageMaker's
 * SNS notification on SQS and poll S3 only as a fallback), download, decrypt, decode.
 *
 * <p>Thread-safe: one client serves concurrent predictions with one key. The evaluation key is
 * uploaded once (listed first; content-addressed, so uploading is idempotent). The secret key
 * stays in the key store folder; nothing here logs keys, ciphertexts or plaintext.
 */
public final class FheClient implements AutoCloseable {
    /** Failure codes after which the same request is submitted again (up to maxAttempts). */
        private static final long MAX_RESPONSE_BYTES = SizeLimits.CIPHERTEXT_BATCH + Envelope.HEADER_BYTES;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClientConfig config;
    private final S3Client s3;
    private final SageMakerRuntimeClient sageMaker;
    private final ClientModel model;
    private final FheParameters parameters;
    private final KeyStore.Keys keys;
    private final SqsClient sqs;
    private final ResultNotifications notifications;
    private volatile boolean keyUploaded;

    private FheClient(ClientConfig config, S3Client s3, SageMakerRuntimeClient sageMaker, ClientModel model,
            KeyStore.Keys keys) {
        this.config = config;
        this.s3 = s3;
        this.sageMaker = sageMaker;
        this.sqs = config.notificationQueue() == null ? null : sqsClient(config);
        this.notifications = sqs == null ? null : new ResultNotifications(sqs, config.notificationQueue(), 20);
        this.model = model;
        this.parameters = FheParameters.byName(model.spec().parameters());
        this.keys = keys;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClientConfig config() {
        return config;
    }

    public String modelId() {
        return model.spec().modelId();
    }

    /** SHA-256 of this client's evaluation key (the object name under {@code keys/<model-id>/}). */
    public String keyId() {
        return keys.keyId();
    }

    /** The public evaluation key in the key store (uploaded to {@code keys/<model-id>/<key-id>}). */
    public Path evaluationKeyFile() {
        return keys.evaluationKeyFile();
    }

    public ClientSpec spec() {
        return model.spec();
    }

    public Manifest manifest() {
        return model.manifest();
    }

    /** Known inputs shipped in {@code client.zip} with their expected classes (smoke tests). */
    public List<Sample> samples() {
        return model.samples();
    }

    /** One prediction; see {@link #predictBatch}. */
    public Prediction predict(double[] features) throws FheClientException {
        return predictBatch(List.of(features)).get(0);
    }

    /**
     * Predictions for raw feature vectors, sent as one encrypted batch (one request).
     *
     * @throws InferenceFailedException the endpoint's error code (e.g. {@code unknown_key}, {@code invalid_ciphertext})
     * @throws InferenceTimeoutException no result before the configured timeout
     * @throws ModelMismatchException the response is for another model
     * @throws TransportException S3 or SageMaker failed after retries
     */
    public List<Prediction> predictBatch(List<double[]> inputs) throws FheClientException {
        long[][] quantized = new long[inputs.size()][];
        for (int q = 0; q < quantized.length; q++) {
            quantized[q] = model.spec().quantize(inputs.get(q));
        }
        long[][] outputs = evaluate(quantized);
        List<Prediction> out = new ArrayList<>(outputs.length);
        for (long[] o : outputs) {
            out.add(model.spec().decode(o));
        }
        return out;
    }

    /**
     * The raw decrypted output integers for already quantized inputs ({@code [query][output]}):
     * what the circuit computes, before scaling to scores.
     */
    public long[][] evaluate(long[][] quantized) throws FheClientException {
        return evaluateTraced(quantized).outputs();
    }

    /** What one request cost on the client's side: encryption, the round trip through S3 and the endpoint, decryption. */
    public record Trace(long encryptNanos, long roundTripNanos, long decryptNanos, int requestBytes, int responseBytes) {}

    /** Decrypted outputs with the {@link Trace} of their request. */
    public record Evaluation(long[][] outputs, Trace trace) {}

    /** {@link #evaluate} with the time and bytes of each stage (demo, benchmarks). */
    public Evaluation evaluateTraced(long[][] quantized) throws FheClientException {
        if (quantized.length == 0 || quantized.length > Envelope.MAX_COUNT) {
            throw new IllegalArgumentException("a batch holds 1 to " + Envelope.MAX_COUNT + " inputs, got " + quantized.length);
        }
        uploadEvaluationKey();
        long t0 = System.nanoTime();
        byte[] body;
        try (GlweBatch query = keys.clientKey().encrypt(quantized, model.spec().inputDelta())) {
            body = Envelope.request(modelId(), keyId(), quantized.length, query.toBytes()).toBytes();
        }
        long t1 = System.nanoTime();
        byte[] response = submitAndWait(body);
        long t2 = System.nanoTime();
        long[][] outputs = decryptResponse(response, quantized.length);
        long t3 = System.nanoTime();
        return new Evaluation(outputs, new Trace(t1 - t0, t2 - t1, t3 - t2, body.length, response.length));
    }

    private long[][] decryptResponse(byte[] response, int count) throws FheClientException {
        Envelope envelope;
        try {
            envelope = Envelope.parse(response, Envelope.Kind.RESPONSE, SizeLimits.CIPHERTEXT_BATCH);
        } catch (EnvelopeException e) {
            throw new TransportException("the result object is not a response envelope: " + e.getMessage(), e);
        }
        if (!envelope.modelId().equals(modelId())) {
            throw new ModelMismatchException("the endpoint answered for model " + envelope.modelId()
                    + " but this client uses model " + modelId() + ": deploy or fetch the matching client.zip");
        }
        if (!envelope.keyId().equals(keyId()) || envelope.count() != count) {
            throw new TransportException("the result belongs to another request (key " + Ids.shortId(envelope.keyId())
                    + ", " + envelope.count() + " results)", null);
        }
        try (CompactBatch result = CompactBatch.fromBytes(parameters, envelope.payload(), SizeLimits.CIPHERTEXT_BATCH)) {
            if (result.count() != count || result.width() != model.spec().outputs()) {
                throw new TransportException("the result holds " + result.count() + "x" + result.width()
                        + " values, expected " + count + "x" + model.spec().outputs(), null);
            }
            return keys.clientKey().decrypt(result, model.spec().outputDelta());
        } catch (FheException e) {
            throw new TransportException("the result ciphertexts cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * Uploads the evaluation key unless {@code keys/<model-id>/<key-id>} already exists. Idempotent.
     * The check lists that exact key (needs {@code s3:ListBucket} on {@code keys/*}, not read access
     * to other clients' keys); where listing is denied the key is simply uploaded again, which is
     * harmless because the name is the content's hash.
     */
    public void uploadEvaluationKey() throws FheClientException {
        if (keyUploaded) {
            return;
        }
        synchronized (this) {
            if (keyUploaded) {
                return;
            }
            String key = ExchangeLayout.keyObject(modelId(), keyId());
            try {
                if (!exists(key)) {
                    s3.putObject(b -> b.bucket(config.bucket()).key(key).contentType(HostingContract.ENVELOPE_CONTENT_TYPE),
                            RequestBody.fromBytes(keys.evaluationKeyBytes()));
                }
            } catch (SdkException e) {
                throw new TransportException("uploading the evaluation key to s3://" + config.bucket() + "/" + key
                        + " failed: " + e.getMessage(), e);
            }
            keyUploaded = true;
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

    private byte[] submitAndWait(byte[] body) throws FheClientException {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        String requestId = UUID.randomUUID().toString();
        String queryKey = ExchangeLayout.queryObject(config.clientId(), requestId);
        try {
            s3.putObject(b -> b.bucket(config.bucket()).key(queryKey).contentType(HostingContract.ENVELOPE_CONTENT_TYPE),
                    RequestBody.fromBytes(body));
        } catch (SdkException e) {
            throw new TransportException("writing the request to s3://" + config.bucket() + "/" + queryKey
                    + " failed: " + e.getMessage(), e);
        }
        for (int attempt = 1; ; attempt++) {
            String inferenceId = attempt == 1 ? requestId : requestId + "-" + attempt;
            // Registered before the invocation so that no notification can come too early.
            CompletableFuture<ResultNotifications.Notification> notified =
                    notifications == null ? null : notifications.expect(inferenceId);
            try {
                InvokeEndpointAsyncResponse invoked;
                try {
                    invoked = sageMaker.invokeEndpointAsync(b -> b.endpointName(config.endpointName())
                            .inputLocation("s3://" + config.bucket() + "/" + queryKey)
                            .contentType(HostingContract.ENVELOPE_CONTENT_TYPE).inferenceId(inferenceId));
                } catch (SdkException e) {
                    throw new TransportException("InvokeEndpointAsync on " + config.endpointName() + " failed: "
                            + e.getMessage(), e);
                }
                return await(inferenceId, invoked.outputLocation(), invoked.failureLocation(), notified, deadline);
            } catch (InferenceFailedException e) {
                if (!ErrorCode.fromCode(e.errorCode()).map(ErrorCode::retryable).orElse(false) || attempt >= config.maxAttempts() || System.nanoTime() > deadline) {
                    throw e;
                }
                sleep(jitter(config.pollInitial().toMillis() * (1L << Math.min(attempt, 6))), deadline);
            } finally {
                if (notifications != null) {
                    notifications.forget(inferenceId);
                }
            }
        }
    }

    /**
     * Polls the output and failure locations until one exists. With notifications, the wait between
     * polls is the notification itself (S3 is still checked every {@code pollMax} as a fallback);
     * without, it grows from {@code pollInitial} to {@code pollMax}.
     */
    private byte[] await(String inferenceId, String output, String failure,
            CompletableFuture<ResultNotifications.Notification> notified, long deadline) throws FheClientException {
        long wait = Math.max(1, config.pollInitial().toMillis());
        ResultNotifications.Notification note = null;
        int checksAfterNote = 0;
        while (true) {
            byte[] out = getIfPresent(output);
            if (out != null) {
                return out;
            }
            byte[] failed = failure == null ? null : getIfPresent(failure);
            if (failed != null) {
                throw failureOf(inferenceId, failed);
            }
            if (note != null && !note.success() && ++checksAfterNote >= 3) {
                // Notified of a failure whose object cannot be read: report what the notification says.
                throw new InferenceFailedException(ErrorCode.UNKNOWN.code(), note.failureReason() == null ? "the endpoint reported a failure"
                        : note.failureReason(), inferenceId);
            }
            if (System.nanoTime() > deadline) {
                throw new InferenceTimeoutException("no result for inference " + inferenceId + " within "
                        + config.timeout() + " (output " + output + ", failure " + failure + "); the endpoint may be"
                        + " scaling from zero: retry with a longer timeout");
            }
            if (notified != null && note == null) {
                note = awaitNotification(notified, deadline);
                wait = Math.max(1, config.pollInitial().toMillis()); // the object should be there now, or very soon
                continue;
            }
            sleep(jitter(wait), deadline);
            wait = Math.min((long) (wait * 1.5) + 1, config.pollMax().toMillis());
        }
    }

    /** The notification, or {@code null} when the fallback poll interval (or the deadline) passed first. */
    private ResultNotifications.Notification awaitNotification(
            CompletableFuture<ResultNotifications.Notification> notified, long deadline) throws InferenceTimeoutException {
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        try {
            return notified.get(Math.min(config.pollMax().toMillis(), left), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceTimeoutException("interrupted while waiting for the result");
        }
    }

    /** The object's bytes, or null while it does not exist (404, or 403 without list permission). */
    private byte[] getIfPresent(String s3Uri) throws TransportException {
        URI uri = URI.create(s3Uri);
        if (!"s3".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new TransportException("SageMaker returned a location that is not s3://bucket/key: " + s3Uri, null);
        }
        String key = uri.getPath().substring(1);
        try {
            ResponseBytes<GetObjectResponse> bytes = s3.getObjectAsBytes(b -> b.bucket(uri.getHost()).key(key));
            if (bytes.response().contentLength() != null && bytes.response().contentLength() > MAX_RESPONSE_BYTES) {
                throw new TransportException(s3Uri + " is larger than " + MAX_RESPONSE_BYTES + " bytes", null);
            }
            return bytes.asByteArray();
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                return null;
            }
            throw new TransportException("reading " + s3Uri + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new TransportException("reading " + s3Uri + " failed: " + e.getMessage(), e);
        }
    }

    /** The server's {@code {"error", "message"}}, also when wrapped in SageMaker's own text. */
    static InferenceFailedException failureOf(String inferenceId, byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        int at = text.indexOf("{\"error\"");
        if (at >= 0) {
            try {
                JsonNode node = JSON.readTree(text.substring(at, text.lastIndexOf('}') + 1));
                return new InferenceFailedException(node.path(HostingContract.ERROR_FIELD).asText(ErrorCode.UNKNOWN.code()), node.path(HostingContract.MESSAGE_FIELD).asText(""),
                        inferenceId);
            } catch (IOException | RuntimeException ignored) {
                // fall through: report the text as it is
            }
        }
        String shown = text.length() > 500 ? text.substring(0, 500) + "..." : text;
        return new InferenceFailedException(ErrorCode.UNKNOWN.code(), shown.strip(), inferenceId);
    }

    private static long jitter(long millis) {
        return Math.max(1, (long) (millis * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble())));
    }

    private static void sleep(long millis, long deadline) throws InferenceTimeoutException {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        try {
            Thread.sleep(Math.max(1, Math.min(millis, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InferenceTimeoutException("interrupted while waiting for the result");
        }
    }

    @Override
    public void close() {
        keys.close();
        if (notifications != null) {
            notifications.close();
            sqs.close();
        }
        s3.close();
        sageMaker.close();
    }

    /** Builds an {@link FheClient}: loads {@code client.zip}, checks the model id, loads or makes the keys. */
    public static final class Builder {
        private Path clientZip;
        private String clientZipS3Key;
        private String expectedModelId;
        private Path keyStore = KeyStore.defaultRoot();
        private String bucket;
        private String endpointName = "fhe-ml-endpoint";
        private String region;
        private URI s3Endpoint;
        private URI sageMakerEndpoint;
        private String accessKeyId;
        private String secretAccessKey;
        private String clientId = defaultClientId();
        private Duration timeout = Duration.ofMinutes(15);
        private Duration pollInitial = Duration.ofMillis(250);
        private Duration pollMax = Duration.ofSeconds(5);
        private int maxAttempts = 5;
        private String notificationQueue;
        private URI sqsEndpoint;

        private Builder() {}

        /** {@code client.zip} from a local file. */
        public Builder clientZip(Path v) { clientZip = v; clientZipS3Key = null; return this; }
        /** {@code client.zip} from the exchange bucket, e.g. {@code client/<model-id>/client.zip}. */
        public Builder clientZipFromS3(String key) { clientZipS3Key = key; clientZip = null; return this; }
        public Builder expectedModelId(String v) { expectedModelId = v; return this; }
        public Builder keyStore(Path v) { keyStore = v; return this; }
        public Builder bucket(String v) { bucket = v; return this; }
        public Builder endpointName(String v) { endpointName = v; return this; }
        public Builder region(String v) { region = v; return this; }
        public Builder s3Endpoint(URI v) { s3Endpoint = v; return this; }
        public Builder sageMakerEndpoint(URI v) { sageMakerEndpoint = v; return this; }
        public Builder credentials(String id, String secret) { accessKeyId = id; secretAccessKey = secret; return this; }
        public Builder clientId(String v) { clientId = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder pollInterval(Duration initial, Duration max) { pollInitial = initial; pollMax = max; return this; }
        public Builder maxAttempts(int v) { maxAttempts = v; return this; }
        /** An SQS queue subscribed to the endpoint's success and error topics (one queue per client process). */
        public Builder notificationQueue(String queueUrl) { notificationQueue = queueUrl; return this; }
        public Builder sqsEndpoint(URI v) { sqsEndpoint = v; return this; }

        public ClientConfig config() {
            return new ClientConfig(clientZip, clientZipS3Key, expectedModelId, keyStore, bucket, endpointName, region,
                    s3Endpoint, sageMakerEndpoint, accessKeyId, secretAccessKey, clientId, timeout, pollInitial, pollMax,
                    notificationQueue, sqsEndpoint, maxAttempts);
        }

        /**
         * @throws ModelMismatchException {@code client.zip} is not for {@code expectedModelId}
         * @throws KeyStoreException the key store cannot be used
         * @throws TransportException {@code client.zip} cannot be read from S3
         */
        public FheClient build() throws FheClientException {
            ClientConfig c = config();
            S3Client s3 = s3Client(c);
            SageMakerRuntimeClient sm = sageMakerClient(c);
            KeyStore.Keys keys = null;
            try {
                ClientModel model = readModel(c, s3);
                String id = model.spec().modelId();
                if (c.expectedModelId() != null && !c.expectedModelId().equals(id)) {
                    throw new ModelMismatchException("client.zip is for model " + id + " but model "
                            + c.expectedModelId() + " was expected: fetch the client.zip of the deployed model");
                }
                keys = new KeyStore(c.keyStore()).loadOrCreate(id, FheParameters.byName(model.spec().parameters()));
                return new FheClient(c, s3, sm, model, keys);
            } catch (FheClientException | RuntimeException e) {
                s3.close();
                sm.close();
                throw e;
            }
        }

        private static ClientModel readModel(ClientConfig c, S3Client s3) throws FheClientException {
            String source = c.clientZip() != null ? c.clientZip().toString() : "s3://" + c.bucket() + "/" + c.clientZipS3Key();
            try {
                if (c.clientZip() != null) {
                    return ModelArtifacts.readClient(c.clientZip());
                }
                byte[] zip = s3.getObjectAsBytes(b -> b.bucket(c.bucket()).key(c.clientZipS3Key())).asByteArray();
                return ModelArtifacts.readClient(new ByteArrayInputStream(zip), source);
            } catch (IOException e) {
                throw new FheClientException("cannot read " + source + ": " + e.getMessage(), e);
            } catch (SdkException e) {
                throw new TransportException("cannot download " + source + ": " + e.getMessage(), e);
            } catch (FheException e) {
                throw new FheClientException(source + " is not a valid client.zip: " + e.getMessage(), e);
            }
        }

        private static String defaultClientId() {
            String user = System.getProperty("user.name", "client").replaceAll("[^A-Za-z0-9._-]", "_");
            return user.isEmpty() ? "client" : user.substring(0, Math.min(user.length(), 64));
        }
    }

    private static AwsCredentialsProvider credentials(ClientConfig c) {
        return c.accessKeyId() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKeyId(), c.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build();
    }

    private static ClientOverrideConfiguration overrides(ClientConfig c) {
        return ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(c.maxAttempts()).build())
                .apiCallAttemptTimeout(Duration.ofSeconds(60))
                .build();
    }

    private static Region region(ClientConfig c) {
        if (c.region() != null) {
            return Region.of(c.region());
        }
        return c.s3Endpoint() != null || c.sageMakerEndpoint() != null || c.sqsEndpoint() != null ? Region.US_EAST_1 : null;
    }

    private static S3Client s3Client(ClientConfig c) {
        S3ClientBuilder b = S3Client.builder().credentialsProvider(credentials(c)).overrideConfiguration(overrides(c));
        if (region(c) != null) {
            b.region(region(c));
        }
        if (c.s3Endpoint() != null) {
            b.endpointOverride(c.s3Endpoint()).forcePathStyle(true);
        }
        return b.build();
    }

    private static SqsClient sqsClient(ClientConfig c) {
        SqsClientBuilder b = SqsClient.builder().credentialsProvider(credentials(c)).overrideConfiguration(overrides(c));
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
                .overrideConfiguration(overrides(c));
        if (region(c) != null) {
            b.region(region(c));
        }
        if (c.sageMakerEndpoint() != null) {
            b.endpointOverride(c.sageMakerEndpoint());
        }
        return b.build();
    }
}
