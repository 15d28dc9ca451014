package dev.fheml.infra.access;

import dev.fheml.infra.access.PolicyTemplate.Placeholder;
import dev.fheml.infra.common.Iam;
import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.LogGroupNames;
import dev.fheml.infra.common.NagReview;
import dev.fheml.infra.storage.StorageResources;
import dev.fheml.protocol.ExchangeLayout;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.AccountRootPrincipal;
import software.amazon.awscdk.services.iam.IPrincipal;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * The human and client roles. Each role's permissions are exactly its document in {@code policies/},
 * rendered with this deployment's names; the roles trust the account (grant {@code sts:AssumeRole}
 * on them to the people and applications that need them), the human roles only with MFA.
 */
public final class AccessStack extends Stack {

  /** The roles, their policy documents and why their remaining wildcards are needed. */
  public enum AccessRole {
    MODEL_TRAINER("model-trainer", true,
        "Training data and the ONNX model to import are managed under the data bucket's training and import"
            + " prefixes and trained models are read"
            + " under models/ of the artifact bucket (object keys chosen per run); executions, training"
            + " jobs and their log streams are named per run after the project's state machine and job"
            + " prefix; stack outputs are read from the storage and training stacks (the trailing * is the"
            + " stack id CloudFormation appends)."),
    ENDPOINT_DEPLOYER("endpoint-deployer", true,
        "ecr:GetAuthorizationToken supports only Resource \"*\" (alone in its statement); the training"
            + " output is read from executions of the project's state machine (named per run); stack"
            + " outputs are read from the project's four stacks (the trailing * is the stack id CloudFormation"
            + " appends)."),
    CLIENT("client", false,
        "A client writes keys/<model-id>/<key-id> and queries/<client>/<uuid>, and reads the"
            + " results/ and failures/ objects SageMaker names per request and client/<model-id>/client.zip:"
            + " object names are only known per request, so each grant is one exchange-bucket prefix.");

    private final String id;
    private final boolean requireMfa;
    private final String wildcardReason;

    AccessRole(String id, boolean requireMfa, String wildcardReason) {
      this.id = id;
      this.requireMfa = requireMfa;
      this.wildcardReason = wildcardReason;
    }

    /** The role name suffix and the document's base name. */
    public String id() {
      return id;
    }

    public String policyFile() {
      return id + ".json";
    }

    public boolean requireMfa() {
      return requireMfa;
    }
  }

  private final Map<AccessRole, Role> roles = new EnumMap<>(AccessRole.class);

  public AccessStack(Construct scope, String id, AccessStackProps props) {
    super(scope, id, props.stackProps());
    Map<Placeholder, String> values = placeholderValues(props.config(), props.storage(), props.trainingStateMachine());
    for (AccessRole accessRole : AccessRole.values()) {
      Map<String, Object> document = PolicyTemplate.render(PolicyTemplate.load(accessRole.policyFile()), values);
      String name = props.config().namePrefix() + "-" + accessRole.id();
      IPrincipal trust = accessRole.requireMfa()
          ? new AccountRootPrincipal().withConditions(Map.of("Bool", Map.of("aws:MultiFactorAuthPresent", "true")))
          : new AccountRootPrincipal();
      ManagedPolicy policy = ManagedPolicy.Builder.create(this, accessRole.name() + "Policy")
          .description("fhe-ml " + accessRole.id() + ", from policies/" + accessRole.policyFile())
          .document(PolicyDocument.fromJson(document))
          .build();
      Role role = Role.Builder.create(this, accessRole.name())
          .roleName(name)
          .description("fhe-ml " + accessRole.id() + " (policies/" + accessRole.policyFile() + ")")
          .assumedBy(trust)
          .managedPolicies(List.of(policy))
          .build();
      NagReview.acknowledge(policy, "AwsSolutions-IAM5", accessRole.wildcardReason,
          wildcardFindings(accessRole, props.config()).toArray(String[]::new));
      roles.put(accessRole, role);
      CfnOutput.Builder.create(this, accessRole.name() + "RoleArn").value(role.getRoleArn()).build();
    }
  }

  public Role role(AccessRole accessRole) {
    return roles.get(accessRole);
  }

