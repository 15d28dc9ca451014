package dev.fheml.inference;

import dev.fheml.protocol.ErrorCode;

/** A request that ends in an error response; the message must be safe to send and to log. */
public final class InferenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public InferenceException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public InferenceException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
