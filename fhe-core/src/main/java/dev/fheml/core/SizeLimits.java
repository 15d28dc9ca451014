package dev.fheml.core;

/** Default upper bounds for deserializing untrusted bytes (bigger inputs are refused unread). */
public final class SizeLimits {
    /** A seeded evaluation key is ~29 MB (level-1 bootstrap) or ~58 MB (level 2). */
    public static final long EVALUATION_KEY = 96L << 20;
    /** Secret keys are ~24 KB. */
    public static final long CLIENT_KEY = 1L << 20;
    /** A batch of ciphertexts: one encrypted query is ~16 KB. */
    public static final long CIPHERTEXT_BATCH = 64L << 20;

    private SizeLimits() {}
}
