package dev.fheml.core.artifact;

/** A known input shipped in {@code client.zip} with the class the plaintext model predicts for it (smoke tests). */
public record Sample(double[] features, int expectedClass) {}
