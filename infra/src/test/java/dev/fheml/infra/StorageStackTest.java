package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
    assertEquals(List.of("arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:fhe-ml-client-notifications",
        "arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:fhe-ml-client-notifications-dlq"),
        CfnText.texts(equals.get("kms:EncryptionContext:aws:sqs:arn")), "the queue and its dead-letter queue");
  }

  @Test
  void repositoriesScanOnPushImmutableKmsAndExpireOnlyUntaggedImages() {
    template.resourceCountIs("AWS::ECR::Repository", 2);
    for (String name : List.of("fhe-ml-training", "fhe-ml-inference")) {
      template.hasResourceProperties("AWS::ECR::Repository", Match.objectLike(Map.of(
          "RepositoryName", name,
          "ImageScanningConfiguration", Map.of("ScanOnPush", true),
          "ImageTagMutability", "IMMUTABLE",
          "EncryptionConfiguration", Match.objectLike(Map.of("EncryptionType", "KMS")),
          "LifecyclePolicy", Match.objectLike(Map.of(
              "LifecyclePolicyText", Match.stringLikeRegexp(".*\"countNumber\":7.*"))))));
    }
    // A deployed endpoint or the training state machine pins a tagged image by digest: no rule may
    // select tagged images (by count or age), only untagged ones.
    for (Map<String, Object> repository : TestApps.resources(stack, "AWS::ECR::Repository").values()) {
      @SuppressWarnings("unchecked")
      String text = String.valueOf(((Map<String, Object>) TestApps.properties(repository).get("LifecyclePolicy"))
          .get("LifecyclePolicyText"));
      JsonNode rules = TestApps.json(text).get("rules");
      assertEquals(1, rules.size(), text);
      assertEquals("untagged", rules.get(0).get("selection").get("tagStatus").asText(), text);
      assertEquals("sinceImagePushed", rules.get(0).get("selection").get("countType").asText(), text);
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

  // Issue 12, item 2: network isolation.

  @Test
  void vpcHasOnlyIsolatedSubnetsNoInternetGatewayNoNatAndFlowLogs() {
    template.resourceCountIs("AWS::EC2::VPC", 1);
    template.resourceCountIs("AWS::EC2::InternetGateway", 0);
    template.resourceCountIs("AWS::EC2::VPCGatewayAttachment", 0);
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.resourceCountIs("AWS::EC2::EIP", 0);
    template.resourceCountIs("AWS::EC2::Route", 0);
    Map<String, Map<String, Object>> subnets = TestApps.resources(stack, "AWS::EC2::Subnet");
    assertEquals(2, subnets.size(), "two availability zones");
    subnets.values().forEach(subnet -> assertEquals(false, TestApps.properties(subnet).get("MapPublicIpOnLaunch")));
    template.hasResourceProperties("AWS::EC2::FlowLog", Match.objectLike(Map.of(
        "ResourceType", "VPC", "TrafficType", "ALL", "LogDestinationType", "s3")));
  }

  @Test
  void s3GatewayEndpointPolicyNamesOnlyTheProjectBuckets() {
    Map<String, Map<String, Object>> endpoints = TestApps.resources(stack, "AWS::EC2::VPCEndpoint");
    assertEquals(1, endpoints.size(), "only the S3 gateway endpoint lives here");
    Map<String, Object> endpoint = TestApps.properties(endpoints.values().iterator().next());
    assertEquals("Gateway", endpoint.get("VpcEndpointType"));
    assertTrue(CfnText.text(endpoint.get("ServiceName")).endsWith(".s3"));
    List<Map<String, Object>> statements = TestApps.rawStatements(endpoint);
    assertEquals(1, statements.size(), statements.toString());
    Map<String, Object> only = statements.get(0);
    assertEquals("Allow", only.get("Effect"));
    assertEquals(List.of("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"), only.get("Action"));
    assertEquals(List.of("<ArtifactsBucket88671897.Arn>/*", "<ExchangeBucketACE697F0.Arn>/*"),
        CfnText.texts(only.get("Resource")));
  }

  @Test
  void exchangeAndModelBucketsRefuseTheExecutionRolesOutsideTheProjectVpcEndpoint() {
    for (String bucket : List.of("Artifacts", "Exchange")) {
      Map<String, Object> policy = TestApps.properties(TestApps.resource(stack, "AWS::S3::BucketPolicy", bucket));
      Map<String, Object> deny = TestApps.statement(TestApps.rawStatements(policy),
          "ExecutionRolesOnlyThroughTheProjectVpcEndpoint");
      assertEquals("Deny", deny.get("Effect"));
      assertTrue(((List<?>) deny.get("Action")).containsAll(List.of("s3:GetObject", "s3:PutObject")), deny.toString());
      assertEquals(List.of("arn:<AWS::Partition>:iam::<AWS::AccountId>:role/fhe-ml-endpoint-execution",
          "arn:<AWS::Partition>:iam::<AWS::AccountId>:role/fhe-ml-publish-client"),
          CfnText.texts(TestApps.condition(deny, "ArnEquals").get("aws:PrincipalArn")));
      assertTrue(CfnText.text(TestApps.condition(deny, "StringNotEquals").get("aws:SourceVpce"))
          .startsWith("<NetworkVpcS3"), deny.toString());
    }
    // The data bucket is read by the training job, which has no VPC (network isolation instead).
    String data = TestApps.properties(TestApps.resource(stack, "AWS::S3::BucketPolicy", "Data")).toString();
    assertTrue(!data.contains("aws:SourceVpce"), data);
  }

  // Issue 12, item 3: alarms that can fire.

  @Test
  void cloudWatchAlarmsAndTheTrainingRuleMayPublishToTheAlarmTopic() {
    Map<String, Object> policy = TestApps.properties(TestApps.resource(stack, "AWS::SNS::TopicPolicy", "AlarmTopic"));
    List<Map<String, Object>> statements = TestApps.rawStatements(policy);
    Map<String, Object> alarms = TestApps.statement(statements, "CloudWatchAlarmsOfThisProject");
    assertEquals(Map.of("Service", "cloudwatch.amazonaws.com"), alarms.get("Principal"));
    assertEquals("sns:Publish", alarms.get("Action"));
    assertEquals("<AWS::AccountId>", CfnText.text(TestApps.condition(alarms, "StringEquals").get("aws:SourceAccount")));
    assertEquals("arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:fhe-ml-*",
        CfnText.text(TestApps.condition(alarms, "ArnLike").get("aws:SourceArn")));
    Map<String, Object> rule = TestApps.statement(statements, "TrainingFailureRule");
    assertEquals(Map.of("Service", "events.amazonaws.com"), rule.get("Principal"));
    assertEquals("arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/fhe-ml-training-job-failed",
        CfnText.text(TestApps.condition(rule, "ArnEquals").get("aws:SourceArn")));
    template.hasResourceProperties("AWS::SNS::Topic", Match.objectLike(Map.of("KmsMasterKeyId", Match.anyValue())));
  }

  @Test
  @SuppressWarnings("unchecked")
  void keyPolicyLetsAlarmsTheRuleAndLogDeliveryUseTheKeyForThisAccountOnly() {
    List<Map<String, Object>> statements = (List<Map<String, Object>>) ((Map<String, Object>) TestApps.properties(
        TestApps.resource(stack, "AWS::KMS::Key", "Key")).get("KeyPolicy")).get("Statement");
    for (String sid : List.of("CloudWatchAlarmsToEncryptedTopic", "TrainingFailureRuleToEncryptedTopic",
        "LogDeliveryOfTheEncryptedStateMachine")) {
      Map<String, Object> statement = TestApps.statement(statements, sid);
      assertEquals("<AWS::AccountId>", CfnText.text(TestApps.condition(statement, "StringEquals").get("aws:SourceAccount")),
          sid);
    }
    Map<String, Object> logs = TestApps.statement(statements, "CloudWatchLogsProjectLogGroups");
    assertTrue(CfnText.texts(TestApps.condition(logs, "ArnLike").get("kms:EncryptionContext:aws:logs:arn")).contains(
        "arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs"), logs.toString());
  }
}
