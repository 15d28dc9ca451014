package dev.fheml.training.quant;

import java.util.List;

/**
 * Every intermediate value of one integer evaluation, for comparison with decrypted FHE values.
 *
 * @param accumulators per layer, the exact integer accumulators {@code acc_j} (before any noise)
 * @param activations  per hidden layer, the activation levels produced by the (possibly noisy) lookup
 * @param logits       the output layer's accumulators (equal to the last element of
 *                     {@code accumulators})
 * @param predicted    the argmax of the dequantized logits
 * @param outOfRange   how many hidden accumulators fell outside their calibrated range widened by the
 *                     noise model's margin (under FHE these would wrap around: wrong, not noisy)
 */
public record EvaluationTrace(List<long[]> accumulators, List<int[]> activations, long[] logits,
    int predicted, int outOfRange) {
}
