package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Async endpoint config, model, 0..N scaling with both policies, alarms, the execution role. */
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
  void modelDataUrlFromContextIsTheOnlyModelObjectTheRoleReads() {
    String url = "s3://my-artifacts/models/fhe-ml-train-1/output/model.tar.gz";
    FheMlStacks stacks = TestApps.build(Map.of("modelDataUrl", url, "maxInstances", "5",
        "inferenceImageDigest", "sha256:" + "ab".repeat(32)));
    Template t = Template.fromStack(stacks.endpoint());
    t.hasResourceProperties("AWS::SageMaker::Model", Match.objectLike(Map.of(
        "PrimaryContainer", Match.objectLike(Map.of("ModelDataUrl", url)))));
    t.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of("MaxCapacity", 5)));
    String policy = t.findResources("AWS::IAM::ManagedPolicy").toString();
    assertTrue(policy.contains("my-artifacts/models/fhe-ml-train-1/output/model.tar.gz"), policy);
    String model = t.findResources("AWS::SageMaker::Model").toString();
    assertTrue(model.contains("@sha256:" + "ab".repeat(32)), model);
  }
}
