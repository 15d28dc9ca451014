package dev.fheml.client;

import dev.fheml.core.FheException;
import dev.fheml.core.artifact.ModelArtifacts.ClientModel;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.Ids;
import dev.fheml.protocol.Manifest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Encrypted predictions: an {@link EncryptionSession} (keys, encrypt, decrypt, model binding) over a
 * {@link Transport} (by default {@link AsyncEndpointTransport}: S3 + SageMaker async inference + SQS
 * notifications, against AWS or the local stack). Per prediction: quantize, encrypt, send the
 * request envelope, wait for the response envelope, decrypt, decode.
 *
 * <p>Thread-safe: one client serves concurrent predictions with one key. The evaluation key is
 * uploaded once (content-addressed). The secret key stays in the key store folder; nothing here
 * logs keys, ciphertexts or plaintext.
 */
public final class FheClient implements AutoCloseable {
    private final ClientConfig config;
    private final EncryptionSession session;
    private final Transport transport;

    private FheClient(ClientConfig config, EncryptionSession session, Transport transport) {
        this.config = config;
        this.session = session;
        this.transport = transport;
    }

    public static Builder builder() {
        return new Builder();
    }

    public ClientConfig config() {
        return config;
    }

    public String modelId() {
        return session.modelId();
    }

    /** SHA-256 of this client's evaluation key (the object name under {@code keys/<model-id>/}). */
    public String keyId() {
        return session.keyId();
    }

    /** The public evaluation key in the key store (uploaded to {@code keys/<model-id>/<key-id>}). */
    public Path evaluationKeyFile() {
        return session.evaluationKeyFile();
    }

    public ClientSpec spec() {
        return session.spec();
    }

    public Manifest manifest() {
        return session.manifest();
    }

    /** Known inputs shipped in {@code client.zip} with their expected classes (smoke tests). */
    public List<Sample> samples() {
        return session.samples();
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
        return decode(evaluate(quantize(inputs)));
    }

    /**
     * Predictions for any number of inputs, in their order: {@link BulkScorer} with the default
     * {@link BulkOptions} (requests sized within SageMaker's async limits, pipelined, each failed
     * request resubmitted once). For progress, an output file and resuming, use {@link BulkScorer}.
     *
     * @throws BulkScoringException some inputs have no prediction after their resubmission
     */
    public List<Prediction> predictAll(List<double[]> inputs) throws FheClientException {
        BulkResults.InMemory results = new BulkResults.InMemory(inputs.size());
        BulkScorer.Summary summary;
        try {
            summary = new BulkScorer(this, BulkOptions.defaults()).score(inputs, results, BulkScorer.Listener.NONE);
        } catch (IOException e) {
            throw new FheClientException("bulk scoring stopped: " + e.getMessage(), e); // interrupted
        }
        if (!summary.complete()) {
            throw new BulkScoringException(summary);
        }
        return results.predictions();
    }

    /** An encrypted request ready to send: the caller's id for it, how many inputs it holds, the envelope. */
    public record EncryptedRequest(String requestId, int count, byte[] body) {}

    /**
     * Encrypts {@code inputs} (1 to 4096) into one request named {@code requestId} (1-128 of
     * {@code [A-Za-z0-9._:-]}), to be sent with {@link #send}; encrypting and sending apart lets a
     * caller encrypt the next request while earlier ones are evaluated.
     */
    public EncryptedRequest encrypt(String requestId, List<double[]> inputs) {
        if (!Ids.isRequestId(requestId)) {
            throw new IllegalArgumentException("a request id is 1-128 of [A-Za-z0-9._:-]: " + requestId);
        }
        return new EncryptedRequest(requestId, inputs.size(), session.encryptRequest(quantize(inputs)));
    }

    /**
     * Sends an encrypted request, waits for its result and decrypts it; {@code round} 0 the first
     * time, 1, 2, ... when the same request is submitted again after a failure (see
     * {@link Transport#roundTrip(String, int, byte[])}).
     */
    public List<Prediction> send(EncryptedRequest request, int round) throws FheClientException {
        uploadEvaluationKey();
        byte[] response = exchange(request.requestId(), round, request.body());
        return decode(session.decryptResponse(response, request.count()));
    }

    private long[][] quantize(List<double[]> inputs) {
        long[][] quantized = new long[inputs.size()][];
        for (int q = 0; q < quantized.length; q++) {
            quantized[q] = session.spec().quantize(inputs.get(q));
        }
        return quantized;
    }

