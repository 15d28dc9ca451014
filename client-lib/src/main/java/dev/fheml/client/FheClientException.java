package dev.fheml.client;

/** Base of the client's checked exceptions: each says what failed and what to do next. */
public class FheClientException extends Exception {
    private static final long serialVersionUID = 1L;

    public FheClientException(String message) {
        super(message);
    }

    public FheClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
