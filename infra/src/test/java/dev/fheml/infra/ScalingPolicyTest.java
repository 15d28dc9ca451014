package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.endpoint.ScalingPolicy;
import org.junit.jupiter.api.Test;

/** The autoscaling numbers follow from the measured time per image as docs/infrastructure.md derives them. */
class ScalingPolicyTest {
  @Test
  void theDefaultsAreTheDerivationForTheDefaultInstance() {
    InfraConfig c = InfraConfig.defaults();
    ScalingPolicy p = ScalingPolicy.derive(c.inferenceInstanceType(), c.maxConcurrentInvocationsPerInstance());
    assertEquals(0.525, ScalingPolicy.secondsPerImage("ml.c6i.xlarge"), 1e-9, "1.05 s on 2 vCPUs, 4 vCPUs");
    assertEquals(7, p.backlogPerInstanceTarget(), "2 slots + ceil(300 s start / 60 s bulk request)");
    assertEquals(2, p.maxInstances(), "ceil(10,000 x 0.525 s / 3600 s)");
    assertEquals(c.backlogPerInstanceTarget(), p.backlogPerInstanceTarget(), "the context default is the derivation");
    assertEquals(c.maxInstances(), p.maxInstances(), "the context default is the derivation");
    assertEquals(1, p.fromZeroStep());
    assertEquals(300, p.scaleOutCooldown().toSeconds());
    assertEquals(600, p.scaleInCooldown().toSeconds());
    assertEquals(300, p.fromZeroCooldown().toSeconds());
  }

  @Test
  void largerInstancesNeedFewerOfThem() {
    assertEquals(1, ScalingPolicy.derive("ml.c6i.4xlarge", 2).maxInstances(), "16 vCPUs: 10,000 x 0.1375 s < 1 h");
    assertEquals(3, ScalingPolicy.derive("ml.c5.large", 2).maxInstances(), "2 vCPUs: 10,000 x 1.05 s = 2.92 h");
    assertEquals(6, ScalingPolicy.derive("ml.c6i.xlarge", 1).backlogPerInstanceTarget(), "1 slot + 5 queued");
    assertEquals(8, ScalingPolicy.vcpus("ml.m5.2xlarge"));
    assertEquals(4, ScalingPolicy.vcpus("ml.c7i.xlarge"));
    assertEquals(2, ScalingPolicy.vcpus("ml.t3.large"));
    assertThrows(IllegalArgumentException.class, () -> ScalingPolicy.vcpus("ml.c6i.metal"));
    assertThrows(IllegalArgumentException.class, () -> ScalingPolicy.vcpus("ml.c6i.4large"));
  }
}
