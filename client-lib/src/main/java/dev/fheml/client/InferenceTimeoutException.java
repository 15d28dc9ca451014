package dev.fheml.client;

/** Neither the output nor the failure object appeared before the deadline. */
public final class InferenceTimeoutException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public InferenceTimeoutException(String message) {
        super(message);
    }
}
