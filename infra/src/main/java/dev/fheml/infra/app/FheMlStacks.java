package dev.fheml.infra.app;

import dev.fheml.infra.access.AccessStack;
import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.NagReview;
import dev.fheml.infra.endpoint.EndpointStack;
import dev.fheml.infra.storage.StorageStack;
import dev.fheml.infra.storage.WorkloadProps;
import dev.fheml.infra.training.TrainingStack;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.DefaultStackSynthesizer;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PermissionsBoundary;

/**
 * Wires the stacks of the app, one per concern, passing resources through typed props, and adds the
 * cdk-nag packs. Used by {@link FheMlApp#main} and by the tests, so both see the same wiring.
 */
public record FheMlStacks(StorageStack storage, TrainingStack training, EndpointStack endpoint, AccessStack access) {

  public static FheMlStacks create(App app, InfraConfig config) {
    NagReview.addPacks(app);
    StorageStack storage = new StorageStack(app, config.storageStackName(),
        stackProps(config, "Storage: KMS key, artifact/data/exchange buckets, ECR repositories, isolated VPC,"
            + " alarm topic"), config);
    TrainingStack training = new TrainingStack(app, config.trainingStackName(), WorkloadProps.builder()
        .stackProps(stackProps(config, "Training: SageMaker training role and state machine, client.zip publishing"))
        .config(config)
        .storage(storage.resources())
        .build());
    EndpointStack endpoint = new EndpointStack(app, config.endpointStackName(), WorkloadProps.builder()
        .stackProps(stackProps(config, "Endpoint: SageMaker async endpoint, autoscaling 0..N, alarms, client"
            + " notification queue"))
        .config(config)
        .storage(storage.resources())
        .build());
    AccessStack access = new AccessStack(app, config.accessStackName(), new AccessStack.AccessStackProps(
        stackProps(config, "Access: model trainer, endpoint deployer and client roles from policies/"),
        config, storage.resources(), training.stateMachine()));
    FheMlStacks stacks = new FheMlStacks(storage, training, endpoint, access);
    for (Stack stack : stacks.all()) {
      PermissionsBoundary.of(stack).apply(
          ManagedPolicy.fromManagedPolicyName(stack, "PermissionsBoundary", config.permissionsBoundaryName()));
      Tags.of(stack).add(InfraConfig.PROJECT_TAG, config.namePrefix());
    }
    return stacks;
  }

  public List<Stack> all() {
    return List.of(storage, training, endpoint, access);
  }

  /**
   * Environment-agnostic unless CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION are both set (the CLI sets
   * them when it finds credentials). Deployed through the roles of the project's own CDK bootstrap
   * (qualifier {@code cdkQualifier}, see scripts/bootstrap.sh), whose CloudFormation execution role
   * has only the scoped policy in policies/bootstrap/.
   */
  private static StackProps stackProps(InfraConfig config, String description) {
    StackProps.Builder props = StackProps.builder()
        .description("fhe-ml " + description)
        .synthesizer(DefaultStackSynthesizer.Builder.create().qualifier(config.cdkQualifier()).build());
    String account = System.getenv("CDK_DEFAULT_ACCOUNT");
    String region = System.getenv("CDK_DEFAULT_REGION");
    if (account != null && region != null) {
      props.env(Environment.builder().account(account).region(region).build());
    }
    return props.build();
  }
}
