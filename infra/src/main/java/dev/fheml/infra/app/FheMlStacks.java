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
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;

/**
 * Wires the stacks of the app, one per concern, passing resources through typed props, and adds the
 * cdk-nag packs. Used by {@link FheMlApp#main} and by the tests, so both see the same wiring.
 */
public record FheMlStacks(StorageStack storage, TrainingStack training, EndpointStack endpoint, AccessStack access) {

  public static FheMlStacks create(App app, InfraConfig config) {
    NagReview.addPacks(app);
    String prefix = config.namePrefix();
    StorageStack storage = new StorageStack(app, prefix + "-storage",
        stackProps("Storage: KMS key, artifact/data/exchange buckets, ECR repositories"), config);
    TrainingStack training = new TrainingStack(app, prefix + "-training", WorkloadProps.builder()
        .stackProps(stackProps("Training: SageMaker training role and state machine, client.zip publishing"))
        .config(config)
        .storage(storage.resources())
        .build());
    EndpointStack endpoint = new EndpointStack(app, prefix + "-endpoint", WorkloadProps.builder()
        .stackProps(stackProps("Endpoint: SageMaker async endpoint, autoscaling 0..N, alarms, client notification queue"))
        .config(config)
        .storage(storage.resources())
        .build());
    AccessStack access = new AccessStack(app, prefix + "-access", new AccessStack.AccessStackProps(
        stackProps("Access: model trainer, endpoint deployer and client roles from policies/"),
        config, storage.resources(), training.stateMachine()));
    return new FheMlStacks(storage, training, endpoint, access);
  }

  public List<Stack> all() {
    return List.of(storage, training, endpoint, access);
  }

  /**
   * Environment-agnostic unless CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION are both set (the CLI sets
   * them when it finds credentials).
   */
  private static StackProps stackProps(String description) {
    StackProps.Builder props = StackProps.builder().description("fhe-ml " + description);
    String account = System.getenv("CDK_DEFAULT_ACCOUNT");
    String region = System.getenv("CDK_DEFAULT_REGION");
    if (account != null && region != null) {
      props.env(Environment.builder().account(account).region(region).build());
    }
    return props.build();
  }
}
