package dev.fheml.core;

/** Base of the engine's domain exceptions. */
public class FheException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FheException(String message) {
        super(message);
    }

    public FheException(String message, Throwable cause) {
        super(message, cause);
    }
}
