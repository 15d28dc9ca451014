package dev.fheml.infra.storage;

import dev.fheml.infra.common.Iam;
import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.LogGroupNames;
import dev.fheml.infra.common.NagReview;
import dev.fheml.protocol.ExchangeLayout;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecr.LifecycleRule;
import software.amazon.awscdk.services.ecr.Repository;
import software.amazon.awscdk.services.ecr.RepositoryEncryption;
import software.amazon.awscdk.services.ecr.TagMutability;
import software.amazon.awscdk.services.ecr.TagStatus;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.constructs.Construct;

/**
 * Storage, KMS and what the workloads share: the customer-managed key, the artifact, data and
 * exchange buckets (plus the access-log bucket), the two ECR repositories, the isolated VPC with its
 * S3 gateway endpoint, and the alarm topic. Everything else refers to these through {@link
 * StorageResources}.
 */
public final class StorageStack extends Stack {
  private final StorageResources resources;

  public StorageStack(Construct scope, String id, StackProps props, InfraConfig config) {
    super(scope, id, props);

    Key key = Key.Builder.create(this, "Key")
        .description("fhe-ml: buckets, ECR images, SageMaker volumes and async outputs, SNS topics, SQS queues, logs")
        .alias("alias/" + config.namePrefix())
        .enableKeyRotation(true)
        .pendingWindow(Duration.days(30))
        .removalPolicy(config.removalPolicy())
        .build();
    allowLogsAndAlarms(key, config);
    allowEncryptedStateMachineLogs(key);
    if (config.clientNotifications()) {
      allowNotificationDelivery(key, config);
    }

    SecureBucket accessLogs = SecureBucket.accessLogs(this, "AccessLogs", config);
    NagReview.acknowledgeRules(accessLogs.bucket(),
        "S3 server access log delivery supports only SSE-S3 on the target bucket; SSE-KMS would drop"
            + " the logs. The logs hold request metadata, never object contents.",
        "HIPAA.Security-S3DefaultEncryptionKMS", "NIST.800.53.R5-S3DefaultEncryptionKMS");

    SecureBucket artifacts = SecureBucket.kms(this, "Artifacts", config, key, accessLogs.bucket(), List.of());
    SecureBucket data = SecureBucket.kms(this, "Data", config, key, accessLogs.bucket(), List.of());
    SecureBucket exchange = SecureBucket.kms(this, "Exchange", config, key, accessLogs.bucket(), List.of(
        expire("expire-queries", ExchangeLayout.QUERIES, config.exchangeRetentionDays()),
        expire("expire-results", ExchangeLayout.RESULTS, config.exchangeRetentionDays()),
        expire("expire-failures", ExchangeLayout.FAILURES, config.exchangeRetentionDays()),
        expire("expire-keys", ExchangeLayout.KEYS, config.keyRetentionDays())));
    for (SecureBucket bucket : List.of(accessLogs, artifacts, data, exchange)) {
      NagReview.acknowledgeRules(bucket.bucket(),
          "Single-region deployment: buckets are versioned and retained, artifacts and training data"
              + " can be re-created from source, and exchange objects live for days; cross-region"
              + " replication would copy ciphertexts and keys to a second region without a recovery need.",
          "HIPAA.Security-S3BucketReplicationEnabled", "NIST.800.53.R5-S3BucketReplicationEnabled");
    }

    Repository trainingRepo = repository("TrainingRepository", config.trainingRepositoryName(), key, config);
    Repository inferenceRepo = repository("InferenceRepository", config.inferenceRepositoryName(), key, config);

    IsolatedNetwork network = new IsolatedNetwork(this, "Network", accessLogs.bucket(),
        List.of(artifacts.bucket(), exchange.bucket()));
    NagReview.acknowledgeRules(network.vpc(),
        "The VPC's default security group is attached to nothing: the model, the publish function and the"
            + " interface endpoints each have their own group. Closing it needs CDK's custom-resource Lambda.",
        "HIPAA.Security-VPCDefaultSecurityGroupClosed", "NIST.800.53.R5-VPCDefaultSecurityGroupClosed");
    for (SecureBucket bucket : List.of(artifacts, exchange)) {
      denyOutsideTheVpc(bucket, network, config);
    }

    Topic alarmTopic = alarmTopic(key, config);

    this.resources = new StorageResources(key, artifacts.bucket(), data.bucket(), exchange.bucket(),
        trainingRepo, inferenceRepo, network.vpc(), alarmTopic);

    output("KeyArn", key.getKeyArn());
    output("ArtifactBucketName", artifacts.bucket().getBucketName());
    output("DataBucketName", data.bucket().getBucketName());
    output("ExchangeBucketName", exchange.bucket().getBucketName());
    output("AccessLogBucketName", accessLogs.bucket().getBucketName());
    output("TrainingRepositoryUri", trainingRepo.getRepositoryUri());
    output("InferenceRepositoryUri", inferenceRepo.getRepositoryUri());
    output("VpcId", network.vpc().getVpcId());
    output("S3EndpointId", network.s3Endpoint().getVpcEndpointId());
    output("AlarmTopicArn", alarmTopic.getTopicArn());
  }

