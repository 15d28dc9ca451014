package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fheml.infra.app.FheMlStacks;
import dev.fheml.infra.training.TrainingStack;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.Manifest;
import dev.fheml.protocol.TrainingChannels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The training job task (KMS, inter-container encryption, stopping condition), client.zip, roles. */
class TrainingStackTest {
  private final Stack stack = TestApps.defaults().training();
  private final Template template = TestApps.template(stack);

  private JsonNode definition() throws Exception {
    return definition(stack);
  }

  private static JsonNode definition(Stack stack) throws Exception {
    Map<String, Object> machine = TestApps.resource(stack, "AWS::StepFunctions::StateMachine", "StateMachine");
    String text = CfnText.text(TestApps.properties(machine).get("DefinitionString"));
    return new ObjectMapper().readTree(text);
  }

  /** Channel name to S3 URI of a training task's InputDataConfig, in order. */
  private static Map<String, String> channels(JsonNode task) {
    Map<String, String> channels = new java.util.LinkedHashMap<>();
    for (JsonNode channel : task.get("Parameters").get("InputDataConfig")) {
      JsonNode source = channel.get("DataSource").get("S3DataSource");
      assertEquals("S3Prefix", source.get("S3DataType").asText(), channel.toString());
      assertEquals("FullyReplicated", source.get("S3DataDistributionType").asText(), channel.toString());
      assertTrue(channels.put(channel.get("ChannelName").asText(), source.get("S3Uri").asText()) == null,
          "duplicate channel " + channel);
    }
    return channels;
  }

  @Test
  void trainsWithEncryptionAndAStoppingConditionThenPublishesClientZip() throws Exception {
    JsonNode states = definition().get("States");
    JsonNode train = states.get("TrainModel");
    assertTrue(train.get("Resource").asText().endsWith(":states:::sagemaker:createTrainingJob.sync"));
    assertEquals("PublishClientZip", train.get("Next").asText());
    JsonNode p = train.get("Parameters");
    assertTrue(p.get("EnableInterContainerTrafficEncryption").asBoolean());
    assertTrue(p.get("EnableNetworkIsolation").asBoolean());
    assertEquals(21600, p.get("StoppingCondition").get("MaxRuntimeInSeconds").asInt());
    String keyArn = p.get("OutputDataConfig").get("KmsKeyId").asText();
    assertTrue(keyArn.startsWith("<import:") && keyArn.contains("Key"), keyArn);
    assertEquals(keyArn, p.get("ResourceConfig").get("VolumeKmsKeyId").asText());
    assertTrue(p.get("OutputDataConfig").get("S3OutputPath").asText().matches("s3://<import:.*Artifacts.*>/models/"));
    Map<String, String> channels = channels(train);
    assertEquals(List.of(TrainingChannels.TRAIN), List.copyOf(channels.keySet()), "the plain branch has train only");
    assertTrue(channels.get(TrainingChannels.TRAIN).matches("s3://<import:.*DataBucket.*>/train/"), channels.toString());
    assertTrue(p.get("AlgorithmSpecification").get("TrainingImage").asText()
        .matches("<Fn::Select>\\.dkr\\.ecr\\..*/<import:.*TrainingRepository.*>@<TrainingImageDigest>"));
    assertEquals("States.Format('fhe-ml-train-{}', $$.Execution.Name)", p.get("TrainingJobName.$").asText());
    // The regexes read the lines the training image prints (see its MetricLines and progress lines).
    JsonNode metrics = p.get("AlgorithmSpecification").get("MetricDefinitions");
    java.util.Map<String, String> log = java.util.Map.of(
        "test:accuracy_quantized", "metric: accuracy_quantized=0.9736",
        "test:accuracy_noisy", "metric: accuracy_noisy_simulated=0.9735",
        "test:accuracy_plain", "metric: accuracy_plain=0.9696",
        "validation:accuracy", "epoch  93/100  loss 0.1467  val_acc_q 0.9790  val_acc_noisy 0.9770  lr 6.36e-05");
    assertEquals(log.size(), metrics.size());
    for (JsonNode m : metrics) {
      java.util.regex.Matcher matcher = java.util.regex.Pattern.compile(m.get("Regex").asText())
          .matcher(log.get(m.get("Name").asText()));
      assertTrue(matcher.find(), m.toString());
      assertTrue(Double.parseDouble(matcher.group(1)) > 0.9, m.toString());
    }
    assertEquals("$.ModelArtifacts.S3ModelArtifacts", train.get("ResultSelector").get("modelDataUrl.$").asText());

    JsonNode publish = states.get("PublishClientZip");
    assertEquals("$.training.modelDataUrl", publish.get("Parameters").get("modelDataUrl.$").asText());
    assertTrue(publish.get("End").asBoolean());
  }

