package dev.fheml.infra.common;

/**
 * The project's CloudWatch log group names, in one place: the storage stack's key policy lets
 * CloudWatch Logs use the key for exactly these groups, and the stacks that create them use the same
 * names.
 */
public final class LogGroupNames {
  private LogGroupNames() {}

  /**
   * Fixed by SageMaker, one group for every training job of the account and region. The training
   * stack creates it (KMS, retention) so that SageMaker does not create it unencrypted and kept forever.
   */
  public static final String TRAINING_JOBS = "/aws/sagemaker/TrainingJobs";

  /** Fixed by SageMaker: {@code /aws/sagemaker/Endpoints/<endpoint name>}. */
  public static String endpoint(InfraConfig config) {
    return "/aws/sagemaker/Endpoints/" + config.endpointName();
  }

  /** The training state machine's execution log. */
  public static String stateMachine(InfraConfig config) {
    return "/aws/vendedlogs/states/" + config.stateMachineName();
  }

  /** The function that publishes {@code client.zip}. */
  public static String publishFunction(InfraConfig config) {
    return "/aws/lambda/" + publishFunctionName(config);
  }

  public static String publishFunctionName(InfraConfig config) {
    return config.namePrefix() + "-publish-client";
  }
}
