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
    for (String topic : List.of("SuccessTopic", "ErrorTopic")) {
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
    // The numbers derived in docs/infrastructure.md from 1.1 s per MNIST image on 2 vCPUs (ScalingPolicyTest).
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of(
        "MinCapacity", 0, "MaxCapacity", 2,
        "ScalableDimension", "sagemaker:variant:DesiredInstanceCount", "ServiceNamespace", "sagemaker")));
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
        "PolicyType", "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration", Match.objectLike(Map.of(
            "TargetValue", 7,
            "ScaleOutCooldown", 300,
            "ScaleInCooldown", 600,
            "CustomizedMetricSpecification", Match.objectLike(Map.of(
                "MetricName", "ApproximateBacklogSizePerInstance", "Namespace", "AWS/SageMaker")))))));
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Match.objectLike(Map.of(
        "PolicyType", "StepScaling",
        "StepScalingPolicyConfiguration", Match.objectLike(Map.of(
            "AdjustmentType", "ChangeInCapacity",
            "Cooldown", 300,
            "StepAdjustments", List.of(Map.of("MetricIntervalLowerBound", 0, "ScalingAdjustment", 1)))))));
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
        "MetricName", "HasBacklogWithoutCapacity",
        "Threshold", 1,
        "AlarmActions", List.of(Map.of("Ref", Match.stringLikeRegexp("^ScaleOutFromZero.*"))))));
  }

  @Test
  void scaleToZeroStaysPossible() {
    // Scale-in is not disabled, the minimum is 0, and only the step policy (not target tracking) scales out from 0.
    Map<String, Map<String, Object>> policies = template.findResources("AWS::ApplicationAutoScaling::ScalingPolicy");
    for (Map<String, Object> policy : policies.values()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> props = (Map<String, Object>) policy.get("Properties");
      Object tracking = props.get("TargetTrackingScalingPolicyConfiguration");
      if (tracking != null) {
        assertFalse(tracking.toString().contains("DisableScaleIn=true"), tracking.toString());
      }
    }
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Match.objectLike(Map.of(
        "MinCapacity", 0)));
  }

  @Test
  void alarmsOnFailuresAndBacklogAgeNotifyTheProjectAlarmTopic() {
    for (String metric : List.of("InvocationFailures", "ApproximateAgeOfOldestRequest")) {
      template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
          "MetricName", metric,
          "Namespace", "AWS/SageMaker",
          "AlarmName", Match.stringLikeRegexp("^fhe-ml-endpoint-.*"),
          "AlarmActions", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*AlarmTopic.*"))))));
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

  // Issue 12, item 2: network isolation.

  @Test
  @SuppressWarnings("unchecked")
  void modelRunsInTheIsolatedSubnetsBehindAnHttpsOnlySecurityGroup() {
    Map<String, Object> model = TestApps.properties(TestApps.resource(stack, "AWS::SageMaker::Model", "Model"));
    Map<String, Object> vpc = (Map<String, Object>) model.get("VpcConfig");
    assertTrue(vpc != null, "the model runs inside the VPC: " + model);
    List<String> subnets = CfnText.texts(vpc.get("Subnets"));
    assertEquals(2, subnets.size());
    subnets.forEach(subnet -> assertTrue(subnet.matches("<import:.*isolatedSubnet.*>"), subnet));
    assertTrue(CfnText.texts(vpc.get("SecurityGroupIds")).get(0).startsWith("<ModelSecurityGroup"), vpc.toString());
    Map<String, Object> group = TestApps.properties(TestApps.resource(stack, "AWS::EC2::SecurityGroup", "ModelSecurityGroup"));
    assertFalse(group.containsKey("SecurityGroupIngress"), "nothing may connect to the model: " + group);
    List<Map<String, Object>> egress = (List<Map<String, Object>>) group.get("SecurityGroupEgress");
    assertEquals(1, egress.size(), egress.toString());
    assertEquals(Map.of("CidrIp", "0.0.0.0/0", "IpProtocol", "tcp", "FromPort", 443, "ToPort", 443),
        Map.of("CidrIp", egress.get(0).get("CidrIp"), "IpProtocol", egress.get(0).get("IpProtocol"),
            "FromPort", egress.get(0).get("FromPort"), "ToPort", egress.get(0).get("ToPort")));
  }

  @Test
  void interfaceEndpointsForSnsAndLogsNameOnlyThisEndpointsTopicsAndLogGroup() {
    Map<String, Map<String, Object>> endpoints = TestApps.resources(stack, "AWS::EC2::VPCEndpoint");
    assertEquals(2, endpoints.size(), endpoints.keySet().toString());
    Map<String, Object> sns = TestApps.properties(TestApps.resource(stack, "AWS::EC2::VPCEndpoint", "SnsEndpoint"));
    assertEquals("Interface", sns.get("VpcEndpointType"));
    assertEquals(true, sns.get("PrivateDnsEnabled"));
    assertTrue(CfnText.text(sns.get("ServiceName")).endsWith(".sns"), sns.toString());
    Map<String, Object> publish = TestApps.rawStatements(sns).get(0);
    assertEquals(1, TestApps.rawStatements(sns).size());
    assertEquals("sns:Publish", publish.get("Action"));
    List<String> topics = CfnText.texts(publish.get("Resource"));
    assertEquals(2, topics.size());
    assertTrue(topics.get(0).startsWith("<SuccessTopic") && topics.get(1).startsWith("<ErrorTopic"), topics.toString());
    Map<String, Object> logs = TestApps.properties(TestApps.resource(stack, "AWS::EC2::VPCEndpoint", "LogsEndpoint"));
    assertTrue(CfnText.text(logs.get("ServiceName")).endsWith(".logs"), logs.toString());
    assertEquals(List.of("<EndpointLogs"), CfnText.texts(TestApps.rawStatements(logs).get(0).get("Resource")).stream()
        .map(r -> r.substring(0, "<EndpointLogs".length())).toList());
    // Reachable from the model only.
    template.resourceCountIs("AWS::EC2::SecurityGroupIngress", 1);
    template.hasResourceProperties("AWS::EC2::SecurityGroupIngress", Match.objectLike(Map.of(
        "FromPort", 443, "ToPort", 443,
        "GroupId", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("^InterfaceEndpointSecurityGroup.*"), "GroupId")),
        "SourceSecurityGroupId", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("^ModelSecurityGroup.*"), "GroupId")))));
  }

  @Test
  void executionRoleHasAFixedNameAndCreatesNetworkInterfacesOnlyInTheProjectVpc() {
    template.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of("RoleName", "fhe-ml-endpoint-execution")));
    List<IamRules.Statement> statements = TestApps.policyStatements(stack, "ExecutionRolePolicy");
    IamRules.Statement eni = statements.stream().filter(st -> st.actions().contains("ec2:CreateNetworkInterface"))
        .findFirst().orElseThrow();
    assertTrue(eni.condition().toString().contains("ec2:Vpc"), eni.toString());
  }

  // Issue 12, item 3: alarms that can fire.

  @Test
  void notificationDeadLettersAlarmAndSubscriptionsRedriveToIt() {
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
        "AlarmName", "fhe-ml-client-notification-dead-letters",
        "MetricName", "ApproximateNumberOfMessagesVisible",
        "Namespace", "AWS/SQS",
        "Dimensions", List.of(Map.of("Name", "QueueName",
            "Value", Map.of("Fn::GetAtt", List.of(Match.stringLikeRegexp("^ClientNotificationsDeadLetters.*"), "QueueName")))),
        "AlarmActions", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*AlarmTopic.*"))))));
    Map<String, Map<String, Object>> subscriptions = TestApps.resources(stack, "AWS::SNS::Subscription");
    assertEquals(2, subscriptions.size());
    for (Map<String, Object> subscription : subscriptions.values()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> redrive = (Map<String, Object>) TestApps.properties(subscription).get("RedrivePolicy");
      assertTrue(redrive != null && CfnText.text(redrive.get("deadLetterTargetArn"))
          .startsWith("<ClientNotificationsDeadLetters"), subscription.toString());
    }
    template.hasResourceProperties("AWS::SQS::Queue", Match.objectLike(Map.of(
        "QueueName", "fhe-ml-client-notifications-dlq")));
  }

  // Issue 12, item 4: images by digest only.

  @Test
  void withoutADigestTheTemplateAsksForOneAndAcceptsNothingElse() {
    template.hasParameter("InferenceImageDigest", Match.objectLike(Map.of(
        "Type", "String",
        "AllowedPattern", "^sha256:[0-9a-f]{64}$",
        "ConstraintDescription", Match.stringLikeRegexp(".*latest is refused.*inferenceImageDigest.*"))));
    assertFalse(template.findParameters("InferenceImageDigest").toString().contains("Default"),
        "no default: a deploy without a digest stops before any change");
    String image = CfnText.text(((Map<?, ?>) TestApps.properties(TestApps.resource(stack, "AWS::SageMaker::Model", "Model"))
        .get("PrimaryContainer")).get("Image"));
    assertTrue(image.endsWith("@<InferenceImageDigest>"), image);
    FheMlStacks pinned = TestApps.build(Map.of("inferenceImageDigest", "sha256:" + "cd".repeat(32)));
    assertTrue(Template.fromStack(pinned.endpoint()).findParameters("InferenceImageDigest").isEmpty());
  }

  // Issue 12, item 5: kms:ViaService.

  @Test
  @SuppressWarnings("unchecked")
  void executionRoleUsesTheKeyOnlyThroughS3AndSns() {
    List<IamRules.Statement> kms = TestApps.policyStatements(stack, "ExecutionRolePolicy").stream()
        .filter(st -> st.actions().stream().anyMatch(a -> a.startsWith("kms:"))).toList();
    assertEquals(1, kms.size(), kms.toString());
    Map<String, Object> equals = ((Map<String, Map<String, Object>>) kms.get(0).condition()).get("StringEquals");
    assertEquals(List.of("s3.<AWS::Region>.amazonaws.com", "sns.<AWS::Region>.amazonaws.com"),
        CfnText.texts(equals.get("kms:ViaService")));
  }
}
