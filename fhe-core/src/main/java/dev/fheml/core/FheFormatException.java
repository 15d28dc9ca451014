package dev.fheml.core;

/** Serialized bytes that cannot be read: corrupted, truncated, of the wrong type, or over the size limit. */
public class FheFormatException extends FheException {
    private static final long serialVersionUID = 1L;

    public FheFormatException(String message) {
        super(message);
    }
}
