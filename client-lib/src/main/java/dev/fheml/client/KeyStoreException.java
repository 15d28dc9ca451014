package dev.fheml.client;

/** The local key store cannot be read or written (permissions, corrupted files). */
public final class KeyStoreException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public KeyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
