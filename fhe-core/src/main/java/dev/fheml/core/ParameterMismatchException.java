package dev.fheml.core;

/** A well-formed key or ciphertext made for another parameter set (or of another shape). */
public class ParameterMismatchException extends FheException {
    private static final long serialVersionUID = 1L;

    public ParameterMismatchException(String message) {
        super(message);
    }
}
