package dev.fheml.client;

/** {@code client.zip} is not for the expected model, or the endpoint serves another model. */
public final class ModelMismatchException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public ModelMismatchException(String message) {
        super(message);
    }
}
