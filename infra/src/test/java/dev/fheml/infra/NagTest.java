package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.app.FheMlStacks;
import dev.fheml.infra.common.NagReview;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.sns.Topic;

/** cdk-nag (AwsSolutions, HIPAA Security, NIST 800-53 R5): no finding without an acknowledgement. */
class NagTest {
  private static final String NAG = "^(AwsSolutions-|HIPAA\\.Security-|NIST\\.800\\.53\\.R5-|CdkNagValidationFailure).*";

  static void assertNoUnacknowledgedFindings(FheMlStacks stacks) {
    List<String> findings = new ArrayList<>();
    for (Stack stack : stacks.all()) {
      Annotations annotations = Annotations.fromStack(stack);
      annotations.findError("*", Match.stringLikeRegexp(NAG)).forEach(m -> findings.add("error " + m.getId()
          + ": " + m.getEntry().getData()));
      annotations.findWarning("*", Match.stringLikeRegexp(NAG)).forEach(m -> findings.add("warning " + m.getId()
          + ": " + m.getEntry().getData()));
    }
    assertEquals(List.of(), findings);
  }

  @Test
  void everyStackIsCleanWithTheDefaultContext() {
    FheMlStacks stacks = TestApps.defaults();
    assertEquals(4, stacks.all().size());
    assertNoUnacknowledgedFindings(stacks);
  }

  @Test
  void thePacksDoReportAnInsecureResource() {
    App app = new App();
    NagReview.addPacks(app);
    Stack stack = new Stack(app, "Insecure");
    new Bucket(stack, "Plain");
    new Topic(stack, "PlainTopic");
    Annotations annotations = Annotations.fromStack(stack);
    List<String> ids = annotations.findError("*", Match.stringLikeRegexp(NAG)).stream()
        .map(m -> String.valueOf(m.getEntry().getData()).split(":")[0]).toList();
    assertTrue(ids.contains("AwsSolutions-S1"), ids.toString());
    assertTrue(ids.contains("AwsSolutions-SNS3"), ids.toString());
    assertTrue(ids.stream().anyMatch(id -> id.startsWith("HIPAA.Security-S3")), ids.toString());
    assertTrue(ids.stream().anyMatch(id -> id.startsWith("NIST.800.53.R5-S3")), ids.toString());
  }

  @Test
  void wildcardAcknowledgementsMustNameTheirFindingsAndGiveAReason() {
    Stack stack = new Stack(new App(), "Ack");
    Bucket bucket = new Bucket(stack, "B");
    assertThrows(IllegalArgumentException.class, () -> NagReview.acknowledge(bucket, "AwsSolutions-IAM5",
        "a long enough reason that would otherwise be accepted by the helper"));
    assertThrows(IllegalArgumentException.class, () -> NagReview.acknowledge(bucket, "AwsSolutions-S1", "TODO"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void noStackWideAcknowledgementAndEveryOneHasAReason() {
    for (Stack stack : TestApps.defaults().all()) {
      Map<String, Object> json = (Map<String, Object>) TestApps.template(stack).toJSON();
      Map<String, Object> metadata = (Map<String, Object>) json.getOrDefault("Metadata", Map.of());
      assertFalse(metadata.containsKey("cdk_nag"), stack.getStackName() + " has a stack-wide acknowledgement");
      Map<String, Object> resources = (Map<String, Object>) json.get("Resources");
      resources.forEach((id, r) -> {
        Map<String, Object> meta = (Map<String, Object>) ((Map<String, Object>) r).getOrDefault("Metadata", Map.of());
        Map<String, Object> nag = (Map<String, Object>) meta.get("cdk_nag");
        if (nag != null) {
          for (Map<String, Object> rule : (List<Map<String, Object>>) nag.get("rules_to_suppress")) {
            assertTrue(String.valueOf(rule.get("reason")).length() >= 40, id + " " + rule);
            if (String.valueOf(rule.get("id")).equals("AwsSolutions-IAM5")) {
              assertFalse(((List<?>) rule.getOrDefault("applies_to", List.of())).isEmpty(), id + " " + rule);
            }
          }
        }
      });
    }
  }

}
