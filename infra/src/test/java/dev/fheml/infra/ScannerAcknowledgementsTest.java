package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fheml.infra.app.FheMlStacks;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;

/**
 * infra/scanner-acknowledgements.json (issue 12, item 6): what checkov and cfn-lint may report, each
 * entry for one check on one resource with a reason, like the cdk-nag acknowledgements. CI runs the
 * scanners themselves (scripts/scan-templates.sh); this checks the file's shape without them.
 */
class ScannerAcknowledgementsTest {
  private static JsonNode config() throws IOException {
    return TestApps.json(Files.readString(TestApps.repoRoot().resolve("infra/scanner-acknowledgements.json")));
  }

  @Test
  void everyAcknowledgementNamesOneCheckOnOneResourceWithAReason() throws IOException {
    JsonNode config = config();
    Set<String> sections = Set.of("comment", "checkov", "cfn-lint");
    config.fieldNames().forEachRemaining(name -> assertTrue(sections.contains(name), name));
    for (String tool : List.of("checkov", "cfn-lint")) {
      for (JsonNode ack : config.get(tool)) {
        String check = ack.get("check").asText();
        assertTrue(tool.equals("checkov") ? check.matches("CKV2?_AWS_[0-9]+") : check.matches("[EWI][0-9]{4}"), ack.toString());
        assertTrue(ack.get("reason").asText().length() >= 40, "a reason a reviewer can check: " + ack);
        assertTrue(!ack.get("resource").asText().isEmpty() && !ack.get("resource").asText().contains("*"),
            "one resource, no pattern: " + ack);
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAcknowledgedResourceExistsInTheDefaultOrTheDestroySynthesis() throws IOException {
    List<FheMlStacks> apps = List.of(TestApps.defaults(), TestApps.build(Map.of("removalPolicy", "destroy")));
    for (String tool : List.of("checkov", "cfn-lint")) {
      for (JsonNode ack : config().get(tool)) {
        boolean found = false;
        for (FheMlStacks app : apps) {
          for (Stack stack : app.all()) {
            if (stack.getStackName().equals(ack.get("template").asText())) {
              Map<String, Object> resources = (Map<String, Object>) ((Map<String, Object>) TestApps.template(stack)
                  .toJSON()).get("Resources");
              found |= resources.keySet().stream().anyMatch(id -> id.startsWith(ack.get("resource").asText()));
            }
          }
        }
        assertTrue(found, "no such resource: " + ack);
      }
    }
    assertEquals(4, TestApps.defaults().all().size());
  }
}
