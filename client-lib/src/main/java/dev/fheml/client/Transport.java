package dev.fheml.client;

/**
 * How request envelopes reach an endpoint and response envelopes come back, separate from what is
 * in them ({@link EncryptionSession}). {@link AsyncEndpointTransport} is the one implementation: S3 +
 * SageMaker async inference (+ SQS notifications), against AWS or, through endpoint overrides, the
 * local stack. Implementations are thread-safe.
 */
public interface Transport extends AutoCloseable {
    /**
     * Makes sure the endpoint can read this evaluation key: uploads it unless the key store already
     * holds {@code keyId} (content-addressed, so uploading twice is harmless). Idempotent and cheap
     * after the first call.
     */
    void ensureKey(String modelId, String keyId, KeyBytes key) throws FheClientException;

    /**
     * Uploads the evaluation key whatever this transport remembers, write-once: nothing is
     * overwritten.
     *
     * @return true when the key was created, false when an object of that name already exists
     */
    boolean uploadKey(String modelId, String keyId, KeyBytes key) throws FheClientException;

    /**
     * Submits a request envelope and waits for the response envelope. Failures the endpoint reports
     * as {@linkplain InferenceFailedException#retryable() retryable} are submitted again (same
     * request, a new inference id, with backoff) within the configured attempts and deadline;
     * transient store and endpoint errors (network, 5xx, throttling, timeouts) are retried until the
     * deadline.
     *
     * @throws InferenceFailedException the endpoint's error code
     * @throws InferenceTimeoutException no result before the deadline
     * @throws TransportException the store or the endpoint could not be reached
     */
    byte[] roundTrip(byte[] request) throws FheClientException;

    /**
     * {@link #roundTrip(byte[])} under the caller's request id: the request is written to
     * {@code queries/<client>/<requestId>} and its first inference id is {@code requestId}. A caller
     * that submits the same request again after a failure passes the same id with the next
     * {@code round} (1, 2, ...): the request object is the same, the inference ids carry the round so
     * that the endpoint sees a new submission.
     */
    byte[] roundTrip(String requestId, int round, byte[] request) throws FheClientException;

    /** An object of the exchange store, read with a size cap (e.g. a published {@code client.zip}). */
    byte[] fetch(String key, long maxBytes) throws FheClientException;

    @Override
    void close();

    /** The serialized evaluation key, read only when it must be uploaded. */
    @FunctionalInterface
    interface KeyBytes {
        byte[] get() throws FheClientException;
    }
}
