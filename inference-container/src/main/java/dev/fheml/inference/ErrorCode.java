package dev.fheml.inference;

/**
 * Every error the server answers with: an HTTP status and a stable code, sent as
 * {@code {"error": code, "message": ...}}. Codes are part of the API (clients switch on them);
 * messages are for people and never contain key or ciphertext bytes.
 */
public enum ErrorCode {
    /** Truncated or garbled request envelope (bad magic, short, trailing bytes, bad counts). */
    MALFORMED_ENVELOPE(400, "malformed_envelope"),
    /** A well-formed envelope of a format version this server does not read. */
    UNSUPPORTED_VERSION(400, "unsupported_version"),
    /** Request for another model than the one this endpoint serves. */
    MODEL_MISMATCH(409, "model_mismatch"),
    /** No evaluation key under {@code keys/<model-id>/<key-id>}. */
    UNKNOWN_KEY(404, "unknown_key"),
    /** The stored key's SHA-256 is not its id. */
    KEY_HASH_MISMATCH(422, "key_hash_mismatch"),
    /** The stored key has the right hash but is not an evaluation key for this model's parameters. */
    INVALID_KEY(422, "invalid_key"),
    /** The ciphertexts cannot be read (corrupted, other parameters, count differs from the header). */
    INVALID_CIPHERTEXT(422, "invalid_ciphertext"),
    /** Body larger than the configured limit. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large"),
    /** Every evaluation slot is taken and none freed up within the queue timeout; retry later. */
    BUSY(503, "busy"),
    /** The model is not loaded (yet). */
    NOT_READY(503, "not_ready"),
    /** The evaluation did not finish within the per-request timeout. */
    TIMEOUT(504, "timeout"),
    /** The key store (S3) failed for another reason than a missing key. */
    KEY_STORE_UNAVAILABLE(502, "key_store_unavailable"),
    NOT_FOUND(404, "not_found"),
    METHOD_NOT_ALLOWED(405, "method_not_allowed"),
    /** A bug: details are in the server log. */
    INTERNAL(500, "internal");

    private final int status;
    private final String code;

    ErrorCode(int status, String code) {
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The code for a wire name, or {@code null}. */
    public static ErrorCode fromCode(String code) {
        for (ErrorCode e : values()) {
            if (e.code.equals(code)) {
                return e;
            }
        }
        return null;
    }
}
