package dev.fheml.infra;

import dev.fheml.infra.app.FheMlStacks;
import dev.fheml.infra.app.FeatureFlags;
import dev.fheml.infra.common.InfraConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * The app as {@code cdk synth} wires it, built once per JVM for the default context (the jsii
 * runtime and synthesis dominate test time), plus a way to build one with other context.
 */
final class TestApps {
  private static FheMlStacks defaults;
  private static final Map<Stack, Template> TEMPLATES = new java.util.IdentityHashMap<>();

  private TestApps() {}

  static synchronized FheMlStacks defaults() {
    if (defaults == null) {
      defaults = build(Map.of());
    }
    return defaults;
  }

  /** An app with the same feature flags and nag packs as the real one, and {@code context}. */
  static FheMlStacks build(Map<String, Object> context) {
    Map<String, Object> all = new java.util.HashMap<>(FeatureFlags.VALUES);
    all.putAll(context);
    App app = new App(AppProps.builder().context(all).outdir(tempDir()).build());
    return FheMlStacks.create(app, InfraConfig.fromContext(app.getNode()));
  }

  static synchronized Template template(Stack stack) {
    return TEMPLATES.computeIfAbsent(stack, Template::fromStack);
  }

  /** Every resource of {@code type}: logical id to its definition. */
  static Map<String, Map<String, Object>> resources(Stack stack, String type) {
    return template(stack).findResources(type);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> properties(Map<String, Object> resource) {
    return (Map<String, Object>) resource.get("Properties");
  }

  /** The one resource of {@code type} whose logical id starts with {@code prefix}. */
  static Map<String, Object> resource(Stack stack, String type, String prefix) {
    List<Map<String, Object>> matches = resources(stack, type).entrySet().stream()
        .filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList();
    if (matches.size() != 1) {
      throw new AssertionError("expected one " + type + " named " + prefix + "*, found " + matches.size());
    }
    return matches.get(0);
  }

  /** The statements of the managed policy whose logical id starts with {@code prefix}. */
  @SuppressWarnings("unchecked")
  static List<IamRules.Statement> policyStatements(Stack stack, String prefix) {
    Map<String, Object> policy = resource(stack, "AWS::IAM::ManagedPolicy", prefix);
    return IamRules.statements((Map<String, Object>) properties(policy).get("PolicyDocument"));
  }

  /** {@code text} parsed as JSON (a state machine definition, an ECR lifecycle policy). */
  static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The statements of a resource policy (bucket, topic, VPC endpoint) given as its "PolicyDocument". */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rawStatements(Map<String, Object> properties) {
    return (List<Map<String, Object>>) ((Map<String, Object>) properties.get("PolicyDocument")).get("Statement");
  }

  /** The one statement with {@code sid} in {@code statements}. */
  static Map<String, Object> statement(List<Map<String, Object>> statements, String sid) {
    List<Map<String, Object>> found = statements.stream().filter(s -> sid.equals(s.get("Sid"))).toList();
    if (found.size() != 1) {
      throw new AssertionError("expected one statement " + sid + ", found " + found.size() + " in " + statements);
    }
    return found.get(0);
  }

  /** A statement's Condition block {@code operator} (e.g. StringEquals), keys to values. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> condition(Map<String, Object> statement, String operator) {
    Map<String, Object> conditions = (Map<String, Object>) statement.get("Condition");
    if (conditions == null || !conditions.containsKey(operator)) {
      throw new AssertionError("no " + operator + " condition in " + statement);
    }
    return (Map<String, Object>) conditions.get(operator);
  }

  private static String tempDir() {
    try {
      return Files.createTempDirectory("fheml-cdk-test").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("fheml.repo.root", ".."));
  }
}
