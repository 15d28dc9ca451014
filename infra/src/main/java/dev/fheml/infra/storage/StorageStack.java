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
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.constructs.Construct;

/**
 * Storage and KMS: the customer-managed key, the artifact, data and exchange buckets (plus the
 * access-log bucket) and the two ECR repositories. Everything else refers to these through {@link
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

    this.resources = new StorageResources(key, artifacts.bucket(), data.bucket(), exchange.bucket(),
        trainingRepo, inferenceRepo);

    output("KeyArn", key.getKeyArn());
    output("ArtifactBucketName", artifacts.bucket().getBucketName());
    output("DataBucketName", data.bucket().getBucketName());
    output("ExchangeBucketName", exchange.bucket().getBucketName());
    output("AccessLogBucketName", accessLogs.bucket().getBucketName());
    output("TrainingRepositoryUri", trainingRepo.getRepositoryUri());
    output("InferenceRepositoryUri", inferenceRepo.getRepositoryUri());
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
            .description("keep the last " + config.ecrMaxImages() + " images")
            .maxImageCount(config.ecrMaxImages())
            .build()))
        .removalPolicy(config.removalPolicy())
        .emptyOnDelete(config.destroyOnRemoval())
        .build();
  }

  /**
   * CloudWatch Logs encrypts this project's log groups with the key, and CloudWatch alarms publish to
   * the KMS-encrypted alarm topic: both are services acting on their own behalf, so they need the key
   * policy, scoped to this account and to the project's log group names.
   */
  private static void allowLogsAndAlarms(Key key, InfraConfig config) {
    String logGroupArn = "arn:" + Aws.PARTITION + ":logs:" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":log-group:";
    key.addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("CloudWatchLogsProjectLogGroups")
        .principals(List.of(new ServicePrincipal("logs." + Aws.REGION + ".amazonaws.com")))
        .actions(List.of("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
            "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"))
        .resources(List.of("*"))
        .conditions(Map.of("ArnLike", Map.of("kms:EncryptionContext:aws:logs:arn", List.of(
            logGroupArn + LogGroupNames.endpoint(config),
            logGroupArn + LogGroupNames.stateMachine(config),
            logGroupArn + LogGroupNames.publishFunction(config)))))
        .build());
    key.addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("CloudWatchAlarmsToEncryptedTopic")
        .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
        .actions(List.of("kms:Decrypt", "kms:GenerateDataKey"))
        .resources(List.of("*"))
        .conditions(Map.of("StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID)))
        .build());
  }

  /**
   * SNS delivers the endpoint's success and error notifications to the client notification queue, which
   * is encrypted with this key: SQS then uses the key on behalf of {@code sns.amazonaws.com}
   * (GenerateDataKey for a new data key, Decrypt to reuse a cached one). Scoped to this account
   * (aws:SourceAccount) and to that one queue (the encryption context SQS sets is the queue ARN, known
   * here from its fixed name). The topic ARNs are not named: they are generated in the endpoint stack,
   * and naming them here would make this stack import from the one that imports this key (a cycle);
   * the queue policy already admits only those two topics (aws:SourceArn).
   */
  private static void allowNotificationDelivery(Key key, InfraConfig config) {
    key.addToResourcePolicy(PolicyStatement.Builder.create()
        .sid("SnsToClientNotificationQueue")
        .principals(List.of(new ServicePrincipal("sns.amazonaws.com")))
        .actions(List.of("kms:GenerateDataKey", "kms:Decrypt"))
        .resources(List.of("*"))
        .conditions(Map.of("StringEquals", Map.of(
            "aws:SourceAccount", Aws.ACCOUNT_ID,
            "kms:EncryptionContext:aws:sqs:arn", Iam.arn("sqs", config.notificationQueueName()))))
        .build());
  }

  private void output(String id, String value) {
    CfnOutput.Builder.create(this, id).value(value).build();
  }
}
