package dev.fheml.infra.storage;

import dev.fheml.infra.common.InfraConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.constructs.Construct;

/**
 * A bucket with this project's baseline: SSE-KMS with a bucket key by default, uploads that ask for
 * any other encryption denied, block public access, versioning (old versions expire), TLS only and TLS
 * 1.2 or newer, server access logs, and incomplete multipart uploads cleaned up.
 *
 * <p>The access-log bucket itself is made by {@link #accessLogs}: S3 log delivery cannot write to a
 * bucket whose default encryption is SSE-KMS, so it uses SSE-S3 and logs nowhere.
 */
public final class SecureBucket extends Construct {
  private final Bucket bucket;

  private SecureBucket(Construct scope, String id, InfraConfig config, IKey key, IBucket accessLogs,
      List<LifecycleRule> extraRules) {
    super(scope, id);
    List<LifecycleRule> rules = new ArrayList<>(extraRules);
    rules.add(LifecycleRule.builder()
        .id("old-versions-and-uploads")
        .noncurrentVersionExpiration(Duration.days(config.noncurrentVersionDays()))
        .abortIncompleteMultipartUploadAfter(Duration.days(1))
        .expiredObjectDeleteMarker(true)
        .build());
    Bucket.Builder builder = Bucket.Builder.create(this, "Bucket")
        .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
        .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
        .versioned(true)
        .enforceSsl(true)
        .minimumTlsVersion(1.2)
        .lifecycleRules(rules)
        .removalPolicy(config.removalPolicy())
        .autoDeleteObjects(config.destroyOnRemoval());
    if (key == null) {
      builder.encryption(BucketEncryption.S3_MANAGED);
    } else {
      builder.encryption(BucketEncryption.KMS)
          .encryptionKey(key)
          .bucketKeyEnabled(true)
          .serverAccessLogsBucket(Objects.requireNonNull(accessLogs, "accessLogs"))
          .serverAccessLogsPrefix(id + "/");
    }
    this.bucket = builder.build();
    if (key != null) {
      denyOtherEncryption(key);
    }
  }

  /** A KMS-encrypted bucket that logs to {@code accessLogs}, with {@code rules} before the baseline's. */
  public static SecureBucket kms(Construct scope, String id, InfraConfig config, IKey key, IBucket accessLogs,
      List<LifecycleRule> rules) {
    return new SecureBucket(scope, id, config, Objects.requireNonNull(key, "key"), accessLogs, rules);
  }

  /** The server access log bucket: SSE-S3 (what S3 log delivery accepts), logs expire. */
  public static SecureBucket accessLogs(Construct scope, String id, InfraConfig config) {
    LifecycleRule expiry = LifecycleRule.builder()
        .id("expire-access-logs")
        .expiration(Duration.days(config.accessLogRetentionDays()))
        .build();
    return new SecureBucket(scope, id, config, null, null, List.of(expiry));
  }

  public Bucket bucket() {
    return bucket;
  }

  /**
   * Uploads that name an encryption other than this bucket's KMS key are denied; uploads that name
   * none get the default (SSE-KMS with this key). SSE-C is denied outright.
   */
  private void denyOtherEncryption(IKey key) {
    String objects = bucket.arnForObjects("*");
    bucket.addToResourcePolicy(deny("DenyNonKmsEncryption", objects, Map.of(
        "StringNotEquals", Map.of("s3:x-amz-server-side-encryption", "aws:kms"),
        "Null", Map.of("s3:x-amz-server-side-encryption", "false"))));
    bucket.addToResourcePolicy(deny("DenyOtherKmsKey", objects, Map.of(
        "StringNotEquals", Map.of("s3:x-amz-server-side-encryption-aws-kms-key-id", key.getKeyArn()),
        "Null", Map.of("s3:x-amz-server-side-encryption-aws-kms-key-id", "false"))));
    bucket.addToResourcePolicy(deny("DenyCustomerProvidedKeys", objects, Map.of(
        "Null", Map.of("s3:x-amz-server-side-encryption-customer-algorithm", "false"))));
  }

  private static PolicyStatement deny(String sid, String resource, Map<String, ?> conditions) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .effect(Effect.DENY)
        .principals(List.of(new AnyPrincipal()))
        .actions(List.of("s3:PutObject"))
        .resources(List.of(resource))
        .conditions(conditions)
        .build();
  }
}
