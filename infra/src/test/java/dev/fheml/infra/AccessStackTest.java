package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.access.AccessStack.AccessRole;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The roles as deployed: policies/ rendered with this deployment's resources. */
class AccessStackTest {
  private final Stack stack = TestApps.defaults().access();
  private final Template template = TestApps.template(stack);

  private List<IamRules.Statement> statements(AccessRole role) {
    return TestApps.policyStatements(stack, role.name().replace("_", "") + "Policy");
  }

  @Test
  void threeNamedRolesEachWithItsDocument() {
    template.resourceCountIs("AWS::IAM::Role", 3);
    template.resourceCountIs("AWS::IAM::ManagedPolicy", 3);
    template.resourceCountIs("AWS::IAM::Policy", 0);
    for (AccessRole role : AccessRole.values()) {
      template.hasResourceProperties("AWS::IAM::Role", Match.objectLike(Map.of(
          "RoleName", "fhe-ml-" + role.id(),
          "ManagedPolicyArns", List.of(Map.of("Ref", Match.stringLikeRegexp("^" + role.name().replace("_", "") + "Policy.*"))))));
      IamRules.assertLeastPrivilege(role.id(), statements(role));
    }
  }

  @Test
  void humanRolesRequireMfaAndTheClientRoleDoesNot() {
    for (AccessRole role : AccessRole.values()) {
      String trust = TestApps.properties(TestApps.resource(stack, "AWS::IAM::Role", role.name().replace("_", "")))
          .get("AssumeRolePolicyDocument").toString();
      assertEquals(role.requireMfa(), trust.contains("aws:MultiFactorAuthPresent=true"), role + ": " + trust);
    }
  }

