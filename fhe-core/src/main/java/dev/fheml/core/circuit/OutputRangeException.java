package dev.fheml.core.circuit;

import dev.fheml.core.FheException;

/** A decrypted output lies outside the range its model was compiled for (see {@link ClientSpec#checkOutputs}). */
public final class OutputRangeException extends FheException {
    private static final long serialVersionUID = 1L;

    public OutputRangeException(String message) {
        super(message);
    }
}
