package dev.fheml.client;

/**
 * A response decrypted to values outside the range its model was compiled for: decrypted under
 * another key or for another model, altered on the way, or hit by a failure the compiler bounded.
 * Its values are never turned into a prediction; resubmitting the query is safe.
 */
public final class InvalidResultException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public InvalidResultException(String message, Throwable cause) {
        super(message, cause);
    }
}
