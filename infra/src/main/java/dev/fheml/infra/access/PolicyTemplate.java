package dev.fheml.infra.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The IAM policy documents in {@code policies/}, one per human or client role, and their placeholders.
 *
 * <p>A document is valid JSON as it stands; deployment-specific values are written {@code
 * {{Name}}} with a name from {@link Placeholder} (double braces, so IAM's own {@code ${aws:...}}
 * policy variables stay usable). The access stack renders them with CDK tokens; the tests render them
 * with literal example values. An unknown or unfilled placeholder is an error, never left in place,
 * except an {@linkplain Placeholder#optional() optional} one: a statement that uses an optional
 * placeholder without a value is left out whole.
 */
public final class PolicyTemplate {
  /** {@code {{Name}}}. */
  public static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([A-Za-z]+)}}");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every placeholder a document may use. */
  public enum Placeholder {
    Partition("AWS partition, e.g. aws"),
    Region("deployment region, e.g. eu-west-1"),
    AccountId("12-digit account id"),
    NamePrefix("context namePrefix (stack names start with it)"),
    ArtifactBucket("artifact bucket name (storage stack output ArtifactBucketName)"),
    DataBucket("data bucket name (output DataBucketName)"),
    ExchangeBucket("exchange bucket name (output ExchangeBucketName)"),
    KeyArn("ARN of the project KMS key (output KeyArn)"),
    EndpointName("SageMaker endpoint name, <namePrefix>-endpoint"),
    StateMachineName("training state machine name, <namePrefix>-training"),
    TrainingJobPrefix("training job name prefix, <namePrefix>-train-"),
    TrainingDataPrefix("context trainingDataPrefix, e.g. train/"),
    ImportModelPrefix("context importModelPrefix, e.g. import/"),
    TrainingRepository("training ECR repository name, <namePrefix>-training"),
    InferenceRepository("inference ECR repository name, <namePrefix>-inference"),
    CdkQualifier("CDK bootstrap qualifier, context cdkQualifier"),
    NotificationQueueArn("ARN of the client notification queue (endpoint stack output NotificationQueueArn),"
        + " arn:<partition>:sqs:<region>:<account>:<namePrefix>-client-notifications", true);

    private final String description;
    private final boolean optional;

    Placeholder(String description) {
      this(description, false);
    }

    Placeholder(String description, boolean optional) {
      this.description = description;
      this.optional = optional;
    }

    public String description() {
      return description;
    }

    /**
     * An optional placeholder names a resource the deployment may leave out: without a value, every
     * statement that uses it is left out of the rendered document (and only those).
     */
    public boolean optional() {
      return optional;
    }
  }

  private PolicyTemplate() {}

  /**
   * The {@code policies/} directory: system property {@code fheml.repo.root} (set by the Maven build
   * for the app and the tests) or the working directory, which is the repository root under {@code
   * npx cdk}.
   */
  public static Path directory() {
    return Path.of(System.getProperty("fheml.repo.root", ".")).resolve("policies").normalize();
  }

  public static String load(String fileName) {
    Path file = directory().resolve(fileName);
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read IAM policy document " + file.toAbsolutePath()
          + " (set -Dfheml.repo.root to the repository root)", e);
    }
  }

  /** The placeholder names a document uses. */
  public static Set<String> placeholders(String template) {
    Set<String> names = new TreeSet<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /**
   * Leaves out the statements that use an optional placeholder without a value, replaces every
   * placeholder and parses the result.
   *
   * @throws IllegalArgumentException on a placeholder that is not a {@link Placeholder}, a required
   *     one without a value, or a document that is not a JSON object
   */
  public static Map<String, Object> render(String template, Map<Placeholder, String> values) {
    Map<Placeholder, String> given = new EnumMap<>(Placeholder.class);
    given.putAll(values);
    placeholders(template).forEach(PolicyTemplate::placeholder);
    String kept = usesMissingOptional(template, given) ? withoutStatementsMissing(template, given) : template;
    StringBuilder out = new StringBuilder();
    Matcher m = PLACEHOLDER.matcher(kept);
    while (m.find()) {
      Placeholder placeholder = placeholder(m.group(1));
      String value = given.get(placeholder);
      if (value == null) {
        throw new IllegalArgumentException("no value for placeholder {{" + placeholder + "}}");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(jsonStringContent(value)));
    }
    m.appendTail(out);
    return parse(out.toString());
  }

  private static Placeholder placeholder(String name) {
    try {
      return Placeholder.valueOf(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown placeholder {{" + name + "}}", e);
    }
  }

  private static boolean usesMissingOptional(String text, Map<Placeholder, String> given) {
    return placeholders(text).stream().map(PolicyTemplate::placeholder)
        .anyMatch(p -> p.optional() && !given.containsKey(p));
  }

  /** The template without the statements that use an optional placeholder {@code given} has no value for. */
  private static String withoutStatementsMissing(String template, Map<Placeholder, String> given) {
    Map<String, Object> document = parse(template);
    if (document.get("Statement") instanceof List<?> statements) {
      List<Object> kept = new ArrayList<>();
      for (Object statement : statements) {
        if (!usesMissingOptional(write(statement), given)) {
          kept.add(statement);
        }
      }
      document.put("Statement", kept);
    }
    return write(document);
  }

  private static Map<String, Object> parse(String json) {
    try {
      return JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("policy document is not a JSON object: " + e.getOriginalMessage(), e);
    }
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A value as it may stand inside a JSON string literal. */
  private static String jsonStringContent(String value) {
    String quoted = write(Objects.requireNonNull(value));
    return quoted.substring(1, quoted.length() - 1);
  }
}
