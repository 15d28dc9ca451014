package dev.fheml.training.data;

import java.math.BigDecimal;
import java.util.Optional;

/** How CSV cells are read as numbers, in one place for header detection and labels. */
final class CsvNumbers {
  private CsvNumbers() {}

  /** Whether {@code s} (stripped) is a finite number. */
  static boolean isNumber(String s) {
    try {
      return Double.isFinite(Double.parseDouble(s));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /**
   * The whole number {@code s} spells, in canonical form ({@code "1.0"}, {@code "01"} and {@code "1e0"}
   * are all {@code "1"}); empty if it is not a number or not whole.
   */
  static Optional<String> wholeNumber(String s) {
    if (!isNumber(s)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new BigDecimal(s).toBigIntegerExact().toString());
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
