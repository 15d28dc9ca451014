package dev.fheml.client;

/** S3 or SageMaker could not be reached or refused a call after the retries. */
public final class TransportException extends FheClientException {
    private static final long serialVersionUID = 1L;

    public TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
