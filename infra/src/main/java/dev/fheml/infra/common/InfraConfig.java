package dev.fheml.infra.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awscdk.RemovalPolicy;
import software.constructs.Node;

/**
 * Names and sizes of the deployment, read from CDK context ({@code cdk.json}, {@code -c key=value}).
 *
 * <p>Every key has a documented default (see {@link Key} and docs/infrastructure.md), so {@code cdk
 * synth} works with no context at all. Values are validated here, once: a bad value fails synth with
 * a message that names the key, instead of failing later in CloudFormation.
 */
public record InfraConfig(
    String namePrefix,
    RemovalPolicy removalPolicy,
    String trainingInstanceType,
    int trainingVolumeSizeGb,
    int trainingMaxRuntimeSeconds,
    String trainingImageDigest,
    String trainingDataPrefix,
    String importModelPrefix,
    String inferenceInstanceType,
    String inferenceImageDigest,
    String modelDataUrl,
    int minInstances,
    int maxInstances,
    int maxConcurrentInvocationsPerInstance,
    int backlogPerInstanceTarget,
    int oldestRequestAlarmSeconds,
    int exchangeRetentionDays,
    int keyRetentionDays,
    int noncurrentVersionDays,
    int accessLogRetentionDays,
    int logRetentionDays,
    int ecrUntaggedImageDays,
    String alarmEmail,
    boolean clientNotifications,
    int notificationRetentionMinutes,
    String cdkQualifier) {

  /** The context keys, their defaults and what they mean. */
  public enum Key {
    NAME_PREFIX("namePrefix", "fhe-ml", "prefix of every physical name (ECR repositories, endpoint, state machine)"),
    REMOVAL_POLICY("removalPolicy", "retain", "retain | destroy: what `cdk destroy` does to buckets, key, repositories, log groups"),
    TRAINING_INSTANCE_TYPE("trainingInstanceType", "ml.c6i.2xlarge", "training job instance type (no instance storage: KMS volume encryption)"),
    TRAINING_VOLUME_SIZE_GB("trainingVolumeSizeGb", "30", "training job EBS volume size"),
    TRAINING_MAX_RUNTIME_SECONDS("trainingMaxRuntimeSeconds", "21600", "training job stopping condition"),
    TRAINING_IMAGE_DIGEST("trainingImageDigest", "", "sha256:... digest of the training image; without it the training stack asks for one as the CloudFormation parameter TrainingImageDigest"),
    TRAINING_DATA_PREFIX("trainingDataPrefix", "train/", "prefix in the data bucket given to the job as channel `train`"),
    IMPORT_MODEL_PREFIX("importModelPrefix", "import/", "prefix in the data bucket holding the one .onnx file an import execution gives the job as channel `model`"),
    INFERENCE_INSTANCE_TYPE("inferenceInstanceType", "ml.c6i.xlarge", "endpoint instance type (no instance storage: KMS volume encryption)"),
    INFERENCE_IMAGE_DIGEST("inferenceImageDigest", "", "sha256:... digest of the inference image; without it the endpoint stack asks for one as the CloudFormation parameter InferenceImageDigest"),
    MODEL_DATA_URL("modelDataUrl", "", "s3://<artifact bucket>/models/<job>/output/model.tar.gz from the training run; empty = placeholder in the artifact bucket"),
    MIN_INSTANCES("minInstances", "0", "autoscaling minimum (0 = scale to zero when idle)"),
    MAX_INSTANCES("maxInstances", "2", "autoscaling maximum (derived: 10,000 MNIST images within an hour on ml.c6i.xlarge)"),
    MAX_CONCURRENT_INVOCATIONS("maxConcurrentInvocationsPerInstance", "2", "async requests handed to one instance at a time"),
    BACKLOG_PER_INSTANCE_TARGET("backlogPerInstanceTarget", "7", "target tracking value of ApproximateBacklogSizePerInstance (derived: 2 slots + 5 one-minute bulk requests queued, the work that outlasts an instance start)"),
    OLDEST_REQUEST_ALARM_SECONDS("oldestRequestAlarmSeconds", "900", "alarm when the oldest queued request is older than this"),
    EXCHANGE_RETENTION_DAYS("exchangeRetentionDays", "3", "days before queries/, results/, failures/ objects expire"),
    KEY_RETENTION_DAYS("keyRetentionDays", "30", "days before evaluation keys under keys/ expire"),
    NONCURRENT_VERSION_DAYS("noncurrentVersionDays", "7", "days before overwritten or deleted object versions expire"),
    ACCESS_LOG_RETENTION_DAYS("accessLogRetentionDays", "365", "days before S3 server access logs expire"),
    LOG_RETENTION_DAYS("logRetentionDays", "365", "CloudWatch Logs retention (a value CloudWatch accepts, e.g. 30, 90, 365)"),
    ECR_UNTAGGED_IMAGE_DAYS("ecrUntaggedImageDays", "7", "days before an untagged image expires; tagged images never expire (a deploy may pin them)"),
    ALARM_EMAIL("alarmEmail", "", "optional e-mail subscribed to the alarm topic"),
    CLIENT_NOTIFICATIONS("clientNotifications", "true", "true | false: an SQS queue subscribed to the success and error topics, read by the client role"),
    NOTIFICATION_RETENTION_MINUTES("notificationRetentionMinutes", "60", "minutes an unreceived notification stays in that queue (notifications are hints, S3 holds the results)"),
    CDK_QUALIFIER("cdkQualifier", "fheml", "CDK bootstrap qualifier of this project (scripts/bootstrap.sh), used by the stacks' synthesizer and to scope the deployer's sts:AssumeRole");

    private final String contextKey;
    private final String defaultValue;
    private final String description;

    Key(String contextKey, String defaultValue, String description) {
      this.contextKey = contextKey;
      this.defaultValue = defaultValue;
      this.description = description;
    }

    public String contextKey() {
      return contextKey;
    }

    public String defaultValue() {
      return defaultValue;
    }

    public String description() {
      return description;
    }
  }

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{1,19}");
  private static final Pattern INSTANCE_TYPE = Pattern.compile("ml\\.[a-z0-9]+\\.[a-z0-9]+");
  private static final Pattern DIGEST = Pattern.compile("(sha256:[0-9a-f]{64})?");
  private static final Pattern S3_URL = Pattern.compile("(s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/.+)?");
  private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9!_.()-]+/)+");
  private static final Pattern EMAIL = Pattern.compile("([^@\\s]+@[^@\\s]+)?");
  private static final Pattern QUALIFIER = Pattern.compile("[a-z0-9]{1,10}");
  /**
   * 7 days: half of SQS's 14-day maximum, so that a notification moved to the dead-letter queue (which
   * keeps its original enqueue time) does not expire there at once.
   */
  public static final int MAX_NOTIFICATION_RETENTION_MINUTES = 7 * 24 * 60;

  public InfraConfig {
    Objects.requireNonNull(removalPolicy, "removalPolicy");
    if (minInstances > maxInstances) {
      throw new IllegalArgumentException(
          "context minInstances (" + minInstances + ") must not exceed maxInstances (" + maxInstances + ")");
    }
    if (keyRetentionDays < exchangeRetentionDays) {
      throw new IllegalArgumentException("context keyRetentionDays (" + keyRetentionDays
          + ") must be at least exchangeRetentionDays (" + exchangeRetentionDays + ")");
    }
    if (trainingDataPrefix.startsWith(importModelPrefix) || importModelPrefix.startsWith(trainingDataPrefix)) {
      // A channel is every object under its prefix: nested prefixes would hand one channel's files to the other.
      throw new IllegalArgumentException("context trainingDataPrefix ('" + trainingDataPrefix
          + "') and importModelPrefix ('" + importModelPrefix + "') must not contain one another");
    }
    if (!Logs.RETENTION.containsKey(logRetentionDays)) {
      throw new IllegalArgumentException("context logRetentionDays must be one of " + Logs.RETENTION.keySet()
          + ", got " + logRetentionDays);
    }
  }

  /**
   * Context keys that are no longer read, and what to give instead: a deploy pins images by digest,
   * never by a tag such as {@code latest} (a tag can be moved, a digest cannot).
   */
  public static final Map<String, String> REFUSED_KEYS = Map.of(
      "trainingImageTag", "images are deployed by digest only (a tag such as latest can point at another image"
          + " tomorrow): give -c trainingImageDigest=sha256:... as printed by scripts/push-images.sh",
      "inferenceImageTag", "images are deployed by digest only (a tag such as latest can point at another image"
          + " tomorrow): give -c inferenceImageDigest=sha256:... as printed by scripts/push-images.sh",
      "ecrMaxImages", "ECR no longer expires images by count (that could delete an image a deployed endpoint"
          + " pins); untagged images expire after ecrUntaggedImageDays");

  /**
   * Tag key on every resource of the app (value: the name prefix). The CloudFormation execution policy
   * (policies/bootstrap/) lets CloudFormation manage KMS keys and SageMaker resources only with this tag.
   */
  public static final String PROJECT_TAG = "fheml-project";

  /** The defaults, as if no context were given. */
  public static InfraConfig defaults() {
    return fromValues(Map.of());
  }

  /** Reads every {@link Key} from the node's context, falling back to its default. */
  public static InfraConfig fromContext(Node node) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Key key : Key.values()) {
      Object value = node.tryGetContext(key.contextKey());
      if (value != null) {
        values.put(key.contextKey(), value);
      }
    }
    for (String refused : REFUSED_KEYS.keySet()) {
      Object value = node.tryGetContext(refused);
      if (value != null) {
        values.put(refused, value);
      }
    }
    return fromValues(values);
  }

  /** Builds a config from raw values keyed by context key; missing keys take their default. */
  public static InfraConfig fromValues(Map<String, ?> values) {
    for (Map.Entry<String, String> refused : REFUSED_KEYS.entrySet()) {
      if (values.containsKey(refused.getKey())) {
        throw new IllegalArgumentException("context " + refused.getKey() + "='" + values.get(refused.getKey())
            + "' is refused: " + refused.getValue());
      }
    }
    Function<Key, String> raw = key -> {
      Object value = values.get(key.contextKey());
      return value == null ? key.defaultValue() : String.valueOf(value).trim();
    };
    Reader r = new Reader(raw);
    return new InfraConfig(
        r.matching(Key.NAME_PREFIX, NAME),
        r.removalPolicy(),
        r.matching(Key.TRAINING_INSTANCE_TYPE, INSTANCE_TYPE),
        r.integer(Key.TRAINING_VOLUME_SIZE_GB, 1, 16384),
        r.integer(Key.TRAINING_MAX_RUNTIME_SECONDS, 60, 2419200),
        r.matching(Key.TRAINING_IMAGE_DIGEST, DIGEST),
        r.matching(Key.TRAINING_DATA_PREFIX, PREFIX),
        r.matching(Key.IMPORT_MODEL_PREFIX, PREFIX),
        r.matching(Key.INFERENCE_INSTANCE_TYPE, INSTANCE_TYPE),
        r.matching(Key.INFERENCE_IMAGE_DIGEST, DIGEST),
        r.matching(Key.MODEL_DATA_URL, S3_URL),
        r.integer(Key.MIN_INSTANCES, 0, 100),
        r.integer(Key.MAX_INSTANCES, 1, 100),
        r.integer(Key.MAX_CONCURRENT_INVOCATIONS, 1, 1000),
        r.integer(Key.BACKLOG_PER_INSTANCE_TARGET, 1, 10000),
        r.integer(Key.OLDEST_REQUEST_ALARM_SECONDS, 60, 86400),
        r.integer(Key.EXCHANGE_RETENTION_DAYS, 1, 365),
        r.integer(Key.KEY_RETENTION_DAYS, 1, 3650),
        r.integer(Key.NONCURRENT_VERSION_DAYS, 1, 365),
        r.integer(Key.ACCESS_LOG_RETENTION_DAYS, 1, 3650),
        r.integer(Key.LOG_RETENTION_DAYS, 1, 3653),
        r.integer(Key.ECR_UNTAGGED_IMAGE_DAYS, 1, 365),
        r.matching(Key.ALARM_EMAIL, EMAIL),
        r.bool(Key.CLIENT_NOTIFICATIONS),
        r.integer(Key.NOTIFICATION_RETENTION_MINUTES, 1, MAX_NOTIFICATION_RETENTION_MINUTES),
        r.matching(Key.CDK_QUALIFIER, QUALIFIER));
  }

  /** Physical names derived from the prefix, in one place. */
  public String trainingRepositoryName() {
    return namePrefix + "-training";
  }

  public String inferenceRepositoryName() {
    return namePrefix + "-inference";
  }

  public String endpointName() {
    return namePrefix + "-endpoint";
  }

  /** The client notification queue: a fixed name, so the access stack can name it without importing it. */
  public String notificationQueueName() {
    return namePrefix + "-client-notifications";
  }

  public String stateMachineName() {
    return namePrefix + "-training";
  }

  public String storageStackName() {
    return namePrefix + "-storage";
  }

  public String trainingStackName() {
    return namePrefix + "-training";
  }

  public String endpointStackName() {
    return namePrefix + "-endpoint";
  }

  public String accessStackName() {
    return namePrefix + "-access";
  }

  /** The four stacks, in deployment order. */
  public List<String> stackNames() {
    return List.of(storageStackName(), trainingStackName(), endpointStackName(), accessStackName());
  }

  /**
   * The permissions boundary of every role the stacks create, a customer-managed policy made by
   * scripts/bootstrap.sh from policies/bootstrap/permissions-boundary.json before the first deploy.
   */
  public String permissionsBoundaryName() {
    return namePrefix + "-permissions-boundary";
  }

  /** Fixed role names: the buckets' aws:SourceVpce conditions name these roles without importing them. */
  public String endpointExecutionRoleName() {
    return namePrefix + "-endpoint-execution";
  }

  public String publishFunctionRoleName() {
    return namePrefix + "-publish-client";
  }

  /** The notification queue's dead-letter queue (fixed, so the key policy can name it). */
  public String notificationDeadLetterQueueName() {
    return namePrefix + "-client-notifications-dlq";
  }

  /** Alarms are named {@code <prefix>-<what>}: the alarm topic's policy admits alarms by this prefix. */
  public String alarmName(String what) {
    return namePrefix + "-" + what;
  }

  /** The EventBridge rule that sends failed or stopped training jobs to the alarm topic. */
  public String trainingFailureRuleName() {
    return namePrefix + "-training-job-failed";
  }

  /** Training job names are {@code <prefix>-train-<execution name>}: IAM scopes them by this prefix. */
  public String trainingJobPrefix() {
    return namePrefix + "-train-";
  }

  public boolean destroyOnRemoval() {
    return removalPolicy == RemovalPolicy.DESTROY;
  }

  private record Reader(Function<Key, String> raw) {
    String matching(Key key, Pattern pattern) {
      String value = raw.apply(key);
      if (!pattern.matcher(value).matches()) {
        throw new IllegalArgumentException(
            "context " + key.contextKey() + "='" + value + "' does not match " + pattern.pattern());
      }
      return value;
    }

    int integer(Key key, int min, int max) {
      String value = raw.apply(key);
      int parsed;
      try {
        parsed = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("context " + key.contextKey() + "='" + value + "' is not an integer", e);
      }
      if (parsed < min || parsed > max) {
        throw new IllegalArgumentException(
            "context " + key.contextKey() + "=" + parsed + " is outside [" + min + ", " + max + "]");
      }
      return parsed;
    }

    boolean bool(Key key) {
      String value = raw.apply(key).toLowerCase(Locale.ROOT);
      return switch (value) {
        case "true" -> true;
        case "false" -> false;
        default -> throw new IllegalArgumentException(
            "context " + key.contextKey() + "='" + value + "' must be true or false");
      };
    }

    RemovalPolicy removalPolicy() {
      String value = raw.apply(Key.REMOVAL_POLICY).toLowerCase(Locale.ROOT);
      return switch (value) {
        case "retain" -> RemovalPolicy.RETAIN;
        case "destroy" -> RemovalPolicy.DESTROY;
        default -> throw new IllegalArgumentException(
            "context removalPolicy='" + value + "' must be retain or destroy");
      };
    }
  }
}
