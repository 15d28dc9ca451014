package dev.fheml.core.circuit;

/** A decrypted prediction: the winning class and every class's real-valued score (logit). */
public record Prediction(int classIndex, String className, double[] scores) {}
