package dev.fheml.training.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The model architectures the trainer builds, with the names used in hyperparameters and metrics. */
public enum ModelKind {
  /** Dense ReLU network: one bootstrap per hidden neuron. */
  MLP("mlp"),
  /** Multinomial logistic regression: no hidden layer, no bootstrap. */
  LOGREG("logreg");

  private final String wireName;

  ModelKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name in hyperparameters, command lines and {@code metrics.json}. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** Every wire name, in declaration order. */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(ModelKind::wireName).toList();
  }

  /**
   * The kind named {@code name} (any case).
   *
   * @throws IllegalArgumentException listing the names if there is no such kind
   */
  @JsonCreator
  public static ModelKind fromWireName(String name) {
    String lower = name.strip().toLowerCase(Locale.ROOT);
    for (ModelKind k : values()) {
      if (k.wireName.equals(lower)) {
        return k;
      }
    }
    throw new IllegalArgumentException("model must be one of " + wireNames() + ", got '" + name + "'");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
