package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.app.FheMlStacks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Async endpoint config, model, 0..N scaling with both policies, alarms, the execution role, the notification queue. */
class EndpointStackTest {
  private final Stack stack = TestApps.defaults().endpoint();
  private final Template template = TestApps.template(stack);

  @Test
  @SuppressWarnings("unchecked")
  void asyncConfigWritesResultsAndFailuresUnderTheKeyAndNotifiesBothTopics() {
    Map<String, Object> config = TestApps.properties(
        TestApps.resource(stack, "AWS::SageMaker::EndpointConfig", "EndpointConfig"));
    assertTrue(CfnText.text(config.get("KmsKeyId")).matches("<import:.*Key.*Arn.*>"), "volume key");
    Map<String, Object> async = (Map<String, Object>) config.get("AsyncInferenceConfig");
    Map<String, Object> output = (Map<String, Object>) async.get("OutputConfig");
    assertTrue(CfnText.text(output.get("S3OutputPath")).matches("s3://<import:.*Exchange.*>/results/"));
    assertTrue(CfnText.text(output.get("S3FailurePath")).matches("s3://<import:.*Exchange.*>/failures/"));
    assertEquals(CfnText.text(config.get("KmsKeyId")), CfnText.text(output.get("KmsKeyId")), "output key");
    Map<String, Object> notify = (Map<String, Object>) output.get("NotificationConfig");
    assertTrue(CfnText.text(notify.get("SuccessTopic")).startsWith("<SuccessTopic"));
    assertTrue(CfnText.text(notify.get("ErrorTopic")).startsWith("<ErrorTopic"));
    assertEquals(Map.of("MaxConcurrentInvocationsPerInstance", 2), async.get("ClientConfig"));
    template.hasResourceProperties("AWS::SageMaker::EndpointConfig", Match.objectLike(Map.of(
        "ProductionVariants", List.of(Match.objectLike(Map.of(
            "VariantName", "AllTraffic", "InstanceType", "ml.c6i.xlarge", "InitialInstanceCount", 1))))));
    for (String topic : List.of("SuccessTopic", "ErrorTopic", "AlarmTopic")) {
      assertTrue(TestApps.properties(TestApps.resource(stack, "AWS::SNS::Topic", topic)).containsKey("KmsMasterKeyId"));
    }
  }

  @Test
  void modelUsesTheInferenceImageAndTellsTheContainerWhereKeysAre() {
    template.hasResourceProperties("AWS::SageMaker::Model", Match.objectLike(Map.of(
        "PrimaryContainer", Match.objectLike(Map.of(
            "Image", Match.anyValue(),
            "ModelDataUrl", Match.anyValue(),
            "Environment", Match.objectLike(Map.of("FHEML_KEY_PREFIX", "keys/")))))));
    template.hasResourceProperties("AWS::SageMaker::Endpoint", Match.objectLike(Map.of("EndpointName", "fhe-ml-endpoint")));
  }

