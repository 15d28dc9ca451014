package dev.fheml.training.sagemaker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The job's hyperparameters as typed values. SageMaker writes every value as a JSON string
 * ({@code {"epochs": "10"}}); the SageMaker Python SDK's framework estimators even JSON-encode them
 * once more ({@code "\"mlp\""}); local files may use plain JSON numbers, booleans and arrays. All
 * three are accepted. Each getter names the hyperparameter and the accepted values when a value is
 * bad, and records the name as known; {@link #rejectUnknown()} then refuses any other name (a typo
 * must not silently train with a default), except SageMaker's own {@code sagemaker_*} and
 * {@code _*} (tuning) entries.
 */
public final class Hyperparameters {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_FILE_BYTES = 1 << 20;

  private final Map<String, String> values;
  private final Set<String> known = new TreeSet<>();

  private Hyperparameters(Map<String, String> values) {
    this.values = values;
  }

  /** Hyperparameters given as strings (tests, embedding). */
  public static Hyperparameters of(Map<String, String> values) {
    Map<String, String> normalized = new TreeMap<>();
    values.forEach((k, v) -> normalized.put(k, unquote(v.strip())));
    return new Hyperparameters(normalized);
  }

  /** No hyperparameters: every default. */
  public static Hyperparameters none() {
    return new Hyperparameters(new TreeMap<>());
  }

  /**
   * Reads {@code hyperparameters.json}; a missing file means no hyperparameters (a local run).
   *
   * @throws TrainingJobException if the file is not a JSON object of scalar or list values
   */
  public static Hyperparameters read(Path file) throws TrainingJobException, IOException {
    byte[] bytes;
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new TrainingJobException(file + " is larger than " + MAX_FILE_BYTES + " bytes");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return none();
    }
    return parse(bytes, file.toString());
  }

  /** Parses the JSON object of {@code hyperparameters.json}; {@code source} names it in errors. */
  public static Hyperparameters parse(byte[] json, String source) throws TrainingJobException {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new TrainingJobException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new TrainingJobException(source + " cannot be read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new TrainingJobException(source + " must hold a JSON object of hyperparameters");
    }
    Map<String, String> values = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      values.put(e.getKey(), text(e.getKey(), e.getValue(), source));
    }
    return of(values);
  }

  private static String text(String name, JsonNode v, String source) throws TrainingJobException {
    if (v.isValueNode() && !v.isNull()) {
      return v.asText();
    }
    if (v.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode item : v) {
        if (!item.isValueNode() || item.isNull()) {
          throw new TrainingJobException("hyperparameter " + name + " in " + source + ": list items must be numbers");
        }
        items.add(item.asText());
      }
      return String.join(",", items);
    }
    throw new TrainingJobException("hyperparameter " + name + " in " + source + " must be a string, got " + v);
  }

  // The Python SDK's framework estimators send json.dumps(value): strip one layer of quotes.
  private static String unquote(String v) {
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      try {
        return JSON.readValue(v, String.class).strip();
      } catch (JsonProcessingException e) {
        return v;
      }
    }
    return v;
  }

  /** Whether {@code name} was given (also marks it known). */
  public boolean has(String name) {
    known.add(name);
    return values.containsKey(name);
  }

  /** The raw text of {@code name}, if given. */
  public Optional<String> text(String name) {
    known.add(name);
    return Optional.ofNullable(values.get(name));
  }

  /** One of {@code allowed} (case-insensitive), or {@code fallback}. */
  public String choice(String name, List<String> allowed, String fallback) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return fallback;
    }
    String lower = v.get().toLowerCase(Locale.ROOT);
    if (!allowed.contains(lower)) {
      throw bad(name, v.get(), "is not one of " + allowed);
    }
    return lower;
  }

  /** An integer in {@code [min, max]}; integral decimals such as {@code "10.0"} are accepted. */
  public int integer(String name, int fallback, int min, int max) throws TrainingJobException {
    Optional<String> v = text(name);
    return v.isEmpty() ? fallback : checkRange(name, parseInteger(name, v.get()), min, max);
  }

  /** An optional integer in {@code [min, max]}. */
  public Optional<Integer> optionalInteger(String name, int min, int max) throws TrainingJobException {
    Optional<String> v = text(name);
    return v.isEmpty() ? Optional.empty() : Optional.of(checkRange(name, parseInteger(name, v.get()), min, max));
  }

  /** A 64-bit integer (seeds). */
  public long longInteger(String name, long fallback) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return fallback;
    }
    try {
      return new BigDecimal(v.get()).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad(name, v.get(), "is not a 64-bit integer");
    }
  }

  /** A finite number in {@code [min, max]}. */
  public double decimal(String name, double fallback, double min, double max) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return fallback;
    }
    double d;
    try {
      d = Double.parseDouble(v.get());
    } catch (NumberFormatException e) {
      throw bad(name, v.get(), "is not a number");
    }
    if (!Double.isFinite(d) || d < min || d > max) {
      throw bad(name, v.get(), "is not in [" + min + ", " + max + "]");
    }
    return d;
  }

  /** {@code true/false} (also {@code yes/no}, {@code 1/0}, any case: Python sends {@code "True"}). */
  public boolean flag(String name, boolean fallback) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return fallback;
    }
    return switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw bad(name, v.get(), "is not true or false");
    };
  }

  /** An optional {@link #flag}. */
  public Optional<Boolean> optionalFlag(String name) throws TrainingJobException {
    return has(name) ? Optional.of(flag(name, false)) : Optional.empty();
  }

  /**
   * Integers in {@code [min, max]} separated by commas or spaces, optionally in brackets:
   * {@code "64"}, {@code "128,64"}, {@code "[128, 64]"} (Python's {@code str(list)}).
   */
  public List<Integer> integers(String name, List<Integer> fallback, int min, int max) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return fallback;
    }
    String s = v.get();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    List<Integer> out = new ArrayList<>();
    for (String item : s.strip().split("[,\\s]+")) {
      if (!item.isEmpty()) {
        out.add(checkRange(name, parseInteger(name, item), min, max));
      }
    }
    return List.copyOf(out);
  }

  /**
   * Refuses names that no getter asked for.
   *
   * @throws TrainingJobException listing the unknown names and the known ones
   */
  public void rejectUnknown() throws TrainingJobException {
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(known);
    unknown.removeIf(n -> n.startsWith("sagemaker_") || n.startsWith("_"));
    if (!unknown.isEmpty()) {
      throw new TrainingJobException("unknown hyperparameter" + (unknown.size() > 1 ? "s " : " ") + unknown
          + "; known: " + known);
    }
  }

  private static int parseInteger(String name, String v) throws TrainingJobException {
    try {
      return new BigDecimal(v.strip()).intValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad(name, v, "is not an integer");
    }
  }

  private static int checkRange(String name, int v, int min, int max) throws TrainingJobException {
    if (v < min || v > max) {
      throw bad(name, Integer.toString(v), "is not in [" + min + ", " + max + "]");
    }
    return v;
  }

  private static TrainingJobException bad(String name, String value, String problem) {
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return new TrainingJobException("hyperparameter " + name + ": '" + shown + "' " + problem);
  }
}
