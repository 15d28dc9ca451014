package dev.fheml.infra.common;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.HIPAASecurityChecks;
import io.github.cdklabs.cdknag.NIST80053R5Checks;
import io.github.cdklabs.cdknag.NagPackProps;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;
import software.constructs.IConstruct;

/**
 * The security review: cdk-nag's AwsSolutions, HIPAA Security and NIST 800-53 R5 packs on every
 * synth, and the one way to acknowledge a finding.
 *
 * <p>An acknowledgement is attached to one resource, names one rule and, for rules that report
 * several findings per resource (the IAM wildcard rule), the exact findings it covers ({@code
 * appliesTo}); its reason is what a reviewer reads in the nag report. There is no stack-wide
 * acknowledgement in this app.
 */
public final class NagReview {

  /** Matches the messages of the three packs and cdk-nag's own "could not evaluate" warning. */
  public static final Pattern FINDING =
      Pattern.compile("^(AwsSolutions-|HIPAA\\.Security-|NIST\\.800\\.53\\.R5-|CdkNagValidationFailure).*", Pattern.DOTALL);

  /** Rules that report several findings per resource: an acknowledgement must name them. */
  private static final java.util.Set<String> PER_FINDING_RULES = java.util.Set.of("AwsSolutions-IAM4", "AwsSolutions-IAM5");

  private NagReview() {}

  /** Adds the three packs to every construct under {@code scope}; reports go to the cloud assembly. */
  public static void addPacks(IConstruct scope) {
    NagPackProps props = NagPackProps.builder().verbose(true).reports(true).build();
    Aspects.of(scope).add(new AwsSolutionsChecks(props));
    Aspects.of(scope).add(new HIPAASecurityChecks(props));
    Aspects.of(scope).add(new NIST80053R5Checks(props));
  }

  /**
   * Acknowledges one rule on one resource (and not on its children).
   *
   * @param appliesTo the findings covered, e.g. {@code Resource::arn:...:log-group:...:*}; empty for
   *     rules with one finding per resource. A value between slashes ({@code /regex/}) is a regular
   *     expression, used where the finding contains a CloudFormation reference whose logical id CDK
   *     derives.
   */
  public static void acknowledge(IConstruct resource, String ruleId, String reason, String... appliesTo) {
    if (PER_FINDING_RULES.contains(ruleId) && appliesTo.length == 0) {
      throw new IllegalArgumentException(ruleId + " reports one finding per wildcard or managed policy:"
          + " name the findings acknowledged (appliesTo) on " + resource.getNode().getPath());
    }
    if (reason.length() < 40) {
      throw new IllegalArgumentException("give " + ruleId + " on " + resource.getNode().getPath()
          + " a reason a reviewer can check, not \"" + reason + "\"");
    }
    NagPackSuppression.Builder suppression = NagPackSuppression.builder().id(ruleId).reason(reason);
    if (appliesTo.length > 0) {
      List<Object> findings = new ArrayList<>();
      for (String finding : appliesTo) {
        if (finding.length() > 1 && finding.startsWith("/") && finding.endsWith("/")) {
          findings.add(RegexAppliesTo.builder()
              .regex(finding + "g")
              .build());
        } else {
          findings.add(finding);
        }
      }
      suppression.appliesTo(findings);
    }
    NagSuppressions.addResourceSuppressions(resource, List.of(suppression.build()), false);
  }

  /** {@code text} as a literal inside a {@code /regex/} finding pattern. */
  public static String literal(String text) {
    return text.replaceAll("([\\\\/.*+?()\\[\\]{}|^$])", "\\\\$1");
  }

  /**
   * A regex fragment for a reference to the resource whose logical id starts with {@code logicalId},
   * as cdk-nag flattens it: {@code <LogicalId1234ABCD.Attr>} for a reference inside the app, or the
   * export name ({@code stack:ExportsOutputRefLogicalId1234ABCD...}) once a cross-stack reference has
   * been resolved to an import by an earlier synthesis (as the assertions library does).
   */
  public static String ref(String logicalId) {
    return "(<" + logicalId + "[0-9A-F]{8}(\\.[A-Za-z]+)?>|[A-Za-z0-9-]+:ExportsOutput(Ref|FnGetAtt)"
        + logicalId + "[0-9A-F]{8}[A-Za-z0-9]*)";
  }

  /**
   * An {@code appliesTo} pattern for the IAM5 finding on objects under any of {@code prefixes} (each
   * ending in "/", e.g. from {@code dev.fheml.protocol.ExchangeLayout}) of the bucket whose logical id
   * starts with {@code bucketLogicalId}; {@code arnStart} is the literal text before the bucket name
   * (empty for a bucket ARN, {@code arn:<AWS::Partition>:s3:::} for a name inside an ARN).
   */
  public static String objectsUnder(String arnStart, String bucketLogicalId, String... prefixes) {
    return "/^" + literal("Resource::" + arnStart) + ref(bucketLogicalId) + "\\/"
        + Arrays.stream(prefixes).map(NagReview::literal).collect(Collectors.joining("|", "(", ")")) + "\\*$/";
  }

  /** Acknowledges several rules with one reason on one resource (same reason, separate entries). */
  public static void acknowledgeRules(IConstruct resource, String reason, String... ruleIds) {
    Arrays.stream(ruleIds).forEach(id -> acknowledge(resource, id, reason));
  }

  /** Every unacknowledged error or warning from the packs, as "construct path: message" lines. */
  public static List<String> unacknowledged(CloudAssembly assembly) {
    List<String> findings = new ArrayList<>();
    for (CloudFormationStackArtifact stack : assembly.getStacks()) {
      stack.getMessages().forEach(message -> {
        String text = String.valueOf(message.getEntry().getData());
        boolean relevant = message.getLevel() != SynthesisMessageLevel.INFO;
        if (relevant && FINDING.matcher(text).matches()) {
          findings.add(message.getLevel() + " " + message.getId() + ": " + text.lines().findFirst().orElse(text));
        }
      });
    }
    return findings;
  }
}
