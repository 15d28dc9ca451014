package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.common.InfraConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.RemovalPolicy;

class InfraConfigTest {
  @Test
  void defaultsAreTheDocumentedOnes() {
    InfraConfig c = InfraConfig.defaults();
    assertEquals("fhe-ml", c.namePrefix());
    assertEquals(RemovalPolicy.RETAIN, c.removalPolicy());
    assertEquals(0, c.minInstances());
    assertEquals(2, c.maxInstances());
    assertEquals(3, c.exchangeRetentionDays());
    assertEquals(30, c.keyRetentionDays());
    assertEquals("fhe-ml-endpoint", c.endpointName());
    assertEquals("fhe-ml-train-", c.trainingJobPrefix());
    assertEquals("train/", c.trainingDataPrefix());
    assertEquals("import/", c.importModelPrefix());
    assertTrue(c.modelDataUrl().isEmpty());
    assertTrue(c.clientNotifications());
    assertEquals(60, c.notificationRetentionMinutes());
    assertEquals("fhe-ml-client-notifications", c.notificationQueueName());
  }

  @Test
  void readsStringsAsTheCliPassesThem() {
    InfraConfig c = InfraConfig.fromValues(Map.of("removalPolicy", "DESTROY", "maxInstances", "7",
        "inferenceInstanceType", "ml.c7i.2xlarge", "logRetentionDays", 90, "clientNotifications", false));
    assertEquals(RemovalPolicy.DESTROY, c.removalPolicy());
    assertEquals(7, c.maxInstances());
    assertEquals("ml.c7i.2xlarge", c.inferenceInstanceType());
    assertEquals(90, c.logRetentionDays());
    assertFalse(c.clientNotifications());
    assertTrue(InfraConfig.fromValues(Map.of("clientNotifications", "TRUE")).clientNotifications());
  }

  @Test
  void rejectsValuesThatWouldFailOnlyAtDeployTime() {
    for (Map<String, Object> bad : java.util.List.<Map<String, Object>>of(
        Map.of("removalPolicy", "snapshot"),
        Map.of("maxInstances", "0"),
        Map.of("minInstances", "3", "maxInstances", "2"),
        Map.of("logRetentionDays", "10"),
        Map.of("keyRetentionDays", "1", "exchangeRetentionDays", "3"),
        Map.of("inferenceImageDigest", "sha256:short"),
        Map.of("modelDataUrl", "https://example.com/model.tar.gz"),
        Map.of("namePrefix", "Has_Upper"),
        Map.of("trainingDataPrefix", "no-trailing-slash"),
        Map.of("importModelPrefix", "no-trailing-slash"),
        Map.of("importModelPrefix", "/leading/"),
        Map.of("importModelPrefix", "train/"),
        Map.of("importModelPrefix", "train/onnx/"),
        Map.of("trainingDataPrefix", "import/calibration/"),
        Map.of("trainingInstanceType", "c6i.large"),
        Map.of("clientNotifications", "yes"),
        Map.of("notificationRetentionMinutes", "0"),
        Map.of("notificationRetentionMinutes", String.valueOf(7 * 24 * 60 + 1)))) {
      assertThrows(IllegalArgumentException.class, () -> InfraConfig.fromValues(bad), bad.toString());
    }
  }

  @Test
  void channelPrefixesMayBeAnyTwoThatDoNotNest() {
    InfraConfig c = InfraConfig.fromValues(Map.of("trainingDataPrefix", "data/calibration/", "importModelPrefix",
        "data/onnx/"));
    assertEquals("data/calibration/", c.trainingDataPrefix());
    assertEquals("data/onnx/", c.importModelPrefix());
    assertEquals("train2/", InfraConfig.fromValues(Map.of("importModelPrefix", "train2/")).importModelPrefix());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> InfraConfig.fromValues(Map.of("importModelPrefix", "train/models/")));
    assertTrue(e.getMessage().contains("trainingDataPrefix") && e.getMessage().contains("importModelPrefix"),
        e.getMessage());
  }

  @Test
  void imageTagsAndCountBasedImageExpiryAreRefusedWithWhatToDoInstead() {
    for (String key : java.util.List.of("inferenceImageTag", "trainingImageTag")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> InfraConfig.fromValues(Map.of(key, "latest")));
      assertTrue(e.getMessage().contains("digest") && e.getMessage().contains("scripts/push-images.sh"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> InfraConfig.fromValues(Map.of("ecrMaxImages", "10")));
    assertEquals("fheml", InfraConfig.defaults().cdkQualifier(), "the project's own bootstrap qualifier");
    assertEquals(7, InfraConfig.defaults().ecrUntaggedImageDays());
  }
}
