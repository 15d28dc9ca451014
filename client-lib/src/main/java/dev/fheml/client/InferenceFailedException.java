package dev.fheml.client;

/**
 * The endpoint refused or failed the request: {@link #errorCode()} is the server's code
 * ({@code model_mismatch}, {@code unknown_key}, {@code invalid_ciphertext}, ... see docs/serving.md),
 * or {@code unknown} when the failure object was not one of the server's JSON errors.
 */
public final class InferenceFailedException extends FheClientException {
    private static final long serialVersionUID = 1L;
    private final String errorCode;
    private final String inferenceId;

    public InferenceFailedException(String errorCode, String message, String inferenceId) {
        super("inference " + inferenceId + " failed: " + errorCode + ": " + message);
        this.errorCode = errorCode;
        this.inferenceId = inferenceId;
    }

    public String errorCode() {
        return errorCode;
    }

    public String inferenceId() {
        return inferenceId;
    }
}