  @Test
  void scalesFromZeroWithTargetTrackingAndAStepPolicy() {
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of(
        "MinCapacity", 0, "MaxCapacity", 2,
        "ScalableDimension", "sagemaker:variant:DesiredInstanceCount", "ServiceNamespace", "sagemaker")));
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
        "PolicyType", "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "TargetValue", 4,
            "CustomizedMetricSpecification", Match.objectLike(Map.of(
                "MetricName", "ApproximateBacklogSizePerInstance", "Namespace", "AWS/SageMaker")))))));
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
        "PolicyType", "StepScaling",
        "StepScalingPolicyConfiguration", Match.objectLike(Map.of(
            "AdjustmentType", "ChangeInCapacity",
            "StepAdjustments", List.of(Map.of("MetricIntervalLowerBound", 0, "ScalingAdjustment", 1)))))));
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
        "MetricName", "HasBacklogWithoutCapacity",
        "Threshold", 1,
        "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("^ScaleOutFromZero.*"))))));
  }

  @Test
  void alarmsOnFailuresAndBacklogAgeNotifyTheAlarmTopic() {
    for (String metric : List.of("InvocationFailures", "ApproximateAgeOfOldestRequest")) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
          "MetricName", metric,
          "Namespace", "AWS/SageMaker",
          "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("^AlarmTopic.*"))))));
    }
  }

  @Test
  void executionRoleReadsOnlyKeysQueriesAndTheModelAndWritesOnlyResultsAndFailures() {
    List<IamRules.Statement> statements = TestApps.policyStatements(stack, "ExecutionRolePolicy");
    IamRules.assertLeastPrivilege("endpoint execution role", statements);
    List<String> reads = IamRules.allowed(statements, "s3:GetObject");
    assertEquals(3, reads.size(), reads.toString());
    assertTrue(reads.stream().anyMatch(r -> r.matches("<import:.*Exchange.*>/keys/\\*")), reads.toString());
    assertTrue(reads.stream().anyMatch(r -> r.matches("<import:.*Exchange.*>/queries/\\*")), reads.toString());
    assertTrue(reads.stream().anyMatch(r -> r.matches("arn:<AWS::Partition>:s3:::<import:.*Artifacts.*>/models/.*/model\\.tar\\.gz")),
        reads.toString());
    List<String> writes = IamRules.allowed(statements, "s3:PutObject");
    assertEquals(2, writes.size(), writes.toString());
    assertTrue(writes.stream().allMatch(w -> w.matches("<import:.*Exchange.*>/(results|failures)/\\*")), writes.toString());
    assertFalse(statements.stream().anyMatch(s -> s.actions().contains("s3:ListBucket")));
    String trust = TestApps.properties(TestApps.resource(stack, "AWS::IAM::Role", "ExecutionRole"))
        .get("AssumeRolePolicyDocument").toString();
    assertTrue(trust.contains("aws:SourceAccount") && trust.contains("aws:SourceArn"), trust);
  }

  @Test
  void clientNotificationQueueIsEncryptedTlsOnlyWithADeadLetterQueue() {
    Map<String, Object> queue = TestApps.properties(
        TestApps.resource(stack, "AWS::SQS::Queue", "ClientNotificationsQueue"));
    assertEquals("fhe-ml-client-notifications", queue.get("QueueName"));
    assertEquals(3600, queue.get("MessageRetentionPeriod"), "notificationRetentionMinutes=60");
    String key = CfnText.text(queue.get("KmsMasterKeyId"));
    assertTrue(key.matches("<import:.*Key.*Arn.*>"), "the project key: " + key);
    @SuppressWarnings("unchecked")
    Map<String, Object> redrive = (Map<String, Object>) queue.get("RedrivePolicy");
    assertEquals(5, redrive.get("maxReceiveCount"));
    assertTrue(CfnText.text(redrive.get("deadLetterTargetArn")).startsWith("<ClientNotificationsDeadLetters"), redrive.toString());
    Map<String, Object> deadLetters = TestApps.properties(
        TestApps.resource(stack, "AWS::SQS::Queue", "ClientNotificationsDeadLetters"));
    assertEquals(key, CfnText.text(deadLetters.get("KmsMasterKeyId")));
    assertEquals(14 * 24 * 3600, deadLetters.get("MessageRetentionPeriod"));
    template.resourceCountIs("AWS::SQS::Queue", 2);
    template.resourceCountIs("AWS::SQS::QueuePolicy", 2);
    for (String queueId : List.of("ClientNotificationsQueue", "ClientNotificationsDeadLetters")) {
      template.hasResourceProperties("AWS::SQS::QueuePolicy", Match.objectLike(Map.of(
          "Queues", List.of(Map.of("Ref", Match.stringLikeRegexp("^" + queueId + ".*"))),
          "PolicyDocument", Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(Map.of(
              "Effect", "Deny",
              "Condition", Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientNotificationQueueGetsBothTopicsInTheSnsEnvelopeAndOnlyThem() {
    Map<String, Map<String, Object>> subscriptions = TestApps.resources(stack, "AWS::SNS::Subscription");
    assertEquals(2, subscriptions.size(), subscriptions.keySet().toString());
    List<String> topics = new ArrayList<>();
    for (Map<String, Object> subscription : subscriptions.values()) {
      Map<String, Object> p = TestApps.properties(subscription);
      assertEquals("sqs", p.get("Protocol"));
      assertTrue(CfnText.text(p.get("Endpoint")).startsWith("<ClientNotificationsQueue"), p.toString());
      assertEquals(false, p.get("RawMessageDelivery"), "SNS envelope, raw delivery off: " + p);
      topics.add(CfnText.text(p.get("TopicArn")));
    }
    assertEquals(2, topics.stream().filter(t -> t.matches("<(SuccessTopic|ErrorTopic).*>")).distinct().count(), topics.toString());

    Map<String, Object> policy = TestApps.properties(TestApps.resource(stack, "AWS::SQS::QueuePolicy", "ClientNotificationsQueue"));
    List<IamRules.Statement> statements = IamRules.statements((Map<String, Object>) policy.get("PolicyDocument"));
    List<IamRules.Statement> sends = statements.stream().filter(st -> st.effect().equals("Allow")).toList();
    assertEquals(2, sends.size(), sends.toString());
    List<String> sources = new ArrayList<>();
    for (IamRules.Statement send : sends) {
      assertEquals(List.of("sqs:SendMessage"), send.actions());
      assertTrue(send.resources().get(0).startsWith("<ClientNotificationsQueue"), send.toString());
      Map<String, Map<String, Object>> condition = (Map<String, Map<String, Object>>) send.condition();
      sources.add(CfnText.text(condition.get("ArnEquals").get("aws:SourceArn")));
    }
    assertEquals(Set.copyOf(topics), Set.copyOf(sources), "only the two topics may send");
    for (Map<String, Object> raw : (List<Map<String, Object>>) ((Map<String, Object>) policy.get("PolicyDocument")).get("Statement")) {
      if (raw.get("Effect").equals("Allow")) {
        assertEquals(Map.of("Service", "sns.amazonaws.com"), raw.get("Principal"), raw.toString());
      }
    }
  }

  @Test
  void clientNotificationQueueIsAnOutput() {
    template.hasOutput("NotificationQueueUrl", Match.objectLike(Map.of(
        "Value", Map.of("Ref", Match.stringLikeRegexp("^ClientNotificationsQueue.*")))));
    template.hasOutput("NotificationQueueArn", Match.objectLike(Map.of(
        "Value", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("^ClientNotificationsQueue.*"), "Arn")))));
  }

  @Test
  void clientNotificationsOffLeavesOutTheQueueItsKeyGrantAndTheClientStatements() {
    FheMlStacks stacks = TestApps.build(Map.of("clientNotifications", "false"));
    Template endpoint = Template.fromStack(stacks.endpoint());
    endpoint.resourceCountIs("AWS::SQS::Queue", 0);
    endpoint.resourceCountIs("AWS::SNS::Subscription", 0);
    assertTrue(endpoint.findOutputs("NotificationQueue*").isEmpty());
    assertTrue(stacks.endpoint().notifications().isEmpty());
    String key = Template.fromStack(stacks.storage()).findResources("AWS::KMS::Key").toString();
    assertFalse(key.contains("sns.amazonaws.com"), key);
    String client = Template.fromStack(stacks.access()).findResources("AWS::IAM::ManagedPolicy").toString();
    assertFalse(client.contains("sqs"), client);
    NagTest.assertNoUnacknowledgedFindings(stacks);
  }

  @Test
  void modelDataUrlFromContextIsTheOnlyModelObjectTheRoleReads() {
    String url = "s3://my-artifacts/models/fhe-ml-train-1/output/model.tar.gz";
    FheMlStacks stacks = TestApps.build(Map.of("modelDataUrl", url, "maxInstances", "5",
        "inferenceImageDigest", "sha256:" + "ab".repeat(32), "notificationRetentionMinutes", "15"));
    Template t = Template.fromStack(stacks.endpoint());
    t.hasResourceProperties("AWS::SageMaker::Model", Match.objectLike(Map.of(
        "PrimaryContainer", Match.objectLike(Map.of("ModelDataUrl", url)))));
    t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of("MaxCapacity", 5)));
    String policy = t.findResources("AWS::IAM::ManagedPolicy").toString();
    assertTrue(policy.contains("my-artifacts/models/fhe-ml-train-1/output/model.tar.gz"), policy);
    String model = t.findResources("AWS::SageMaker::Model").toString();
    assertTrue(model.contains("@sha256:" + "ab".repeat(32)), model);
    t.hasResourceProperties("AWS::SQS::Queue", Match.objectLike(Map.of(
        "QueueName", "fhe-ml-client-notifications", "MessageRetentionPeriod", 900)));
  }
}
