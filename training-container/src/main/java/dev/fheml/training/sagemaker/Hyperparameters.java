package dev.fheml.training.sagemaker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.training.job.ImportRequest;
import dev.fheml.training.job.JobSettings;
import dev.fheml.training.job.TrainingJobException;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.train.ModelKind;
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
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A training job's hyperparameters, parsed into a {@link TrainingRequest} ({@link #request()}); the
 * names are the request's (README, "The training job contract"). SageMaker writes every value as a
 * JSON string ({@code {"epochs": "10"}}); the SageMaker Python SDK's framework estimators even
 * JSON-encode them once more ({@code "\"mlp\""}); local files may use plain JSON numbers, booleans
 * and arrays; {@code fhe-ml train -p name=value} gives strings. All are accepted. Each getter parses
 * a type, names the hyperparameter when a value is bad, and records the name as known;
 * {@link #rejectUnknown()} then refuses any other name (a typo must not silently train with a
 * default), except SageMaker's own {@code sagemaker_*} and {@code _*} (tuning) entries. Ranges are
 * the request's to check.
 */
public final class Hyperparameters {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_FILE_BYTES = 1 << 20;

  private final Map<String, String> values;
  private final Set<String> known = new TreeSet<>();

  private Hyperparameters(Map<String, String> values) {
    this.values = values;
  }

  /** Hyperparameters given as strings ({@code fhe-ml train -p}, tests). */
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

  /**
   * The request these hyperparameters ask for: every name given sets the request's setting of that
   * name, the others keep the request's defaults; then unknown names are refused.
   *
   * @throws TrainingJobException naming the first bad hyperparameter, or the unknown ones
   */
  public TrainingRequest request() throws TrainingJobException {
    TrainingRequest.Builder b = TrainingRequest.builder();
    set("model", this::text, v -> b.model(ModelKind.fromWireName(v)));
    set("hidden", this::integers, b::hidden);
    set("epochs", this::integer, b::epochs);
    set("validation_fraction", this::decimal, b::validationFraction);
    set("elastic", this::decimal, b::elastic);
    shared(b);
    return built(b::build);
  }

  /**
   * The {@link ImportRequest} these hyperparameters ask for (a job with a {@code model} channel, or
   * {@code fhe-ml import}); the trainer's architecture settings are refused here.
   *
   * @throws TrainingJobException naming the first bad or unknown hyperparameter
   */
  public ImportRequest importRequest() throws TrainingJobException {
    for (String trainerOnly : List.of("model", "hidden", "epochs", "elastic", "validation_fraction")) {
      if (values.containsKey(trainerOnly)) {
        throw new TrainingJobException("hyperparameter " + trainerOnly + " chooses what the trainer builds; an"
            + " imported model brings its own architecture: drop it (fine-tuning epochs: finetune_epochs)");
      }
    }
    ImportRequest.Builder b = ImportRequest.builder();
    set("input_shape", this::integers, b::inputShape);
    set("input_normalize", this::decimals, b::inputNormalize);
    set("finetune_epochs", this::integer, b::finetuneEpochs);
    shared(b);
    return built(b::build);
  }