  // Issue 13, item 4: the same pipeline imports an ONNX model instead of training.

  @Test
  void importBranchIsTheTrainingJobWithTheModelChannelFromTheImportPrefix() throws Exception {
    JsonNode states = definition().get("States");
    JsonNode train = states.get("TrainModel");
    JsonNode importModel = states.get("ImportModel");
    Map<String, String> channels = channels(importModel);
    assertEquals(List.of(TrainingChannels.TRAIN, TrainingChannels.MODEL), List.copyOf(channels.keySet()));
    assertTrue(channels.get(TrainingChannels.TRAIN).matches("s3://<import:.*DataBucket.*>/train/"), channels.toString());
    assertTrue(channels.get(TrainingChannels.MODEL).matches("s3://<import:.*DataBucket.*>/import/"), channels.toString());
    assertEquals(channels(train).get(TrainingChannels.TRAIN), channels.get(TrainingChannels.TRAIN), "same bucket");
    // Everything else is the training job's: image, role, encryption, isolation, limits, result.
    ObjectNode importParameters = ((ObjectNode) importModel.get("Parameters")).deepCopy();
    ObjectNode trainParameters = ((ObjectNode) train.get("Parameters")).deepCopy();
    importParameters.remove("InputDataConfig");
    trainParameters.remove("InputDataConfig");
    assertEquals(trainParameters, importParameters);
    for (String field : List.of("Type", "Resource", "ResultSelector", "ResultPath", "Next")) {
      assertEquals(train.get(field), importModel.get(field), field);
    }
    assertEquals("PublishClientZip", importModel.get("Next").asText());
  }

