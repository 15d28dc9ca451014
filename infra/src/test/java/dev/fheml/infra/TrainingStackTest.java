package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.Manifest;
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
    Map<String, Object> machine = TestApps.resource(stack, "AWS::StepFunctions::StateMachine", "StateMachine");
    String text = CfnText.text(TestApps.properties(machine).get("DefinitionString"));
    return new ObjectMapper().readTree(text);
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
    assertTrue(p.get("InputDataConfig").get(0).get("DataSource").get("S3DataSource").get("S3Uri").asText()
        .matches("s3://<import:.*DataBucket.*>/train/"));
    assertTrue(p.get("AlgorithmSpecification").get("TrainingImage").asText()
        .matches("<Fn::Select>\\.dkr\\.ecr\\..*/<import:.*TrainingRepository.*>:latest"));
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
  void trainingRoleReadsTrainingDataWritesModelsAndNothingElse() {
    List<IamRules.Statement> statements = TestApps.policyStatements(stack, "TrainingExecutionRolePolicy");
    assertEquals(1, IamRules.allowed(statements, "s3:GetObject").size());
    assertTrue(IamRules.allowed(statements, "s3:GetObject").get(0).matches("<import:.*DataBucket.*>/train/\\*"));
    assertEquals(1, IamRules.allowed(statements, "s3:PutObject").size());
    assertTrue(IamRules.allowed(statements, "s3:PutObject").get(0).matches("<import:.*Artifacts.*>/models/\\*"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyManagedPolicyIsLeastPrivilege() {
    TestApps.resources(stack, "AWS::IAM::ManagedPolicy").forEach((id, p) -> IamRules.assertLeastPrivilege(id,
        IamRules.statements((Map<String, Object>) TestApps.properties(p).get("PolicyDocument"))));
  }
}