  public StorageResources resources() {
    return resources;
  }

  private static software.amazon.awscdk.services.s3.LifecycleRule expire(String id, String prefix, int days) {
    return software.amazon.awscdk.services.s3.LifecycleRule.builder()
        .id(id)
        .prefix(prefix)
        .expiration(Duration.days(days))
        .build();
  }

  private Repository repository(String id, String name, Key key, InfraConfig config) {
    return Repository.Builder.create(this, id)
        .repositoryName(name)
        .imageScanOnPush(true)
        .imageTagMutability(TagMutability.IMMUTABLE)
        .encryption(RepositoryEncryption.KMS)
        .encryptionKey(key)
        .lifecycleRules(List.of(LifecycleRule.builder()
            .description("expire untagged images after " + config.ecrUntaggedImageDays() + " days; tagged"
                + " images (which deploys pin by digest) are never expired")
            .tagStatus(TagStatus.UNTAGGED)
            .maxImageAge(Duration.days(config.ecrUntaggedImageDays()))
            .build()))
        .removalPolicy(config.removalPolicy())
        .emptyOnDelete(config.destroyOnRemoval())
        .build();
  }

  /**
   * The endpoint execution role and the publish function role, which run inside the VPC, may use
   * {@code bucket} only through the project's S3 gateway endpoint (aws:SourceVpce): their credentials
   * are useless to a copy of the container or function running anywhere else. Requests that an AWS
   * service makes on their behalf (aws:ViaAWSService) are not affected.
   */
  private static void denyOutsideTheVpc(SecureBucket bucket, IsolatedNetwork network, InfraConfig config) {
    bucket.bucket().addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("ExecutionRolesOnlyThroughTheProjectVpcEndpoint")
        .effect(Effect.DENY)
        .principals(List.of(new AnyPrincipal()))
        .actions(List.of("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload",
            "s3:ListBucket"))
        .resources(List.of(bucket.bucket().getBucketArn(), bucket.bucket().arnForObjects("*")))
        .conditions(Map.of(
            "ArnEquals", Map.of("aws:PrincipalArn", List.of(
                Iam.roleArn(config.endpointExecutionRoleName()), Iam.roleArn(config.publishFunctionRoleName()))),
            "StringNotEquals", Map.of("aws:SourceVpce", network.s3Endpoint().getVpcEndpointId()),
            "BoolIfExists", Map.of("aws:ViaAWSService", "false")))
        .build());
  }

  /**
   * The topic every alarm publishes to: KMS-encrypted, TLS only, and (its policy replaces SNS's
   * default one) published to only by CloudWatch alarms named {@code <prefix>-*} and the
   * training-failure EventBridge rule of this account.
   */
  private Topic alarmTopic(Key key, InfraConfig config) {
    Topic topic = Topic.Builder.create(this, "AlarmTopic")
        .displayName("fhe-ml alarms")
        .masterKey(key)
        .enforceSsl(true)
        .build();
    topic.addToResourcePolicy(serviceStatement("CloudWatchAlarmsOfThisProject", "cloudwatch.amazonaws.com",
        List.of("sns:Publish"), List.of(topic.getTopicArn()), Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
            "ArnLike", Map.of("aws:SourceArn", alarmArns(config)))));
    topic.addToResourcePolicy(serviceStatement("TrainingFailureRule", "events.amazonaws.com",
        List.of("sns:Publish"), List.of(topic.getTopicArn()), Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
            "ArnEquals", Map.of("aws:SourceArn", trainingFailureRuleArn(config)))));
    if (!config.alarmEmail().isEmpty()) {
      topic.addSubscription(new EmailSubscription(config.alarmEmail()));
    }
    return topic;
  }

  /** Every alarm of the project: alarms are named {@code <prefix>-<what>} ({@link InfraConfig#alarmName}). */
  private static String alarmArns(InfraConfig config) {
    return Iam.arn("cloudwatch", "alarm:" + config.alarmName("*"));
  }

  private static String trainingFailureRuleArn(InfraConfig config) {
    return Iam.arn("events", "rule/" + config.trainingFailureRuleName());
  }

  /**
   * CloudWatch Logs encrypts this project's log groups with the key, and CloudWatch alarms and the
   * training-failure rule publish to the KMS-encrypted alarm topic: all are services acting on their
   * own behalf, so they need the key policy, scoped to this account and to the project's log group,
   * alarm and rule names.
   */
  private static void allowLogsAndAlarms(Key key, InfraConfig config) {
    String logGroupArn = "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":log-group:";
    key.addToResourcePolicy(serviceStatement("CloudWatchLogsProjectLogGroups", Iam.serviceEndpoint("logs"),
        List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
            "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"), List.of("*"),
        Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn", List.of(
            logGroupArn + LogGroupNames.endpoint(config),
            logGroupArn + LogGroupNames.TRAINING_JOBS,
            logGroupArn + LogGroupNames.stateMachine(config),
            logGroupArn + LogGroupNames.publishFunction(config))))));
    key.addToResourcePolicy(serviceStatement("CloudWatchAlarmsToEncryptedTopic", "cloudwatch.amazonaws.com",
        List.of("kms:Decrypt", "kms:GenerateDataKey"), List.of("*"), Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
            "ArnLike", Map.of("aws:SourceArn", alarmArns(config)))));
    key.addToResourcePolicy(serviceStatement("TrainingFailureRuleToEncryptedTopic", "events.amazonaws.com",
        List.of("kms:Decrypt", "kms:GenerateDataKey"), List.of("*"), Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
            "ArnEquals", Map.of("aws:SourceArn", trainingFailureRuleArn(config)))));
  }

  /**
   * The training state machine is encrypted with the key and logs to a log group: CloudWatch Logs'
   * vended-log delivery decrypts the execution data it delivers (this account only).
   */
  private static void allowEncryptedStateMachineLogs(Key key) {
    key.addToResourcePolicy(serviceStatement("LogDeliveryOfTheEncryptedStateMachine",
        "delivery.logs.amazonaws.com", List.of("kms:Decrypt"), List.of("*"),
        Map.of("StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID))));
  }

  /**
   * SNS delivers the endpoint's success and error notifications to the client notification queue (and
   * what it cannot deliver to that queue's dead-letter queue), both encrypted with this key: SQS then
   * uses the key on behalf of {@code sns.amazonaws.com} (GenerateDataKey for a new data key, Decrypt to
   * reuse a cached one). Scoped to this account (aws:SourceAccount) and to those two queues (the
   * encryption context SQS sets is the queue ARN, known here from their fixed names). The topic ARNs
   * are not named: they are generated in the endpoint stack, and naming them here would make this
   * stack import from the one that imports this key (a cycle); the queue policies already admit only
   * those two topics (aws:SourceArn).
   */
  private static void allowNotificationDelivery(Key key, InfraConfig config) {
    key.addToResourcePolicy(serviceStatement("SnsToClientNotificationQueue", "sns.amazonaws.com",
        List.of("kms:GenerateDataKey", "kms:Decrypt"), List.of("*"), Map.of("StringEquals", Map.of(
            "aws:SourceAccount", Aws.ACCOUNT_ID,
            "kms:EncryptionContext:aws:sqs:arn", List.of(Iam.arn("sqs", config.notificationQueueName()),
                Iam.arn("sqs", config.notificationDeadLetterQueueName()))))));
  }

  /** An Allow statement for an AWS service principal, always with conditions (the confused-deputy guard). */
  private static PolicyStatement serviceStatement(String sid, String service, List<String> actions,
      List<String> resources, Map<String, ?> conditions) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .principals(List.of(new ServicePrincipal(service)))
        .actions(actions)
        .resources(resources)
        .conditions(conditions)
        .build();
  }

  private void output(String id, String value) {
    CfnOutput.Builder.create(this, id).value(value).build();
  }
}