  @Test
  void executionInputChoosesTrainingOrImportAndRefusesAnyOtherFlag() throws Exception {
    JsonNode definition = definition();
    assertEquals("TrainOrImport", definition.get("StartAt").asText());
    JsonNode choice = definition.get("States").get("TrainOrImport");
    assertEquals("Choice", choice.get("Type").asText());
    String flag = "\"" + TrainingStack.IMPORT_FLAG + "\"";
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put("{\"hyperparameters\": {}}", "TrainModel");
    expected.put("{\"hyperparameters\": {}, " + flag + ": false}", "TrainModel");
    expected.put("{\"hyperparameters\": {\"finetune_epochs\": \"3\"}, " + flag + ": true}", "ImportModel");
    expected.put("{\"hyperparameters\": {}, " + flag + ": \"true\"}", "InvalidImportFlag");
    expected.put("{\"hyperparameters\": {}, " + flag + ": null}", "InvalidImportFlag");
    expected.put("{\"hyperparameters\": {}, " + flag + ": 1}", "InvalidImportFlag");
    ObjectMapper json = new ObjectMapper();
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(e.getValue(), ChoiceRules.next(choice, json.readTree(e.getKey())), e.getKey());
    }
    JsonNode invalid = definition.get("States").get("InvalidImportFlag");
    assertEquals("Fail", invalid.get("Type").asText());
    assertEquals("InvalidInput", invalid.get("Error").asText());
    assertTrue(invalid.get("Cause").asText().contains(flag), invalid.toString());
  }

  @Test
  void importPrefixComesFromContextAndTheRoleFollowsIt() throws Exception {
    Stack custom = TestApps.build(Map.of("trainingDataPrefix", "calibration/", "importModelPrefix", "onnx/in/"))
        .training();
    JsonNode states = definition(custom).get("States");
    assertTrue(channels(states.get("TrainModel")).get(TrainingChannels.TRAIN).endsWith("/calibration/"));
    Map<String, String> channels = channels(states.get("ImportModel"));
    assertTrue(channels.get(TrainingChannels.TRAIN).endsWith("/calibration/"), channels.toString());
    assertTrue(channels.get(TrainingChannels.MODEL).endsWith("/onnx/in/"), channels.toString());
    List<IamRules.Statement> statements = TestApps.policyStatements(custom, "TrainingExecutionRolePolicy");
    List<String> reads = IamRules.allowed(statements, "s3:GetObject");
    assertEquals(2, reads.size(), reads.toString());
    assertTrue(reads.get(0).matches("<import:.*DataBucket.*>/calibration/\\*"), reads.toString());
    assertTrue(reads.get(1).matches("<import:.*DataBucket.*>/onnx/in/\\*"), reads.toString());
  }

  @Test
  void stateMachineLogsEverythingEncryptedAndTraces() {
    template.hasResourceProperties("AWS::StepFunctions::StateMachine", Match.objectLike(Map.of(
        "StateMachineName", "fhe-ml-training",
        "TracingConfiguration", Map.of("Enabled", true),
        "LoggingConfiguration", Match.objectLike(Map.of("Level", "ALL")))));
    template.hasResourceProperties("AWS::Logs::LogGroup", Match.objectLike(Map.of(
        "LogGroupName", "/aws/vendedlogs/states/fhe-ml-training",
        "KmsKeyId", Match.anyValue(),
        "RetentionInDays", 365)));
  }

  @Test
  void publishFunctionHasTheSettingsItsCodeReads() {
    template.hasResourceProperties("AWS::Lambda::Function", Match.objectLike(Map.of(
        "FunctionName", "fhe-ml-publish-client",
        "Environment", Map.of("Variables", Match.objectLike(Map.of(
            "CLIENT_PREFIX", ExchangeLayout.CLIENT, "MODELS_PREFIX", ExchangeLayout.MODELS,
            "CLIENT_ZIP", ArtifactNames.CLIENT_ZIP, "MANIFEST_ENTRY", ArtifactNames.MANIFEST_ENTRY,
            "MODEL_ID_FIELD", Manifest.MODEL_ID_FIELD))))));
    Map<String, Object> function = TestApps.resource(stack, "AWS::Lambda::Function", "PublishFunction");
    String code = String.valueOf(((Map<?, ?>) TestApps.properties(function).get("Code")).get("ZipFile"));
    for (String variable : List.of("ARTIFACT_BUCKET", "EXCHANGE_BUCKET", "MODELS_PREFIX", "CLIENT_PREFIX",
        "CLIENT_ZIP", "MANIFEST_ENTRY", "MODEL_ID_FIELD", "MAX_CLIENT_ZIP_BYTES")) {
      assertTrue(code.contains("os.environ[\"" + variable + "\"]"), variable);
    }
  }

  @Test
  void rolesTrustOnlyTheirServiceForThisAccountAndResource() {
    template.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
        "AssumeRolePolicyDocument", Match.objectLike(Map.of("Statement", List.of(Match.objectLike(Map.of(
            "Principal", Map.of("Service", "sagemaker.amazonaws.com"),
            "Condition", Map.of(
                "StringEquals", Map.of("aws:SourceAccount", Map.of("Ref", "AWS::AccountId")),
                "ArnLike", Map.of("aws:SourceArn", Match.anyValue()))))))))));
    for (Map<String, Object> role : TestApps.resources(stack, "AWS::IAM::Role").values()) {
      String trust = TestApps.properties(role).get("AssumeRolePolicyDocument").toString();
      assertTrue(trust.contains("aws:SourceAccount") && trust.contains("aws:SourceArn"), trust);
      assertTrue(!TestApps.properties(role).containsKey("Policies"), "no inline policy");
    }
    template.resourceCountIs("AWS::IAM::Policy", 0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void trainingRoleReadsTrainingDataAndTheModelToImportWritesModelsAndNothingElse() {
    List<IamRules.Statement> statements = TestApps.policyStatements(stack, "TrainingExecutionRolePolicy");
    List<String> reads = IamRules.allowed(statements, "s3:GetObject");
    assertEquals(2, reads.size(), reads.toString());
    assertTrue(reads.get(0).matches("<import:.*DataBucket.*>/import/\\*"), reads.toString());
    assertTrue(reads.get(1).matches("<import:.*DataBucket.*>/train/\\*"), reads.toString());
    List<IamRules.Statement> lists = statements.stream().filter(st -> st.actions().contains("s3:ListBucket")).toList();
    assertEquals(1, lists.size(), lists.toString());
    assertEquals(List.of("s3:ListBucket"), lists.get(0).actions());
    assertEquals(1, lists.get(0).resources().size());
    assertTrue(lists.get(0).resources().get(0).matches("<import:.*DataBucket.*Arn.*>"), lists.toString());
    Map<String, Object> like = ((Map<String, Map<String, Object>>) lists.get(0).condition()).get("StringLike");
    assertEquals(Map.of("s3:prefix", List.of("train/*", "import/*")), like);
    assertEquals(1, IamRules.allowed(statements, "s3:PutObject").size());
    assertTrue(IamRules.allowed(statements, "s3:PutObject").get(0).matches("<import:.*Artifacts.*>/models/\\*"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyManagedPolicyIsLeastPrivilege() {
    TestApps.resources(stack, "AWS::IAM::ManagedPolicy").forEach((id, p) -> IamRules.assertLeastPrivilege(id,
        IamRules.statements((Map<String, Object>) TestApps.properties(p).get("PolicyDocument"))));
  }

  // Issue 12, item 2: the publish function runs in the isolated VPC; the training job keeps isolation.

  @Test
  @SuppressWarnings("unchecked")
  void publishFunctionRunsInTheIsolatedSubnetsWithAFixedRoleName() {
    Map<String, Object> function = TestApps.properties(TestApps.resource(stack, "AWS::Lambda::Function", "PublishFunction"));
    Map<String, Object> vpc = (Map<String, Object>) function.get("VpcConfig");
    assertTrue(vpc != null, function.toString());
    assertEquals(2, CfnText.texts(vpc.get("SubnetIds")).size());
    CfnText.texts(vpc.get("SubnetIds")).forEach(subnet -> assertTrue(subnet.matches("<import:.*isolatedSubnet.*>"), subnet));
    Map<String, Object> group = TestApps.properties(
        TestApps.resource(stack, "AWS::EC2::SecurityGroup", "PublishFunctionSecurityGroup"));
    assertFalse(group.containsKey("SecurityGroupIngress"));
    assertEquals(1, ((List<?>) group.get("SecurityGroupEgress")).size());
    assertTrue(group.get("SecurityGroupEgress").toString().contains("FromPort=443"), group.toString());
    template.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of("RoleName", "fhe-ml-publish-client")));
  }

  // Issue 12, item 3: training failures and publish errors reach the alarm topic.

  @Test
  void failedOrStoppedTrainingJobsOfThisProjectGoToTheAlarmTopic() {
    template.hasResourceProperties("AWS::Events::Rule", Match.objectLike(Map.of(
        "Name", "fhe-ml-training-job-failed",
        "State", "ENABLED",
        "EventPattern", Map.of(
            "source", List.of("aws.sagemaker"),
            "detail-type", List.of("SageMaker Training Job State Change"),
            "detail", Map.of(
                "TrainingJobName", List.of(Map.of("prefix", "fhe-ml-train-")),
                "TrainingJobStatus", List.of("Failed", "Stopped"))),
        "Targets", List.of(Match.objectLike(Map.of(
            "Arn", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*AlarmTopic.*"))))))));
    template.hasResourceProperties("AWS::CloudWatch::Alarm", Match.objectLike(Map.of(
        "AlarmName", "fhe-ml-publish-client-errors",
        "MetricName", "Errors",
        "Namespace", "AWS/Lambda",
        "Threshold", 1,
        "AlarmActions", List.of(Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*AlarmTopic.*"))))));
  }

  // Issue 12, item 4: SageMaker's training log group is managed; the image is pinned by digest.

  @Test
  void trainingJobLogGroupIsEncryptedWithARetentionAndTheRoleNoLongerCreatesIt() {
    template.hasResourceProperties("AWS::Logs::LogGroup", Match.objectLike(Map.of(
        "LogGroupName", "/aws/sagemaker/TrainingJobs",
        "KmsKeyId", Map.of("Fn::ImportValue", Match.stringLikeRegexp(".*Key.*Arn.*")),
        "RetentionInDays", 365)));
    List<IamRules.Statement> statements = TestApps.policyStatements(stack, "TrainingExecutionRolePolicy");
    assertTrue(IamRules.allowed(statements, "logs:CreateLogGroup").isEmpty());
    assertEquals(1, IamRules.allowed(statements, "logs:PutLogEvents").size());
  }

  @Test
  void trainingImageIsADigestParameterWithoutContext() {
    template.hasParameter("TrainingImageDigest", Match.objectLike(Map.of("AllowedPattern", "^sha256:[0-9a-f]{64}$")));
    FheMlStacks pinned = TestApps.build(Map.of("trainingImageDigest", "sha256:" + "ef".repeat(32)));
    assertTrue(Template.fromStack(pinned.training()).findParameters("TrainingImageDigest").isEmpty());
    assertTrue(Template.fromStack(pinned.training()).toJSON().toString().contains("@sha256:" + "ef".repeat(32)));
  }

  // Issue 12, item 5: the state machine is encrypted with the project key; KMS only through services.

  @Test
  @SuppressWarnings("unchecked")
  void stateMachineIsEncryptedWithTheProjectKeyAndItsRoleUsesTheKeyForItOnly() {
    Map<String, Object> machine = TestApps.properties(
        TestApps.resource(stack, "AWS::StepFunctions::StateMachine", "StateMachine"));
    Map<String, Object> encryption = (Map<String, Object>) machine.get("EncryptionConfiguration");
    assertTrue(encryption != null, machine.keySet().toString());
    assertEquals("CUSTOMER_MANAGED_KMS_KEY", encryption.get("Type"));
    assertTrue(CfnText.text(encryption.get("KmsKeyId")).matches("<import:.*Key.*Arn.*>"), encryption.toString());
    IamRules.Statement data = TestApps.policyStatements(stack, "StateMachineRolePolicy").stream()
        .filter(st -> "EncryptedStateMachineData".equals(st.sid())).findFirst().orElseThrow();
    Map<String, Object> equals = ((Map<String, Map<String, Object>>) data.condition()).get("StringEquals");
    assertEquals("arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:stateMachine:fhe-ml-training",
        CfnText.text(equals.get("kms:EncryptionContext:aws:states:stateMachineArn")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyKmsGrantOfTheServiceRolesIsConditioned() {
    TestApps.resources(stack, "AWS::IAM::ManagedPolicy").forEach((id, policy) -> {
      for (IamRules.Statement st : IamRules.statements(
          (Map<String, Object>) TestApps.properties(policy).get("PolicyDocument"))) {
        if (st.actions().stream().anyMatch(a -> a.startsWith("kms:"))) {
          String condition = String.valueOf(st.condition());
          assertTrue(condition.contains("kms:ViaService") || condition.contains("kms:EncryptionContext")
              || condition.contains("kms:GrantIsForAWSResource"), id + ": " + st);
        }
      }
    });
    IamRules.Statement publish = TestApps.policyStatements(stack, "PublishFunctionRolePolicy").stream()
        .filter(st -> st.actions().contains("kms:Decrypt")).findFirst().orElseThrow();
    assertEquals(List.of("s3.<AWS::Region>.amazonaws.com"), CfnText.texts(
        ((Map<String, Map<String, Object>>) publish.condition()).get("StringEquals").get("kms:ViaService")));
  }
  /**
   * The Choice rules of Amazon States Language (JSONPath) as far as this state machine uses them:
   * variables {@code $.field}, And/Or/Not, IsPresent, IsBoolean, BooleanEquals. Like Step Functions,
   * And and Or stop at the first deciding rule, and any other test of a field that is not in the
   * input fails the execution (here: the test).
   */
  private static final class ChoiceRules {
    static String next(JsonNode choice, JsonNode input) {
      for (JsonNode rule : choice.get("Choices")) {
        if (matches(rule, input)) {
          return rule.get("Next").asText();
        }
      }
      assertTrue(choice.has("Default"), "no rule matched and no Default: " + input);
      return choice.get("Default").asText();
    }

    private static boolean matches(JsonNode rule, JsonNode input) {
      if (rule.has("And") || rule.has("Or")) {
        boolean and = rule.has("And");
        for (JsonNode inner : rule.get(and ? "And" : "Or")) {
          if (matches(inner, input) != and) {
            return !and;
          }
        }
        return and;
      }
      if (rule.has("Not")) {
        return !matches(rule.get("Not"), input);
      }
      String variable = rule.get("Variable").asText();
      assertTrue(variable.matches("\\$\\.[A-Za-z_]+"), "variable not modelled: " + variable);
      String field = variable.substring(2);
      if (rule.has("IsPresent")) {
        return input.has(field) == rule.get("IsPresent").asBoolean();
      }
      assertTrue(input.has(field), "Step Functions fails the execution: " + variable + " is not in " + input);
      JsonNode value = input.get(field);
      if (rule.has("IsBoolean")) {
        return value.isBoolean() == rule.get("IsBoolean").asBoolean();
      }
      if (rule.has("BooleanEquals")) {
        return value.isBoolean() && value.asBoolean() == rule.get("BooleanEquals").asBoolean();
      }
      throw new AssertionError("comparison not modelled: " + rule);
    }
  }
}
