package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.app.FheMlStacks;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Encryption, TLS, public access, versioning, logs and lifecycle on every bucket; the key; ECR. */
class StorageStackTest {
  private final Stack stack = TestApps.defaults().storage();
  private final Template template = TestApps.template(stack);

  @Test
  void threeKmsBucketsAndOneAccessLogBucket() {
    template.resourceCountIs("AWS::S3::Bucket", 4);
    Map<String, Map<String, Object>> buckets = TestApps.resources(stack, "AWS::S3::Bucket");
    int kms = 0;
    for (Map.Entry<String, Map<String, Object>> e : buckets.entrySet()) {
      Map<String, Object> props = TestApps.properties(e.getValue());
      String json = props.toString();
      assertTrue(json.contains("BlockPublicAcls=true") && json.contains("RestrictPublicBuckets=true")
          && json.contains("IgnorePublicAcls=true") && json.contains("BlockPublicPolicy=true"), e.getKey());
      assertEquals(Map.of("Status", "Enabled"), props.get("VersioningConfiguration"), e.getKey());
      assertTrue(json.contains("NoncurrentVersionExpiration={NoncurrentDays=7}"), e.getKey() + " old versions expire");
      if (json.contains("SSEAlgorithm=aws:kms")) {
        kms++;
        assertTrue(json.contains("BucketKeyEnabled=true"), e.getKey() + " bucket key");
        assertTrue(json.contains("KMSMasterKeyID"), e.getKey() + " customer-managed key");
        assertTrue(props.containsKey("LoggingConfiguration"), e.getKey() + " server access logs");
      } else {
        assertTrue(e.getKey().startsWith("AccessLogs"), e.getKey() + " is not KMS-encrypted");
        assertTrue(json.contains("SSEAlgorithm=AES256"), "access logs use SSE-S3");
      }
    }
    assertEquals(3, kms);
  }

  @Test
  void everyBucketPolicyDeniesPlainHttpAndOldTls() {
    Map<String, Map<String, Object>> policies = TestApps.resources(stack, "AWS::S3::BucketPolicy");
    assertEquals(4, policies.size());
    for (Map.Entry<String, Map<String, Object>> e : policies.entrySet()) {
      String json = TestApps.properties(e.getValue()).toString();
      assertTrue(json.contains("aws:SecureTransport=false"), e.getKey() + " TLS only");
      assertTrue(json.contains("NumericLessThan={s3:TlsVersion=1.2}"), e.getKey() + " TLS >= 1.2");
    }
  }

  @Test
  void kmsBucketsDenyUploadsWithAnyOtherEncryption() {
    for (String bucket : List.of("Artifacts", "Data", "Exchange")) {
      template.hasResourceProperties("AWS::S3::BucketPolicy", Match.objectLike(Map.of(
          "Bucket", Map.of("Ref", Match.stringLikeRegexp("^" + bucket + "Bucket.*")),
          "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(
              Match.objectLike(Map.of("Sid", "DenyNonKmsEncryption", "Effect", "Deny", "Action", "s3:PutObject",
                  "Condition", Map.of(
                      "StringNotEquals", Map.of("s3:x-amz-server-side-encryption", "aws:kms"),
                      "Null", Map.of("s3:x-amz-server-side-encryption", "false")))),
              Match.objectLike(Map.of("Sid", "DenyOtherKmsKey", "Effect", "Deny")),
              Match.objectLike(Map.of("Sid", "DenyCustomerProvidedKeys", "Effect", "Deny")))))))));
    }
  }

  @Test
  void exchangeObjectsExpireByPrefix() {
    template.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
        "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(
            Match.objectLike(Map.of("Prefix", "queries/", "ExpirationInDays", 3, "Status", "Enabled")),
            Match.objectLike(Map.of("Prefix", "results/", "ExpirationInDays", 3)),
            Match.objectLike(Map.of("Prefix", "failures/", "ExpirationInDays", 3)),
            Match.objectLike(Map.of("Prefix", "keys/", "ExpirationInDays", 30))))))));
  }

  @Test
  void customerManagedKeyRotates() {
    template.resourceCountIs("AWS::KMS::Key", 1);
    template.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
    template.hasResource("AWS::KMS::Key", Match.objectLike(Map.of("DeletionPolicy", "Retain")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void snsMayUseTheKeyOnlyForTheClientNotificationQueueOfThisAccount() {
    Map<String, Object> policy = (Map<String, Object>) TestApps.properties(
        TestApps.resource(stack, "AWS::KMS::Key", "Key")).get("KeyPolicy");
    List<Map<String, Object>> sns = ((List<Map<String, Object>>) policy.get("Statement")).stream()
        .filter(s -> String.valueOf(s.get("Principal")).contains("sns.amazonaws.com")).toList();
    assertEquals(1, sns.size(), "one SNS statement, none added unconditioned by SqsSubscription: " + sns);
    Map<String, Object> statement = sns.get(0);
    assertEquals("SnsToClientNotificationQueue", statement.get("Sid"));
    assertEquals(List.of("kms:GenerateDataKey", "kms:Decrypt"), CfnText.texts(statement.get("Action")));
    Map<String, Object> equals = ((Map<String, Map<String, Object>>) statement.get("Condition")).get("StringEquals");
    assertEquals(Set.of("aws:SourceAccount", "kms:EncryptionContext:aws:sqs:arn"), equals.keySet());
    assertEquals("<AWS::AccountId>", CfnText.text(equals.get("aws:SourceAccount")));
    assertEquals("arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:fhe-ml-client-notifications",
        CfnText.text(equals.get("kms:EncryptionContext:aws:sqs:arn")));
  }

  @Test
  void repositoriesScanOnPushImmutableKmsAndKeepTheLastImages() {
    template.resourceCountIs("AWS::ECR::Repository", 2);
    for (String name : List.of("fhe-ml-training", "fhe-ml-inference")) {
      template.hasResourceProperties("AWS::ECR::Repository", Match.objectLike(Map.of(
          "RepositoryName", name,
          "ImageScanningConfiguration", Map.of("ScanOnPush", true),
          "ImageTagMutability", "IMMUTABLE",
          "EncryptionConfiguration", Match.objectLike(Map.of("EncryptionType", "KMS")),
          "LifecyclePolicy", Match.objectLike(Map.of(
              "LifecyclePolicyText", Match.stringLikeRegexp(".*\"countNumber\":10.*"))))));
    }
  }

  @Test
  void destroyModeDeletesAndRetainModeKeeps() {
    template.hasResource("AWS::S3::Bucket", Match.objectLike(Map.of("DeletionPolicy", "Retain")));
    FheMlStacks destroy = TestApps.build(Map.of("removalPolicy", "destroy", "exchangeRetentionDays", "2"));
    Template t = Template.fromStack(destroy.storage());
    Map<String, Map<String, Object>> buckets = t.findResources("AWS::S3::Bucket");
    buckets.values().forEach(b -> assertEquals("Delete", b.get("DeletionPolicy")));
    t.hasResourceProperties("AWS::S3::Bucket", Match.objectLike(Map.of(
        "LifecycleConfiguration", Map.of("Rules", Match.arrayWith(List.of(
            Match.objectLike(Map.of("Prefix", "queries/", "ExpirationInDays", 2))))))));
    t.hasResourceProperties("AWS::ECR::Repository", Match.objectLike(Map.of("EmptyOnDelete", true)));
    NagTest.assertNoUnacknowledgedFindings(destroy);
  }
}
