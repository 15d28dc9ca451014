package dev.fheml.protocol;

/**
 * An envelope that cannot be read. {@link #reason()} tells truncated/garbled bytes apart from an
 * envelope written by another format version, so a server can answer each with its own error code.
 */
public final class EnvelopeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the bytes were refused. */
    public enum Reason {
        /** Shorter than its header or its declared payload. */
        TRUNCATED,
        /** Not an envelope of the expected kind (magic), reserved bits set, trailing bytes, bad counts. */
        MALFORMED,
        /** A well-formed header from a format version this build does not read. */
        UNSUPPORTED_VERSION,
        /** The declared payload is larger than the reader's limit (refused unread). */
        TOO_LARGE
    }

    private final Reason reason;

    public EnvelopeException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