  /** Refuses unknown names, then builds; the builder's combination checks name their hyperparameter. */
  private <R> R built(Supplier<R> build) throws TrainingJobException {
    rejectUnknown();
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new TrainingJobException("hyperparameter " + e.getMessage(), e);
    }
  }

  /** The settings a training run and an import share. */
  private void shared(JobSettings<?> b) throws TrainingJobException {
    set("batch_size", this::integer, b::batchSize);
    set("learning_rate", this::decimal, b::learningRate);
    set("weight_decay", this::decimal, b::weightDecay);
    // bits first: input_bits, weight_bits and activation_bits override one of the three.
    set("bits", this::integer, b::bits);
    set("input_bits", this::integer, b::inputBits);
    set("weight_bits", this::integer, b::weightBits);
    set("activation_bits", this::integer, b::activationBits);
    set("seed", this::longInteger, b::seed);
    set("threads", this::integer, b::threads);
    set("test_fraction", this::decimal, b::testFraction);
    set("augment", this::flag, b::augment);
    set("train_noise", this::flag, b::trainNoise);
    set("noise_positions", this::decimal, b::noisePositions);
    set("label", this::text, b::label);
    set("parameters", this::text, b::parameters);
    set("sanitize", this::flag, b::sanitize);
    set("range_reduction", this::flag, b::rangeReduction);
  }

  /** Reads one hyperparameter's value as a type, if it was given. */
  private interface Parser<T> {
    Optional<T> parse(String name) throws TrainingJobException;
  }

  /** Gives {@code name}'s value, if any, to the request's setter; its range error names the hyperparameter. */
  private static <T> void set(String name, Parser<T> parser, Consumer<T> setter) throws TrainingJobException {
    Optional<T> value = parser.parse(name);
    if (value.isPresent()) {
      try {
        setter.accept(value.get());
      } catch (IllegalArgumentException e) {
        // The request's messages start with the setting's name, which is the hyperparameter's.
        String message = e.getMessage();
        throw new TrainingJobException("hyperparameter " + (message.startsWith(name) ? message
            : name + ": " + message), e);
      }
    }
  }

  /** The raw text of {@code name}, if given (also marks it known). */
  private Optional<String> text(String name) {
    known.add(name);
    return Optional.ofNullable(values.get(name));
  }

  /** An integer; integral decimals such as {@code "10.0"} are accepted. */
  private Optional<Integer> integer(String name) throws TrainingJobException {
    Optional<String> v = text(name);
    return v.isEmpty() ? Optional.empty() : Optional.of(parseInteger(name, v.get()));
  }

  /** A 64-bit integer (seeds). */
  private Optional<Long> longInteger(String name) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new BigDecimal(v.get()).longValueExact());
    } catch (NumberFormatException | ArithmeticException e) {
      throw bad(name, v.get(), "is not a 64-bit integer");
    }
  }

  /** A finite number. */
  private Optional<Double> decimal(String name) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    double d;
    try {
      d = Double.parseDouble(v.get());
    } catch (NumberFormatException e) {
      throw bad(name, v.get(), "is not a number");
    }
    if (!Double.isFinite(d)) {
      throw bad(name, v.get(), "is not a finite number");
    }
    return Optional.of(d);
  }

  /** {@code true/false} (also {@code yes/no}, {@code 1/0}, any case: Python sends {@code "True"}). */
  private Optional<Boolean> flag(String name) throws TrainingJobException {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(switch (v.get().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw bad(name, v.get(), "is not true or false");
    });
  }

  /**
   * Integers separated by commas or spaces, optionally in brackets: {@code "64"}, {@code "128,64"},
   * {@code "[128, 64]"} (Python's {@code str(list)}).
   */
  private Optional<List<Integer>> integers(String name) throws TrainingJobException {
    Optional<List<String>> items = items(name);
    if (items.isEmpty()) {
      return Optional.empty();
    }
    List<Integer> out = new ArrayList<>();
    for (String item : items.get()) {
      out.add(parseInteger(name, item));
    }
    return Optional.of(List.copyOf(out));
  }

  private Optional<List<Double>> decimals(String name) throws TrainingJobException {
    Optional<List<String>> items = items(name);
    if (items.isEmpty()) {
      return Optional.empty();
    }
    List<Double> out = new ArrayList<>();
    for (String item : items.get()) {
      try {
        double d = Double.parseDouble(item);
        if (!Double.isFinite(d)) {
          throw new NumberFormatException();
        }
        out.add(d);
      } catch (NumberFormatException e) {
        throw bad(name, item, "is not a number");
      }
    }
    return Optional.of(List.copyOf(out));
  }

  /** A list value: {@code "1,2"}, {@code "1 2"} or {@code "[1, 2]"}. */
  private Optional<List<String>> items(String name) {
    Optional<String> v = text(name);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String s = v.get();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String item : s.strip().split("[,\\s]+")) {
      if (!item.isEmpty()) {
        out.add(item);
      }
    }
    return Optional.of(out);
  }

  /**
   * Refuses names that no getter asked for.
   *
   * @throws TrainingJobException listing the unknown names and the known ones
   */
  private void rejectUnknown() throws TrainingJobException {
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

  private static TrainingJobException bad(String name, String value, String problem) {
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return new TrainingJobException("hyperparameter " + name + ": '" + shown + "' " + problem);
  }
}