  @Test
  void clientPrefixesAndDenialsAreThoseOfTheExchangeLayout() {
    List<IamRules.Statement> client = statements(AccessRole.CLIENT);
    List<String> writes = IamRules.allowed(client, "s3:PutObject");
    assertEquals(2, writes.size());
    assertTrue(writes.get(0).matches("arn:<AWS::Partition>:s3:::<import:.*ExchangeBucket.*>/keys/\\*"), writes.toString());
    assertTrue(writes.get(1).matches("arn:<AWS::Partition>:s3:::<import:.*ExchangeBucket.*>/queries/\\*"), writes.toString());
    List<String> reads = IamRules.allowed(client, "s3:GetObject");
    assertEquals(3, reads.size());
    for (String prefix : List.of("client", "failures", "results")) {
      assertTrue(reads.stream().anyMatch(r -> r.matches(".*<import:.*ExchangeBucket.*>/" + prefix + "/\\*")), prefix);
    }
    IamRules.Statement deny = client.stream().filter(s -> "NeverServerArtifactsOrTrainingData".equals(s.sid()))
        .findFirst().orElseThrow();
    assertTrue(deny.actions().contains("s3:GetObject"));
    assertTrue(deny.resources().stream().anyMatch(r -> r.matches(".*<import:.*Artifacts.*>/\\*")), deny.toString());
    assertTrue(deny.resources().stream().anyMatch(r -> r.endsWith("/*server.zip")), deny.toString());
    assertTrue(deny.resources().stream().anyMatch(r -> r.endsWith("/*model.tar.gz")), deny.toString());
    assertEquals(List.of("arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:endpoint/fhe-ml-endpoint"),
        IamRules.allowed(client, "sagemaker:InvokeEndpointAsync"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientReceivesAndDeletesOnTheNotificationQueueOnlyAndDecryptsItThroughSqs() {
    List<IamRules.Statement> client = statements(AccessRole.CLIENT);
    String queue = "arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:fhe-ml-client-notifications";
    List<IamRules.Statement> sqs = client.stream()
        .filter(s -> s.actions().stream().anyMatch(a -> a.startsWith("sqs:"))).toList();
    assertEquals(1, sqs.size(), sqs.toString());
    assertEquals("Allow", sqs.get(0).effect());
    assertEquals(List.of("sqs:ReceiveMessage", "sqs:DeleteMessage"), sqs.get(0).actions());
    assertEquals(List.of(queue), sqs.get(0).resources());
    assertNull(sqs.get(0).condition());
    // The endpoint stack's queue has the name the client policy uses.
    Map<String, Object> deployed = TestApps.properties(TestApps.resource(TestApps.defaults().endpoint(),
        "AWS::SQS::Queue", "ClientNotificationsQueue"));
    assertTrue(queue.endsWith(":" + deployed.get("QueueName")), queue);

    List<IamRules.Statement> viaSqs = client.stream().filter(s -> s.actions().contains("kms:Decrypt"))
        .filter(s -> CfnText.text(((Map<String, Map<String, Object>>) s.condition()).get("StringEquals")
            .get("kms:ViaService")).startsWith("sqs.")).toList();
    assertEquals(1, viaSqs.size(), client.toString());
    assertEquals(List.of("kms:Decrypt"), viaSqs.get(0).actions());
    assertTrue(viaSqs.get(0).resources().get(0).matches("<import:.*Key.*Arn.*>"), viaSqs.toString());
    Map<String, Object> equals = ((Map<String, Map<String, Object>>) viaSqs.get(0).condition()).get("StringEquals");
    assertEquals("sqs.<AWS::Region>.amazonaws.com", CfnText.text(equals.get("kms:ViaService")));
    assertEquals(queue, CfnText.text(equals.get("kms:EncryptionContext:aws:sqs:arn")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientListsOnlyOutputClientArtifactAndKeyPrefixes() {
    List<IamRules.Statement> list = statements(AccessRole.CLIENT).stream()
        .filter(s -> s.actions().contains("s3:ListBucket")).toList();
    assertEquals(1, list.size());
    assertTrue(list.get(0).resources().get(0).matches("arn:<AWS::Partition>:s3:::<import:.*ExchangeBucket.*>"), list.toString());
    Map<String, Object> like = ((Map<String, Map<String, Object>>) list.get(0).condition()).get("StringLike");
    assertEquals(List.of("results/*", "failures/*", "client/*", "keys/*"), like.get("s3:prefix"));
  }

  @Test
  void trainerStartsOnlyTheProjectStateMachine() {
    List<String> start = IamRules.allowed(statements(AccessRole.MODEL_TRAINER), "states:StartExecution");
    assertEquals(1, start.size());
    assertTrue(start.get(0).matches(".*:stateMachine:<import:.*StateMachine.*Name.*>"), start.toString());
    assertFalse(statements(AccessRole.ENDPOINT_DEPLOYER).stream().anyMatch(s -> s.actions().contains("s3:GetObject")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void trainerManagesTheTrainingAndImportPrefixesOfTheDataBucketAsDeployed() {
    List<IamRules.Statement> trainer = statements(AccessRole.MODEL_TRAINER);
    for (String action : List.of("s3:PutObject", "s3:DeleteObject")) {
      List<String> writes = IamRules.allowed(trainer, action);
      assertEquals(2, writes.size(), writes.toString());
      assertTrue(writes.get(0).matches("arn:<AWS::Partition>:s3:::<import:.*DataBucket.*>/import/\\*"), writes.toString());
      assertTrue(writes.get(1).matches("arn:<AWS::Partition>:s3:::<import:.*DataBucket.*>/train/\\*"), writes.toString());
    }
    IamRules.Statement list = trainer.stream()
        .filter(s -> s.actions().contains("s3:ListBucket") && s.resources().get(0).contains("DataBucket"))
        .findFirst().orElseThrow();
    assertEquals(List.of("train/*", "import/*"),
        ((Map<String, Map<String, Object>>) list.condition()).get("StringLike").get("s3:prefix"));
  }

  // Issue 12, item 5, as deployed.

  @Test
  void deployedClientPolicyRefusesToOverwriteEvaluationKeys() {
    IamRules.Statement once = statements(AccessRole.CLIENT).stream()
        .filter(s -> "EvaluationKeysAreWrittenOnceNeverOverwritten".equals(s.sid())).findFirst().orElseThrow();
    assertEquals("Deny", once.effect());
    assertEquals(1, once.resources().size());
    assertTrue(once.resources().get(0).matches("arn:<AWS::Partition>:s3:::<import:.*ExchangeBucket.*>/keys/\\*"),
        once.toString());
    assertEquals(Map.of("Bool", Map.of("s3:ObjectCreationOperation", "true"), "Null", Map.of("s3:if-none-match", "true")),
        once.condition());
  }

  @Test
  void humanRolesReadOutputsOfTheNamedStacksOnly() {
    IamRules.assertStackOutputReads(statements(AccessRole.ENDPOINT_DEPLOYER), statements(AccessRole.MODEL_TRAINER),
        "arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/");
    List<String> assume = IamRules.allowed(statements(AccessRole.ENDPOINT_DEPLOYER), "sts:AssumeRole");
    assertTrue(assume.stream().filter(r -> r.contains(":role/cdk-")).allMatch(r -> r.contains(":role/cdk-fheml-")),
        "the deployer assumes the project bootstrap's roles only: " + assume);
  }
}
