package dev.fheml.training.job;

import java.math.BigDecimal;

/** Range checks of the request builders; each message starts with the setting's (hyperparameter's) name. */
final class Ranges {
  private Ranges() {
  }

  static int check(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
    }
    return value;
  }

  static double check(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(name + " must be in [" + plain(min) + ", " + plain(max) + "], got "
          + (Double.isFinite(value) ? plain(value) : Double.toString(value)));
    }
    return value;
  }

  private static String plain(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }
}
