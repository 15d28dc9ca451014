package dev.fheml.client;

/**
 * The exchange bucket holds an object under this client's key name that is not this key, and
 * key uploads are write-once: an administrator must delete it, or the client makes new keys.
 */
public final class KeyConflictException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public KeyConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
