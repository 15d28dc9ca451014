package dev.fheml.core;

import java.io.IOException;
import java.io.InputStream;

/**
 * Default upper bounds for deserializing untrusted bytes (bigger inputs are refused unread), and
 * the one bounded read that every stream of untrusted bytes (request bodies, keys and results from
 * S3) goes through.
 */
public final class SizeLimits {
    /** A seeded evaluation key is ~29 MB (level-1 bootstrap) or ~58 MB (level 2). */
    public static final long EVALUATION_KEY = 96L << 20;
    /** Secret keys are ~24 KB. */
    public static final long CLIENT_KEY = 1L << 20;
    /** A batch of ciphertexts: one encrypted query is ~16 KB. */
    public static final long CIPHERTEXT_BATCH = 64L << 20;

    private SizeLimits() {}

    /** A stream that held more bytes than its reader allows; nothing past the limit was buffered. */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        public TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Reads the whole stream, but never buffers more than {@code max + 1} bytes: a longer stream is
     * refused as soon as it passes the limit, whatever length it declared.
     *
     * @param what names the stream in the error message (no content is ever quoted)
     * @throws TooLargeException when the stream holds more than {@code max} bytes
     */
    public static byte[] readAtMost(InputStream in, long max, String what) throws IOException {
        if (max < 0 || max > Integer.MAX_VALUE - 9) {
            throw new IllegalArgumentException("limit must be in [0, 2^31 - 10], got " + max);
        }
        byte[] bytes = in.readNBytes((int) max + 1);
        if (bytes.length > max) {
            throw new TooLargeException(what + " is larger than the limit of " + max + " bytes");
        }
        return bytes;
    }
}
