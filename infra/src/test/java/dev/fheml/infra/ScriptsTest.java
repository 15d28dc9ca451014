package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.training.TrainingStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The deploy scripts and the Maven wrapper (issue 12, items 4 and 5). */
class ScriptsTest {
  private static String read(String path) throws IOException {
    return Files.readString(TestApps.repoRoot().resolve(path));
  }

  @Test
  void deploysAskBeforeBroadeningPermissionsAndNeverSkipApproval() throws IOException {
    List<Path> scripts;
    try (Stream<Path> files = Files.list(TestApps.repoRoot().resolve("scripts"))) {
      scripts = files.filter(p -> p.toString().endsWith(".sh")).toList();
    }
    for (Path script : scripts) {
      assertFalse(Files.readString(script).contains("--require-approval never"), script.toString());
    }
    assertTrue(read("scripts/lib.sh").contains("cdk deploy --require-approval broadening"));
    for (String deploy : List.of("scripts/deploy-base.sh", "scripts/deploy-endpoint.sh")) {
      String text = read(deploy);
      assertTrue(text.contains("cdk_deploy ") && !text.contains("cdk deploy "), deploy + " deploys through cdk_deploy");
    }
  }

  @Test
  void deploysRequireAnImageDigest() throws IOException {
    assertTrue(read("scripts/deploy-endpoint.sh").contains("require_digest inferenceImageDigest"));
    assertTrue(read("scripts/deploy-base.sh").contains("require_digest trainingImageDigest"));
  }

  @Test
  void startTrainingImportsWithTheStateMachinesFlagAndTheDefaultPrefixes() throws IOException {
    String script = read("scripts/start-training.sh");
    assertTrue(script.contains("\"" + TrainingStack.IMPORT_FLAG + "\":true"), "the import input");
    assertTrue(script.contains("TRAINING_DATA_PREFIX:-" + InfraConfig.Key.TRAINING_DATA_PREFIX.defaultValue() + "}"));
    assertTrue(script.contains("IMPORT_MODEL_PREFIX:-" + InfraConfig.Key.IMPORT_MODEL_PREFIX.defaultValue() + "}"));
  }

  @Test
  void mavenWrapperChecksTheDistributionItDownloads() throws IOException {
    assertTrue(read(".mvn/wrapper/maven-wrapper.properties").lines()
        .anyMatch(l -> l.matches("distributionSha256Sum=[0-9a-f]{64}")));
  }
}