  /** The values of the placeholders for this deployment (CDK tokens where they are resources). */
  static Map<Placeholder, String> placeholderValues(InfraConfig config, StorageResources storage,
      StateMachine stateMachine) {
    Map<Placeholder, String> values = new EnumMap<>(Placeholder.class);
    values.put(Placeholder.Partition, Aws.PARTITION);
    values.put(Placeholder.Region, Aws.REGION);
    values.put(Placeholder.AccountId, Aws.ACCOUNT_ID);
    values.put(Placeholder.NamePrefix, config.namePrefix());
    values.put(Placeholder.ArtifactBucket, storage.artifacts().getBucketName());
    values.put(Placeholder.DataBucket, storage.data().getBucketName());
    values.put(Placeholder.ExchangeBucket, storage.exchange().getBucketName());
    values.put(Placeholder.KeyArn, storage.key().getKeyArn());
    values.put(Placeholder.EndpointName, config.endpointName());
    values.put(Placeholder.StateMachineName, stateMachine.getStateMachineName());
    values.put(Placeholder.TrainingJobPrefix, config.trainingJobPrefix());
    values.put(Placeholder.TrainingDataPrefix, config.trainingDataPrefix());
    values.put(Placeholder.ImportModelPrefix, config.importModelPrefix());
    values.put(Placeholder.TrainingRepository, storage.trainingRepository().getRepositoryName());
    values.put(Placeholder.InferenceRepository, storage.inferenceRepository().getRepositoryName());
    values.put(Placeholder.CdkQualifier, config.cdkQualifier());
    // By name, like the endpoint: this stack is deployed before the endpoint stack and imports nothing
    // from it. Without the queue (clientNotifications=false) the statements naming it are left out.
    if (config.clientNotifications()) {
      values.put(Placeholder.NotificationQueueArn, Iam.arn("sqs", config.notificationQueueName()));
    }
    return values;
  }

  /** The IAM5 findings each document is expected to produce; anything else stays unacknowledged. */
  private static List<String> wildcardFindings(AccessRole role, InfraConfig config) {
    String arn = "Resource::arn:<AWS::Partition>:";
    String s3 = "arn:<AWS::Partition>:s3:::";
    String account = "<AWS::Region>:<AWS::AccountId>:";
    String executions = "/^" + NagReview.literal(arn + "states:" + account + "execution:")
        + NagReview.ref("StateMachine") + ":\\*$/";
    List<String> stacks = config.stackNames().stream().map(name -> arn + "cloudformation:" + account + "stack/"
        + name + "/*").toList();
    return switch (role) {
      case MODEL_TRAINER -> List.of(
          NagReview.objectsUnder(s3, "DataBucket", config.trainingDataPrefix(), config.importModelPrefix()),
          NagReview.objectsUnder(s3, "ArtifactsBucket", ExchangeLayout.MODELS),
          executions,
          arn + "sagemaker:" + account + "training-job/" + config.trainingJobPrefix() + "*",
          arn + "logs:" + account + "log-group:" + LogGroupNames.TRAINING_JOBS + ":log-stream:"
              + config.trainingJobPrefix() + "*",
          stacks.get(0), stacks.get(1));
      case ENDPOINT_DEPLOYER -> concat(List.of("Resource::*", executions), stacks);
      case CLIENT -> List.of(NagReview.objectsUnder(s3, "ExchangeBucket", ExchangeLayout.KEYS,
          ExchangeLayout.QUERIES, ExchangeLayout.RESULTS, ExchangeLayout.FAILURES, ExchangeLayout.CLIENT));
    };
  }

  private static List<String> concat(List<String> first, List<String> second) {
    return java.util.stream.Stream.concat(first.stream(), second.stream()).toList();
  }

  /** Props of {@link AccessStack}. */
  public record AccessStackProps(StackProps stackProps, InfraConfig config, StorageResources storage,
      StateMachine trainingStateMachine) {
    public AccessStackProps {
      Objects.requireNonNull(stackProps, "stackProps");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(storage, "storage");
      Objects.requireNonNull(trainingStateMachine, "trainingStateMachine");
    }
  }
}
