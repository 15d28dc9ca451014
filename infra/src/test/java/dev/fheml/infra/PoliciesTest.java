package dev.fheml.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.infra.IamRules.Statement;
import dev.fheml.infra.access.AccessStack.AccessRole;
import dev.fheml.infra.access.PolicyTemplate;
import dev.fheml.infra.access.PolicyTemplate.Placeholder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The documents in policies/, rendered with example values, against the rules of issue 2. */
class PoliciesTest {
  private static final String EXCHANGE = "arn:aws:s3:::example-exchange";
  private static final String ARTIFACTS = "arn:aws:s3:::example-artifacts";
  private static final String DATA = "arn:aws:s3:::example-data";
  private static final String QUEUE = "arn:aws:sqs:eu-west-1:123456789012:fhe-ml-client-notifications";
  static final Map<Placeholder, String> EXAMPLE = example();

  private static Map<Placeholder, String> example() {
    Map<Placeholder, String> values = new EnumMap<>(Placeholder.class);
    values.put(Placeholder.Partition, "aws");
    values.put(Placeholder.Region, "eu-west-1");
    values.put(Placeholder.AccountId, "123456789012");
    values.put(Placeholder.NamePrefix, "fhe-ml");
    values.put(Placeholder.ArtifactBucket, "example-artifacts");
    values.put(Placeholder.DataBucket, "example-data");
    values.put(Placeholder.ExchangeBucket, "example-exchange");
    values.put(Placeholder.KeyArn, "arn:aws:kms:eu-west-1:123456789012:key/0000aaaa-bbbb-cccc-dddd-eeeeffff0000");
    values.put(Placeholder.EndpointName, "fhe-ml-endpoint");
    values.put(Placeholder.StateMachineName, "fhe-ml-training");
    values.put(Placeholder.TrainingJobPrefix, "fhe-ml-train-");
    values.put(Placeholder.TrainingDataPrefix, "train/");
    values.put(Placeholder.ImportModelPrefix, "import/");
    values.put(Placeholder.TrainingRepository, "fhe-ml-training");
    values.put(Placeholder.InferenceRepository, "fhe-ml-inference");
    values.put(Placeholder.CdkQualifier, "hnb659fds");
    values.put(Placeholder.NotificationQueueArn, QUEUE);
    assertEquals(Placeholder.values().length, values.size(), "every placeholder has an example value");
    return values;
  }

  private static List<Statement> rendered(AccessRole role) {
    return IamRules.statements(PolicyTemplate.render(PolicyTemplate.load(role.policyFile()), EXAMPLE));
  }

