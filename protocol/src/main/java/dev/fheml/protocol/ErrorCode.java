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
    MALFORMED_ENVELOPE(400, "malformed_envelope", Recovery.NONE),
    /** A well-formed envelope of a format version this server does not read. */
    UNSUPPORTED_VERSION(400, "unsupported_version", Recovery.NONE),
    /** A request the HTTP layer refused before it reached the server (bad request line or headers). */
    BAD_REQUEST(400, "bad_request", Recovery.NONE),
    /** Request for another model than the one this endpoint serves. */
    MODEL_MISMATCH(409, "model_mismatch", Recovery.NONE),
    /** No evaluation key under {@code keys/<model-id>/<key-id>} (never uploaded, or expired). */
    UNKNOWN_KEY(404, "unknown_key", Recovery.UPLOAD_KEY),
    /** The stored key's SHA-256 is not its id (overwritten by someone else). */
    KEY_HASH_MISMATCH(422, "key_hash_mismatch", Recovery.UPLOAD_KEY),
    /** The stored key has the right hash but is not an evaluation key for this model's parameters. */
    INVALID_KEY(422, "invalid_key", Recovery.NONE),
    /** The ciphertexts cannot be read (corrupted, other parameters, count differs from the header). */
    INVALID_CIPHERTEXT(422, "invalid_ciphertext", Recovery.NONE),
    /** Body larger than the configured limit. */
    PAYLOAD_TOO_LARGE(413, "payload_too_large", Recovery.NONE),
    /** The request's cost (memory or bootstraps, computed from the circuit) is over the server's budget. */
    TOO_LARGE(413, "too_large", Recovery.NONE),
    /** The body did not arrive within the body deadline or below the minimum data rate. */
    REQUEST_TIMEOUT(408, "request_timeout", Recovery.RESUBMIT),
    /** Request headers larger than the HTTP layer accepts. */
    HEADERS_TOO_LARGE(431, "headers_too_large", Recovery.NONE),
    /** A content type other than {@link HostingContract#ENVELOPE_CONTENT_TYPE} (or none). */
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported_media_type", Recovery.NONE),
    /** Every evaluation slot is taken and none freed up within the queue timeout. */
    BUSY(503, "busy", Recovery.RESUBMIT),
    /** The model is not loaded (yet). */
    NOT_READY(503, "not_ready", Recovery.RESUBMIT),
    /** The server is stopping (scale-in): the request was not evaluated, or was cancelled past the grace. */
    SHUTTING_DOWN(503, "shutting_down", Recovery.RESUBMIT),
    /** The evaluation was cancelled at the per-request deadline (load, a slow key download). */
    TIMEOUT(504, "timeout", Recovery.RESUBMIT),
    /** The key store (S3) failed for another reason than a missing key. */
    KEY_STORE_UNAVAILABLE(502, "key_store_unavailable", Recovery.RESUBMIT),
    NOT_FOUND(404, "not_found", Recovery.NONE),
    METHOD_NOT_ALLOWED(405, "method_not_allowed", Recovery.NONE),
    /** A bug: details are in the server log. */
    INTERNAL(500, "internal", Recovery.NONE),
    /** Written by the async invoker: the endpoint stayed unreachable or busy for its whole retry window. */
    ENDPOINT_UNAVAILABLE(503, "endpoint_unavailable", Recovery.RESUBMIT),
    /** Written by the async invoker: the request body could not be read from its InputLocation. */
    INPUT_NOT_FOUND(400, "input_not_found", Recovery.NONE),
    /** Written by the async invoker: the result was computed but could not be written to the output location. */
    OUTPUT_WRITE_FAILED(500, "output_write_failed", Recovery.RESUBMIT),
    /** A failure whose body names no code of this table (e.g. SageMaker's own text). */
    UNKNOWN(500, "unclassified_failure", Recovery.NONE);

    /** What a client does about a failure with this code. */
    public enum Recovery {
        /** Nothing: submitting the same request again fails the same way. */
        NONE,
        /** Submit the same request again, with backoff: the failure was transient. */
        RESUBMIT,
        /** Upload the evaluation key again (content-addressed, write-once), then submit once more. */
        UPLOAD_KEY
    }

    private final int status;
    private final String code;
    private final Recovery recovery;

    ErrorCode(int status, String code, Recovery recovery) {
        this.status = status;
        this.code = code;
        this.recovery = recovery;
    }

    /** HTTP status of the error response. */
    public int status() {
        return status;
    }

    /** The wire code. */
    public String code() {
        return code;
    }

    /** What a client does about it. */
    public Recovery recovery() {
        return recovery;
    }

    /** True when submitting the same request again may succeed (the failure was transient). */
    public boolean retryable() {
        return recovery == Recovery.RESUBMIT;
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

    /**
     * The code for an error the HTTP layer wrote itself (the server's own code is not known): by
     * status, {@link #BAD_REQUEST} for any other 4xx and {@link #INTERNAL} for the rest.
     */
    public static ErrorCode forStatus(int status) {
        return switch (status) {
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 408 -> REQUEST_TIMEOUT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 431 -> HEADERS_TOO_LARGE;
            case 503 -> BUSY;
            default -> status >= 400 && status < 500 ? BAD_REQUEST : INTERNAL;
        };
    }
}