    private List<Prediction> decode(long[][] outputs) {
        List<Prediction> out = new ArrayList<>(outputs.length);
        for (long[] o : outputs) {
            out.add(session.spec().decode(o));
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
        uploadEvaluationKey();
        long t0 = System.nanoTime();
        byte[] body = session.encryptRequest(quantized);
        long t1 = System.nanoTime();
        byte[] response = exchange(UUID.randomUUID().toString(), 0, body);
        long t2 = System.nanoTime();
        long[][] outputs = session.decryptResponse(response, quantized.length);
        long t3 = System.nanoTime();
        return new Evaluation(outputs, new Trace(t1 - t0, t2 - t1, t3 - t2, body.length, response.length));
    }

    /** One round trip; a key the endpoint lacks is uploaded again and the request sent once more. */
    private byte[] exchange(String requestId, int round, byte[] body) throws FheClientException {
        try {
            return transport.roundTrip(requestId, round, body);
        } catch (InferenceFailedException e) {
            if (e.code().recovery() != ErrorCode.Recovery.UPLOAD_KEY) {
                throw e;
            }
            reuploadAfter(e);
            // once, as a request of its own: a second unknown_key or key_hash_mismatch is thrown
            return transport.roundTrip(body);
        }
    }

    /**
     * The endpoint does not find this client's key ({@code unknown_key}: the 30-day expiry of
     * {@code keys/}) or finds other bytes under its name ({@code key_hash_mismatch}): uploads it
     * again. Uploads are write-once ({@code If-None-Match: *}): after a mismatch, a refused upload
     * means the object under this key's name is not this key and cannot be replaced from here.
     *
     * @throws KeyConflictException the stored object is not this key and stays in place
     */
    private void reuploadAfter(InferenceFailedException e) throws FheClientException {
        boolean created = transport.uploadKey(modelId(), keyId(), session::evaluationKeyBytes);
        if (!created && e.code() == ErrorCode.KEY_HASH_MISMATCH) {
            throw new KeyConflictException("the object " + ExchangeLayout.keyObject(modelId(), keyId())
                    + " holds other bytes than this client's evaluation key (it was overwritten, which older buckets"
                    + " allowed) and key uploads may not overwrite: have an administrator delete that object, or make new"
                    + " keys by deleting " + session.evaluationKeyFile().getParent(), e);
        }
    }

    /** Uploads the evaluation key unless the endpoint's store already has it. Idempotent. */
    public void uploadEvaluationKey() throws FheClientException {
        transport.ensureKey(modelId(), keyId(), session::evaluationKeyBytes);
    }

    @Override
    public void close() {
        session.close();
        transport.close();
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
        private boolean fipsEndpoints;
        private Duration awsAttemptTimeout = Duration.ofSeconds(60);
        private Duration awsCallTimeout = Duration.ofMinutes(5);

        private Builder() {}

        /** {@code client.zip} from a local file. */
        public Builder clientZip(Path v) { clientZip = v; clientZipS3Key = null; return this; }
        /** {@code client.zip} from the exchange bucket, e.g. {@link ExchangeLayout#clientZipObject(String)}. */
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
        /**
         * Use AWS's FIPS endpoints for S3, SQS and the SageMaker runtime. TLS is 1.2 or newer either way:
         * the buckets refuse older TLS and Java 17 disables TLS 1.0 and 1.1.
         */
        public Builder fipsEndpoints(boolean v) { fipsEndpoints = v; return this; }
        /** Deadlines of one attempt and of one whole AWS call (defaults 60 s and 5 min). */
        public Builder awsTimeouts(Duration attempt, Duration call) { awsAttemptTimeout = attempt; awsCallTimeout = call; return this; }

        public ClientConfig config() {
            return new ClientConfig(clientZip, clientZipS3Key, expectedModelId, keyStore, bucket, endpointName, region,
                    s3Endpoint, sageMakerEndpoint, accessKeyId, secretAccessKey, clientId, timeout, pollInitial, pollMax,
                    notificationQueue, sqsEndpoint, maxAttempts, fipsEndpoints, awsAttemptTimeout, awsCallTimeout);
        }

        /**
         * @throws ModelMismatchException {@code client.zip} is not for {@code expectedModelId}
         * @throws KeyStoreException the key store cannot be used
         * @throws TransportException {@code client.zip} cannot be read from S3
         */
        public FheClient build() throws FheClientException {
            ClientConfig c = config();
            Transport transport = new AsyncEndpointTransport(c);
            try {
                ClientModel model = readModel(c, transport);
                String id = model.spec().modelId();
                if (c.expectedModelId() != null && !c.expectedModelId().equals(id)) {
                    throw new ModelMismatchException("client.zip is for model " + id + " but model "
                            + c.expectedModelId() + " was expected: fetch the client.zip of the deployed model");
                }
                return new FheClient(c, EncryptionSession.open(model, new KeyStore(c.keyStore())), transport);
            } catch (FheClientException | RuntimeException e) {
                transport.close();
                throw e;
            }
        }

        private static ClientModel readModel(ClientConfig c, Transport transport) throws FheClientException {
            String source = c.clientZip() != null ? c.clientZip().toString()
                    : ExchangeLayout.s3Uri(c.bucket(), c.clientZipS3Key());
            try {
                if (c.clientZip() != null) {
                    return ModelArtifacts.readClient(c.clientZip());
                }
                byte[] zip = transport.fetch(c.clientZipS3Key(), ModelArtifacts.MAX_ENTRY_BYTES);
                return ModelArtifacts.readClient(new ByteArrayInputStream(zip), source);
            } catch (IOException e) {
                throw new FheClientException("cannot read " + source + ": " + e.getMessage(), e);
            } catch (FheException e) {
                throw new FheClientException(source + " is not a valid client.zip: " + e.getMessage(), e);
            }
        }

        private static String defaultClientId() {
            String user = System.getProperty("user.name", "client").replaceAll("[^A-Za-z0-9._-]", "_");
            return user.isEmpty() ? "client" : user.substring(0, Math.min(user.length(), 64));
        }
    }
}
