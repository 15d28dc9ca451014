package dev.fheml.core.circuit;

import dev.fheml.core.FheException;

/** A circuit, client spec or artifact that cannot be read: the message names what is wrong. */
public class CircuitFormatException extends FheException {
    private static final long serialVersionUID = 1L;

    public CircuitFormatException(String message) {
        super(message);
    }

    public CircuitFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
