package dev.fheml.infra.endpoint;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awscdk.Duration;

/**
 * The endpoint's autoscaling, derived from the measured time per MNIST image (docs/infrastructure.md,
 * "Autoscaling: how the numbers follow from the measured time per image"). The context keys
 * {@code backlogPerInstanceTarget} and {@code maxInstances} default to what {@link #derive} gives for
 * the default instance type; the cool-downs and the step follow from the instance start time.
 *
 * @param backlogPerInstanceTarget target of ApproximateBacklogSizePerInstance: the slots, plus the
 *                                 bulk requests whose work outlasts the start of a new instance
 * @param maxInstances             instances that score the largest job size within the job deadline
 * @param scaleOutCooldown         target tracking: an instance's start, so that one starting is not added again
 * @param scaleInCooldown          target tracking: twice an instance's start, so that a pause between jobs
 *                                 shorter than that does not pay a start again
 * @param fromZeroStep             instances the HasBacklogWithoutCapacity step adds
 * @param fromZeroCooldown         the step policy: an instance's start (the alarm stays raised until it is in service)
 */
public record ScalingPolicy(int backlogPerInstanceTarget, int maxInstances, Duration scaleOutCooldown,
    Duration scaleInCooldown, int fromZeroStep, Duration fromZeroCooldown) {
  /**
   * Server time per image of the default MNIST MLP, p50 (README, bench mnist 2026-12-03: 1055 ms on 2 vCPUs, 74
   * bootstraps on the level-1 set the compiler chose), rounded.
   */
  public static final double MEASURED_SECONDS_PER_IMAGE = 1.05;
  /** The vCPUs of that measurement; evaluation is bootstrap-bound and parallel over neurons. */
  public static final int MEASURED_VCPUS = 2;
  /** Evaluation time of one bulk request: the client fills half of the container's 120 s request timeout. */
  public static final int BULK_REQUEST_SECONDS = 60;
  /** Time from a scaling decision to a new instance in service (an estimate until measured on AWS). */
  public static final int INSTANCE_START_SECONDS = 300;
  /** The largest instance of the HomomorphicEncryption.org ML-inference benchmark: 10,000 images... */
  public static final int JOB_IMAGES = 10_000;
  /** ...scored within an hour of instance time once scaled out. */
  public static final int JOB_SECONDS = 3600;

  private static final Pattern SIZE = Pattern.compile("ml\\.[a-z0-9]+\\.(\\d*)(x?)large");

  /** The policy for {@code instanceType} with {@code slots} concurrent invocations per instance. */
  public static ScalingPolicy derive(String instanceType, int slots) {
    int queued = ceilDiv(INSTANCE_START_SECONDS, BULK_REQUEST_SECONDS);
    int max = (int) Math.ceil(JOB_IMAGES * secondsPerImage(instanceType) / JOB_SECONDS);
    return new ScalingPolicy(slots + queued, Math.max(1, max), Duration.seconds(INSTANCE_START_SECONDS),
        Duration.seconds(2 * INSTANCE_START_SECONDS), 1, Duration.seconds(INSTANCE_START_SECONDS));
  }

  /** The measured time per image scaled to the instance's vCPUs (an estimate: perfect scaling over vCPUs). */
  public static double secondsPerImage(String instanceType) {
    return MEASURED_SECONDS_PER_IMAGE * MEASURED_VCPUS / vcpus(instanceType);
  }

  /** vCPUs of a SageMaker instance size: large 2, xlarge 4, Nxlarge 4N (the c5/c6i/c7i/m5/m6i families). */
  public static int vcpus(String instanceType) {
    Matcher m = SIZE.matcher(instanceType);
    if (!m.matches() || (m.group(2).isEmpty() && !m.group(1).isEmpty())) {
      throw new IllegalArgumentException("cannot tell the vCPUs of instance type " + instanceType
          + ": expected ml.<family>.large, xlarge or <n>xlarge");
    }
    if (m.group(2).isEmpty()) {
      return 2;
    }
    return 4 * (m.group(1).isEmpty() ? 1 : Integer.parseInt(m.group(1)));
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }
}
