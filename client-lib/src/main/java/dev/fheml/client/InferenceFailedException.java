package dev.fheml.client;

import dev.fheml.protocol.ErrorCode;

/**
 * The endpoint refused or failed the request: {@link #code()} is the server's code
 * ({@code model_mismatch}, {@code unknown_key}, {@code invalid_ciphertext}, ... see docs/serving.md),
 * or {@link ErrorCode#UNKNOWN} when the failure object was not one of the server's JSON errors.
 */
public final class InferenceFailedException extends FheClientException {
    private static final long serialVersionUID = 1L;
    private final String errorCode;
    private final String inferenceId;

    public InferenceFailedException(ErrorCode code, String message, String inferenceId) {
        this(code.code(), message, inferenceId);
    }

    /** @param errorCode the wire code as received (it may be one this build does not know) */
    public InferenceFailedException(String errorCode, String message, String inferenceId) {
        super("inference " + inferenceId + " failed: " + errorCode + ": " + message);
        this.errorCode = errorCode;
        this.inferenceId = inferenceId;
    }

    /** The wire code as the endpoint sent it. */
    public String errorCode() {
        return errorCode;
    }

    /** The code, or {@link ErrorCode#UNKNOWN} for a wire code this build does not know. */
    public ErrorCode code() {
        return ErrorCode.fromCode(errorCode).orElse(ErrorCode.UNKNOWN);
    }

    /** True when submitting the same request again may succeed. */
    public boolean retryable() {
        return code().retryable();
    }

    public String inferenceId() {
        return inferenceId;
    }
}
