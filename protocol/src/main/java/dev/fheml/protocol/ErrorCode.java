package dev.fheml.protocol;

import java.util.Optional;

/**
 * Every error a request can end in: an HTTP status, a stable wire code sent as
 * {@code {"error": code, "message": ...}} (see {@link HostingContract}), and whether the same
 * request may simply be submitted again. Codes are part of the API (clients switch on them);
 * messages are for people and never contain key or ciphertext bytes.
 */
public enum ErrorCode {
    /** Truncated or garbled request envelope (bad magic, short, trailing bytes, bad counts). */
    MALFORMED_ENVELOPE(400, "malformed_envelope", false),
    /** A well-formed envelope of a format version this server does not read. */
    UNSUPPORTED_VERSION(400, "unsupported_version", false),
    /** Request for another model than the one this endpoint serves. */
    MODEL_MISMATCH(409, "model_mismatch", false),
    /** No evaluation key under {@code keys/<model-id>/<key-id>}. */
    UNKNOWN_KEY(404, "unknown_key", false),
    /** The stored key's SHA-256 is not its id. */
    KEY_HASH_MISMATCH(422, "key_hash_mismatch", false),
    /** The stored key has the right hash but is not an evaluation key for this model's parameters. */
    INVALID_KEY(422, "invalid_key", false),
    /** The ciphertexts cannot be read (corrupted, other parameters, count differs from the header). */
    INVALID_CIPHERTEXT(422, "invalid_ciphertext", false),
    /** Body larger than the configured limit. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large", false),
    /** Every evaluation slot is taken and none freed up within the queue timeout. */
    BUSY(503, "busy", true),
    /** The model is not loaded (yet), or the server is stopping. */
    NOT_READY(503, "not_ready", true),
    /** The evaluation did not finish within the per-request timeout. */
    TIMEOUT(504, "timeout", false),
    /** The key store (S3) failed for another reason than a missing key. */
    KEY_STORE_UNAVAILABLE(502, "key_store_unavailable", true),
    NOT_FOUND(404, "not_found", false),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", false),
    /** A bug: details are in the server log. */
    INTERNAL(500, "internal", false),
    /** Written by the async invoker: the endpoint stayed unreachable or busy for its whole retry window. */
    ENDPOINT_UNAVAILABLE(503, "endpoint_unavailable", true),
    /** Written by the async invoker: the request body could not be read from its InputLocation. */
    INPUT_NOT_FOUND(400, "input_not_found", false),
    /** A failure whose body names no code of this table (e.g. SageMaker's own text). */
    UNKNOWN(500, "unclassified_failure", false);

    private final int status;
    private final String code;
    private final boolean retryable;

    ErrorCode(int status, String code, boolean retryable) {
        this.status = status;
        this.code = code;
        this.retryable = retryable;
    }

    /** HTTP status of the error response. */
    public int status() {
        return status;
    }

    /** The wire code. */
    public String code() {
        return code;
    }

    /** True when submitting the same request again may succeed (the failure was transient). */
    public boolean retryable() {
        return retryable;
    }

    /** The code for a wire name, or empty for a name this build does not know. */
    public static Optional<ErrorCode> fromCode(String code) {
        for (ErrorCode e : values()) {
            if (e.code.equals(code)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