  @Test
  void everyDocumentBelongsToARoleAndEveryRoleHasADocument() throws IOException {
    Set<String> files;
    try (Stream<Path> list = Files.list(PolicyTemplate.directory())) {
      files = list.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> roles = Arrays.stream(AccessRole.values()).map(AccessRole::policyFile)
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(roles, files);
  }

  @ParameterizedTest
  @EnumSource(AccessRole.class)
  void documentIsValidAndLeastPrivilege(AccessRole role) {
    String template = PolicyTemplate.load(role.policyFile());
    Set<String> known = Arrays.stream(Placeholder.values()).map(Enum::name).collect(Collectors.toSet());
    assertTrue(known.containsAll(PolicyTemplate.placeholders(template)),
        "unknown placeholders in " + role.policyFile() + ": " + PolicyTemplate.placeholders(template));
    List<Statement> statements = rendered(role);
    IamRules.assertLeastPrivilege(role.policyFile(), statements);
    Set<String> sids = new TreeSet<>();
    for (Statement s : statements) {
      assertTrue(s.sid() != null && sids.add(s.sid()), "every statement has a distinct Sid: " + s);
      for (String resource : s.resources()) {
        assertTrue(resource.equals("*") || resource.startsWith("arn:aws:"), "resource is an ARN: " + resource);
        assertFalse(resource.contains("{{"), "unrendered placeholder: " + resource);
      }
    }
  }

  @Test
  void clientWritesOnlyKeysAndQueriesAndReadsOnlyResultsFailuresAndClient() {
    List<Statement> client = rendered(AccessRole.CLIENT);
    assertEquals(List.of(EXCHANGE + "/keys/*", EXCHANGE + "/queries/*"), IamRules.allowed(client, "s3:PutObject"));
    assertEquals(List.of(EXCHANGE + "/client/*", EXCHANGE + "/failures/*", EXCHANGE + "/results/*"),
        IamRules.allowed(client, "s3:GetObject"));
    assertEquals(List.of("arn:aws:sagemaker:eu-west-1:123456789012:endpoint/fhe-ml-endpoint"),
        IamRules.allowed(client, "sagemaker:InvokeEndpointAsync"));
    for (Statement s : client) {
      if (s.effect().equals("Allow")) {
        for (String resource : s.resources()) {
          assertFalse(resource.startsWith(ARTIFACTS) || resource.startsWith(DATA), "client allowed on " + resource);
        }
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientListsOutputsItsArtifactAndKeysButNotQueries() {
    List<Statement> list = rendered(AccessRole.CLIENT).stream().filter(s -> s.actions().contains("s3:ListBucket")).toList();
    assertEquals(1, list.size());
    assertEquals(List.of(EXCHANGE), list.get(0).resources());
    Map<String, Object> like = ((Map<String, Map<String, Object>>) list.get(0).condition()).get("StringLike");
    assertEquals(Map.of("s3:prefix", List.of("results/*", "failures/*", "client/*", "keys/*")), like);
    assertEquals(Set.of("StringLike"), ((Map<String, Object>) list.get(0).condition()).keySet());
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientReceivesAndDeletesOnTheNotificationQueueAndNothingElseInSqs() {
    List<Statement> client = rendered(AccessRole.CLIENT);
    List<String> sqsActions = client.stream().flatMap(s -> s.actions().stream()).filter(a -> a.startsWith("sqs:"))
        .sorted().toList();
    assertEquals(List.of("sqs:DeleteMessage", "sqs:ReceiveMessage"), sqsActions,
        "DeleteMessageBatch is authorized as sqs:DeleteMessage; no GetQueueAttributes, GetQueueUrl or SendMessage");
    assertEquals(List.of(QUEUE), IamRules.allowed(client, "sqs:ReceiveMessage"));
    assertEquals(List.of(QUEUE), IamRules.allowed(client, "sqs:DeleteMessage"));

    List<Statement> decrypt = client.stream().filter(s -> s.actions().contains("kms:Decrypt")).toList();
    assertEquals(2, decrypt.size(), decrypt.toString());
    Set<Object> via = new TreeSet<>();
    for (Statement s : decrypt) {
      assertEquals(List.of(EXAMPLE.get(Placeholder.KeyArn)), s.resources());
      Map<String, Object> equals = ((Map<String, Map<String, Object>>) s.condition()).get("StringEquals");
      via.add(equals.get("kms:ViaService"));
      if ("sqs.eu-west-1.amazonaws.com".equals(equals.get("kms:ViaService"))) {
        assertEquals(List.of("kms:Decrypt"), s.actions(), "reading a queue needs Decrypt only");
        assertEquals(QUEUE, equals.get("kms:EncryptionContext:aws:sqs:arn"), "only that queue's messages");
      }
    }
    assertEquals(Set.of("s3.eu-west-1.amazonaws.com", "sqs.eu-west-1.amazonaws.com"), via);
  }

  @Test
  void withoutANotificationQueueOnlyTheStatementsNamingItAreLeftOut() {
    Map<Placeholder, String> noQueue = new EnumMap<>(EXAMPLE);
    noQueue.remove(Placeholder.NotificationQueueArn);
    List<Statement> without = IamRules.statements(
        PolicyTemplate.render(PolicyTemplate.load(AccessRole.CLIENT.policyFile()), noQueue));
    List<Statement> with = rendered(AccessRole.CLIENT);
    List<Statement> expected = with.stream()
        .filter(s -> !s.resources().contains(QUEUE) && !String.valueOf(s.condition()).contains(QUEUE)).toList();
    assertEquals(with.size() - 2, expected.size());
    assertEquals(expected, without);
    IamRules.assertLeastPrivilege("client.json without a queue", without);
    // Only optional placeholders may be missing.
    Map<Placeholder, String> noKey = new EnumMap<>(EXAMPLE);
    noKey.remove(Placeholder.KeyArn);
    assertThrows(IllegalArgumentException.class,
        () -> PolicyTemplate.render(PolicyTemplate.load(AccessRole.CLIENT.policyFile()), noKey));
    for (Placeholder p : Placeholder.values()) {
      assertEquals(p == Placeholder.NotificationQueueArn, p.optional(), p.name());
    }
  }

  @Test
  void clientCannotReadServerArtifactsEvenWhereAPrefixWouldAllowIt() {
    List<Statement> client = rendered(AccessRole.CLIENT);
    assertTrue(canGet(client, EXCHANGE + "/client/" + "a".repeat(64) + "/client.zip"));
    assertTrue(canGet(client, EXCHANGE + "/results/0b8c.out"));
    for (String forbidden : List.of(
        ARTIFACTS + "/models/fhe-ml-train-1/output/model.tar.gz",
        ARTIFACTS + "/server.zip",
        EXCHANGE + "/client/" + "a".repeat(64) + "/server.zip",
        EXCHANGE + "/results/model.tar.gz",
        EXCHANGE + "/keys/m/k",
        EXCHANGE + "/queries/c/u",
        DATA + "/train/x.csv",
        DATA + "/import/model.onnx")) {
      assertFalse(canGet(client, forbidden), "client can read " + forbidden);
    }
  }

  @Test
  void humanRolesStayOffTheExchangeBucket() {
    for (AccessRole role : List.of(AccessRole.MODEL_TRAINER, AccessRole.ENDPOINT_DEPLOYER)) {
      for (Statement s : rendered(role)) {
        s.resources().forEach(r -> assertFalse(r.startsWith(EXCHANGE), role + " reaches " + r));
      }
    }
    List<Statement> trainer = rendered(AccessRole.MODEL_TRAINER);
    assertEquals(List.of("arn:aws:states:eu-west-1:123456789012:stateMachine:fhe-ml-training"),
        IamRules.allowed(trainer, "states:StartExecution"));
    assertFalse(canGet(rendered(AccessRole.ENDPOINT_DEPLOYER), ARTIFACTS + "/models/j/output/model.tar.gz"));
  }

  @Test
  void renderingRejectsUnknownAndMissingPlaceholders() {
    assertThrows(IllegalArgumentException.class,
        () -> PolicyTemplate.render("{\"Resource\": \"{{NoSuchThing}}\"}", EXAMPLE));
    assertThrows(IllegalArgumentException.class,
        () -> PolicyTemplate.render("{\"Resource\": \"{{Region}}\"}", Map.of()));
    assertEquals(Map.of("Resource", "a\"b"), PolicyTemplate.render("{\"Resource\": \"{{Region}}\"}",
        Map.of(Placeholder.Region, "a\"b")));
    assertThrows(IllegalArgumentException.class, () -> PolicyTemplate.render(
        "{\"Statement\": [{\"Resource\": \"{{NotificationQueueArn}}\", \"X\": \"{{NoSuchThing}}\"}]}", Map.of()),
        "an unknown placeholder is an error even in a statement left out");
  }

  // Issue 12, item 5.

  @Test
  @SuppressWarnings("unchecked")
  void evaluationKeysCanBeCreatedButNeverOverwrittenByAClient() {
    Statement once = rendered(AccessRole.CLIENT).stream()
        .filter(s -> "EvaluationKeysAreWrittenOnceNeverOverwritten".equals(s.sid())).findFirst().orElseThrow();
    assertEquals("Deny", once.effect());
    assertEquals(List.of("s3:PutObject"), once.actions());
    assertEquals(List.of(EXCHANGE + "/keys/*"), once.resources());
    // Denied when the upload creates the object (PutObject, CompleteMultipartUpload) without
    // If-None-Match; the parts of a multipart upload are not object creations and stay allowed.
    Map<String, Map<String, Object>> condition = (Map<String, Map<String, Object>>) once.condition();
    assertEquals(Map.of("s3:ObjectCreationOperation", "true"), condition.get("Bool"));
    assertEquals(Map.of("s3:if-none-match", "true"), condition.get("Null"));
    assertEquals(List.of(EXCHANGE + "/keys/*", EXCHANGE + "/queries/*"), IamRules.allowed(rendered(AccessRole.CLIENT),
        "s3:PutObject"), "the client still uploads keys (once) and queries");
  }

  @Test
  @SuppressWarnings("unchecked")
  void trainerManagesTrainingDataAndTheModelToImportAndNoOtherDataPrefix() {
    List<Statement> trainer = rendered(AccessRole.MODEL_TRAINER);
    for (String action : List.of("s3:PutObject", "s3:GetObject", "s3:DeleteObject")) {
      List<String> data = IamRules.allowed(trainer, action).stream().filter(r -> r.startsWith(DATA)).toList();
      assertEquals(List.of(DATA + "/import/*", DATA + "/train/*"), data, action);
    }
    assertTrue(allows(trainer, "s3:PutObject", DATA + "/import/resnet.onnx"));
    assertTrue(allows(trainer, "s3:DeleteObject", DATA + "/import/old.onnx"));
    assertFalse(allows(trainer, "s3:PutObject", DATA + "/other/model.onnx"));
    List<Statement> list = trainer.stream()
        .filter(s -> s.actions().contains("s3:ListBucket") && s.resources().contains(DATA)).toList();
    assertEquals(1, list.size(), list.toString());
    assertEquals(Map.of("StringLike", Map.of("s3:prefix", List.of("train/*", "import/*"))), list.get(0).condition());
  }

  @Test
  void humanRolesReadTheOutputsOfTheProjectStacksByName() {
    IamRules.assertStackOutputReads(rendered(AccessRole.ENDPOINT_DEPLOYER), rendered(AccessRole.MODEL_TRAINER),
        "arn:aws:cloudformation:eu-west-1:123456789012:stack/");
  }

  /** IAM evaluation for s3:GetObject on one object: some Allow matches and no Deny does. */
  private static boolean canGet(List<Statement> statements, String objectArn) {
    return allows(statements, "s3:GetObject", objectArn);
  }

  /** IAM evaluation for an object action on one object: some unconditioned Allow matches and no Deny does. */
  private static boolean allows(List<Statement> statements, String action, String objectArn) {
    boolean allowed = false;
    for (Statement s : statements) {
      boolean matches = s.actions().contains(action)
          && s.resources().stream().anyMatch(r -> glob(r).matcher(objectArn).matches());
      if (matches && s.effect().equals("Deny")) {
        return false;
      }
      allowed |= matches && s.condition() == null;
    }
    return allowed;
  }

  private static Pattern glob(String resource) {
    StringBuilder regex = new StringBuilder();
    for (char c : resource.toCharArray()) {
      regex.append(switch (c) {
        case '*' -> ".*";
        case '?' -> ".";
        default -> Pattern.quote(String.valueOf(c));
      });
    }
    return Pattern.compile(regex.toString());
  }
}
