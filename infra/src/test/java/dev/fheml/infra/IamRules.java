package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The least-privilege rules of issue 2, point 3, checked on a policy document's statements. */
final class IamRules {
  /** Actions AWS authorizes only against Resource "*". */
  static final Set<String> STAR_ONLY_ACTIONS = Set.of(
      "ecr:GetAuthorizationToken",
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
      "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
      "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs",
      "ec2:DescribeDhcpOptions");
  private static final Pattern ACTION = Pattern.compile("[a-z0-9-]+:[A-Za-z0-9]+");

  /** One statement with its values rendered as text (see {@link CfnText}). */
  record Statement(String sid, String effect, List<String> actions, List<String> resources, Object condition) {
    boolean allows(String action, String resource) {
      return effect.equals("Allow") && actions.contains(action) && resources.contains(resource);
    }
  }

  private IamRules() {}

  @SuppressWarnings("unchecked")
  static List<Statement> statements(Map<String, Object> document) {
    assertEquals("2012-10-17", document.get("Version"), "policy Version");
    Object raw = document.get("Statement");
    assertTrue(raw instanceof List<?> list && !list.isEmpty(), "Statement must be a non-empty list");
    return ((List<Map<String, Object>>) raw).stream().map(s -> {
      assertNotNull(s.get("Effect"), "Effect in " + s);
      assertTrue(Set.of("Allow", "Deny").contains(s.get("Effect")), "Effect is Allow or Deny: " + s);
      assertNotNull(s.get("Action"), "Action in " + s);
      assertNotNull(s.get("Resource"), "Resource in " + s);
      assertFalse(s.containsKey("NotAction") || s.containsKey("NotResource"), "no NotAction/NotResource: " + s);
      return new Statement((String) s.get("Sid"), (String) s.get("Effect"), CfnText.texts(s.get("Action")),
          CfnText.texts(s.get("Resource")), s.get("Condition"));
    }).toList();
  }

  /** No wildcard action; Resource "*" only for {@link #STAR_ONLY_ACTIONS}, alone in its statement. */
  static void assertLeastPrivilege(String where, List<Statement> statements) {
    for (Statement s : statements) {
      for (String action : s.actions()) {
        assertTrue(ACTION.matcher(action).matches(), where + ": wildcard or malformed action " + action);
      }
      if (s.effect().equals("Allow") && s.resources().contains("*")) {
        assertEquals(List.of("*"), s.resources(), where + ": Resource \"*\" must stand alone: " + s);
        for (String action : s.actions()) {
          assertTrue(STAR_ONLY_ACTIONS.contains(action),
              where + ": " + action + " on Resource \"*\" although it supports resource-level permissions");
        }
      }
    }
  }

  /**
   * The deployer reads the outputs of the four stacks, the trainer those of storage and training, and
   * nothing else in CloudFormation; {@code stacks} is the ARN up to the stack name.
   */
  static void assertStackOutputReads(List<Statement> deployer, List<Statement> trainer, String stacks) {
    assertEquals(List.of(stacks + "fhe-ml-access/*", stacks + "fhe-ml-endpoint/*", stacks + "fhe-ml-storage/*",
        stacks + "fhe-ml-training/*"), allowed(deployer, "cloudformation:DescribeStacks"));
    assertEquals(List.of(stacks + "fhe-ml-storage/*", stacks + "fhe-ml-training/*"),
        allowed(trainer, "cloudformation:DescribeStacks"));
  }

  /** Every resource an Allow statement grants {@code action} on. */
  static List<String> allowed(List<Statement> statements, String action) {
    return statements.stream().filter(s -> s.effect().equals("Allow") && s.actions().contains(action))
        .flatMap(s -> s.resources().stream()).sorted().toList();
  }
}
