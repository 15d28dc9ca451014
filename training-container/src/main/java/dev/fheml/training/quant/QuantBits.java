package dev.fheml.training.quant;

/**
 * Bit widths of a quantized model.
 *
 * @param inputBits      unsigned input features: {@code x in [0, 2^inputBits - 1]}, 1..16
 * @param weightBits     signed symmetric weights: {@code |w| <= 2^(weightBits-1) - 1}, 2..16
 * @param activationBits unsigned hidden activations: {@code a in [0, 2^activationBits - 1]}, 1..16
 */
public record QuantBits(int inputBits, int weightBits, int activationBits) {

  /** Validates the ranges. */
  public QuantBits {
    check("inputBits", inputBits, 1);
    check("weightBits", weightBits, 2);
    check("activationBits", activationBits, 1);
  }

  private static void check(String name, int v, int min) {
    if (v < min || v > 16) {
      throw new IllegalArgumentException(name + " must be in [" + min + ", 16]: " + v);
    }
  }

  /** The largest input value {@code 2^inputBits - 1}. */
  public int maxInput() {
    return (1 << inputBits) - 1;
  }

  /** The largest weight magnitude {@code 2^(weightBits-1) - 1}. */
  public int maxWeight() {
    return WeightQuantization.maxMagnitude(weightBits);
  }

  /** The largest activation value {@code 2^activationBits - 1}. */
  public int maxActivation() {
    return (1 << activationBits) - 1;
  }

  @Override
  public String toString() {
    return "x" + inputBits + "/w" + weightBits + "/a" + activationBits;
  }
}
