package dev.fheml.infra.training;

import dev.fheml.infra.common.Iam.ServiceRole;
import dev.fheml.infra.common.Iam;
import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.LogGroupNames;
import dev.fheml.infra.common.Logs;
import dev.fheml.infra.common.NagReview;
import dev.fheml.infra.storage.StorageResources;
import dev.fheml.infra.storage.WorkloadProps;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.Manifest;
import dev.fheml.protocol.TrainingChannels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.stepfunctions.CustomState;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.TaskInput;
import software.amazon.awscdk.services.stepfunctions.tasks.LambdaInvoke;
import software.constructs.Construct;

/**
 * Training: the SageMaker training execution role and a state machine that runs the training job
 * ({@code createTrainingJob.sync}) from the training image and the data bucket, then publishes
 * {@code client.zip} under {@code client/<model-id>/} in the exchange bucket.
 *
 * <p>Execution input: {@code {"hyperparameters": {"name": "string value", ...}}} (may be {@code {}}).
 * Execution output: {@code modelId}, {@code modelDataUrl} (give it to the endpoint stack as context
 * {@code modelDataUrl}), {@code clientZipUrl}, {@code trainingJobName}. The training job is named
 * {@code <prefix>-train-<execution name>}, so an execution name has at most 36 characters
 * ([A-Za-z0-9-]; the default, a UUID, fits).
 */
public final class TrainingStack extends Stack {
  private static final int MAX_CLIENT_ZIP_BYTES = 64 * 1024 * 1024;

  private final ServiceRole trainingRole;
  private final StateMachine stateMachine;

  public TrainingStack(Construct scope, String id, WorkloadProps props) {
    super(scope, id, props.stackProps());
    InfraConfig config = props.config();
    StorageResources storage = props.storage();

    this.trainingRole = trainingExecutionRole(config, storage);
    Function publish = publishFunction(config, storage);

    String stateMachineArn = Iam.arn("states", "stateMachine:" + config.stateMachineName());
    ServiceRole machineRole = Iam.serviceRole(this, "StateMachineRole", "states.amazonaws.com",
        stateMachineArn, "the fhe-ml training state machine");
    machineRole.add(
        Iam.allow("RunTrainingJob", List.of("sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob",
            "sagemaker:StopTrainingJob"), List.of(trainingJobArn(config))),
        Iam.allow("PassTrainingRoleToSageMaker", List.of("iam:PassRole"), List.of(trainingRole.role().getRoleArn()),
            Map.of("StringEquals", Map.of("iam:PassedToService", "sagemaker.amazonaws.com"))),
        Iam.allow("SyncTrainingJobEvents", List.of("events:PutTargets", "events:PutRule", "events:DescribeRule"),
            List.of(Iam.arn("events", "rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"))),
        Iam.allow("InvokePublishFunction", List.of("lambda:InvokeFunction"), List.of(publish.getFunctionArn())),
        Iam.allow("LogDeliveryRequiresStar", List.of("logs:CreateLogDelivery", "logs:GetLogDelivery",
            "logs:UpdateLogDelivery", "logs:DeleteLogDelivery", "logs:ListLogDeliveries",
            "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"), List.of("*")),
        Iam.allow("XRayRequiresStar", List.of("xray:PutTraceSegments", "xray:PutTelemetryRecords",
            "xray:GetSamplingRules", "xray:GetSamplingTargets"), List.of("*")));
    NagReview.acknowledge(machineRole.policy(), "AwsSolutions-IAM5",
        "Training jobs are named <prefix>-train-<execution name>, unknown until an execution starts, so"
            + " the job ARN ends in a wildcard after the project prefix. CloudWatch Logs vended-log"
            + " delivery (required for ALL-level state machine logging) and X-Ray tracing do not support"
            + " resource-level permissions; those actions are alone in their Resource \"*\" statements.",
        "/^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job\\/"
            + config.trainingJobPrefix() + "\\*$/",
        "Resource::*");

    CustomState train = new CustomState(this, "TrainModel", software.amazon.awscdk.services.stepfunctions
        .CustomStateProps.builder().stateJson(trainingTask(config, storage, trainingRole.role().getRoleArn())).build());
    LambdaInvoke publishClient = LambdaInvoke.Builder.create(this, "PublishClientZip")
        .lambdaFunction(publish)
        .payload(TaskInput.fromObject(Map.of(
            "modelDataUrl.$", "$.training.modelDataUrl",
            "trainingJobName.$", "$.training.trainingJobName")))
        .payloadResponseOnly(true)
        .retryOnServiceExceptions(true)
        .build();

    LogGroup machineLogs = Logs.logGroup(this, "StateMachineLogs", LogGroupNames.stateMachine(config), config, storage.key());
    this.stateMachine = StateMachine.Builder.create(this, "StateMachine")
        .stateMachineName(config.stateMachineName())
        .definitionBody(DefinitionBody.fromChainable(train.next(publishClient)))
        .role(machineRole.immutable())
        .timeout(Duration.seconds(config.trainingMaxRuntimeSeconds() + 3600L))
        .tracingEnabled(true)
        .logs(LogOptions.builder().destination(machineLogs).level(LogLevel.ALL).includeExecutionData(false).build())
        .build();
    stateMachine.getNode().addDependency(machineRole.policy());

    CfnOutput.Builder.create(this, "StateMachineArn").value(stateMachine.getStateMachineArn()).build();
    CfnOutput.Builder.create(this, "TrainingRoleArn").value(trainingRole.role().getRoleArn()).build();
    CfnOutput.Builder.create(this, "ModelOutputPrefix")
        .description("model.tar.gz of each run: <prefix><training job>/output/model.tar.gz; the execution"
            + " output's modelDataUrl names it")
        .value("s3://" + storage.artifacts().getBucketName() + "/" + ExchangeLayout.MODELS)
        .build();
  }

  public StateMachine stateMachine() {
    return stateMachine;
  }

  public ServiceRole trainingRole() {
    return trainingRole;
  }

  private static String trainingJobArn(InfraConfig config) {
    return Iam.arn("sagemaker", "training-job/" + config.trainingJobPrefix() + "*");
  }

  /**
   * The role the training job runs as: pulls the training image, reads the {@code train/} prefix of
   * the data bucket, writes {@code models/} of the artifact bucket, encrypts volume and output with
   * the key, writes its own log streams.
   */
  private ServiceRole trainingExecutionRole(InfraConfig config, StorageResources storage) {
    ServiceRole role = Iam.serviceRole(this, "TrainingExecutionRole", "sagemaker.amazonaws.com",
        trainingJobArn(config), "the fhe-ml SageMaker training job");
    Iam.ecrPull(storage.trainingRepository().getRepositoryArn()).forEach(role::add);
    String trainingLogs = Iam.arn("logs", "log-group:/aws/sagemaker/TrainingJobs");
    role.add(
        Iam.allow("ListTrainingData", List.of("s3:ListBucket"), List.of(storage.data().getBucketArn()),
            Map.of("StringLike", Map.of("s3:prefix", config.trainingDataPrefix() + "*"))),
        Iam.allow("ReadTrainingData", List.of("s3:GetObject"), Iam.objects(storage.data(), config.trainingDataPrefix())),
        Iam.allow("WriteModelArtifacts", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
            Iam.objects(storage.artifacts(), ExchangeLayout.MODELS)),
        Iam.keyUse("EncryptDataVolumeAndOutput", storage.key(), "kms:Decrypt", "kms:Encrypt",
            "kms:GenerateDataKey", "kms:DescribeKey"),
        Iam.allow("GrantKeyToVolume", List.of("kms:CreateGrant"), List.of(storage.key().getKeyArn()),
            Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true"))),
        Iam.allow("TrainingLogGroup", List.of("logs:CreateLogGroup", "logs:DescribeLogStreams"),
            List.of(trainingLogs + ":*")),
        Iam.allow("TrainingLogStreams", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
            List.of(trainingLogs + ":log-stream:" + config.trainingJobPrefix() + "*")));
    NagReview.acknowledge(role.policy(), "AwsSolutions-IAM5",
        "ecr:GetAuthorizationToken supports only Resource \"*\" (alone in its statement). S3 access is"
            + " scoped to the train/ prefix of the data bucket (read) and models/ of the artifact bucket"
            + " (write): object keys below them are chosen per run. Log streams are named after the"
            + " training job (<prefix>-train-*) inside SageMaker's fixed /aws/sagemaker/TrainingJobs group.",
        "Resource::*",
        NagReview.objectsUnder("", "DataBucket", config.trainingDataPrefix()),
        NagReview.objectsUnder("", "ArtifactsBucket", ExchangeLayout.MODELS),
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs:*",
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/sagemaker/TrainingJobs"
            + ":log-stream:" + config.trainingJobPrefix() + "*");
    return role;
  }

  private Function publishFunction(InfraConfig config, StorageResources storage) {
    String name = LogGroupNames.publishFunctionName(config);
    ServiceRole role = Iam.serviceRole(this, "PublishFunctionRole", "lambda.amazonaws.com",
        Iam.arn("lambda", "function:" + name), "the fhe-ml client.zip publishing function");
    LogGroup logs = Logs.logGroup(this, "PublishFunctionLogs", LogGroupNames.publishFunction(config), config, storage.key());
    role.add(
        Iam.allow("ReadModelArtifact", List.of("s3:GetObject"), Iam.objects(storage.artifacts(), ExchangeLayout.MODELS)),
        Iam.allow("WriteClientZip", List.of("s3:PutObject"), Iam.objects(storage.exchange(), ExchangeLayout.CLIENT)),
        Iam.keyUse("DecryptModelEncryptClientZip", storage.key(), "kms:Decrypt", "kms:GenerateDataKey"),
        Iam.allow("WriteOwnLogs", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
            List.of(logs.getLogGroupArn())));
    NagReview.acknowledge(role.policy(), "AwsSolutions-IAM5",
        "Reads any model.tar.gz under models/ of the artifact bucket (one per training job, key known only"
            + " at run time) and writes client/<model-id>/client.zip in the exchange bucket (model id read"
            + " from the artifact). Log streams are created per function instance in its own log group.",
        NagReview.objectsUnder("", "ArtifactsBucket", ExchangeLayout.MODELS),
        NagReview.objectsUnder("", "ExchangeBucket", ExchangeLayout.CLIENT),
        "/^Resource::<PublishFunctionLogs.*\\.Arn>$/");

    Map<String, String> environment = new LinkedHashMap<>();
    environment.put("ARTIFACT_BUCKET", storage.artifacts().getBucketName());
    environment.put("EXCHANGE_BUCKET", storage.exchange().getBucketName());
    environment.put("MODELS_PREFIX", ExchangeLayout.MODELS);
    environment.put("CLIENT_PREFIX", ExchangeLayout.CLIENT);
    environment.put("CLIENT_ZIP", ArtifactNames.CLIENT_ZIP);
    environment.put("MANIFEST_ENTRY", ArtifactNames.MANIFEST_ENTRY);
    environment.put("MODEL_ID_FIELD", Manifest.MODEL_ID_FIELD);
    environment.put("MAX_CLIENT_ZIP_BYTES", Integer.toString(MAX_CLIENT_ZIP_BYTES));
    Function function = Function.Builder.create(this, "PublishFunction")
        .functionName(name)
        .description("Publishes client.zip from model.tar.gz to client/<model-id>/ in the exchange bucket")
        .runtime(Runtime.PYTHON_3_14)
        .handler("index.handler")
        .code(Code.fromInline(resource("publish_client.py")))
        .memorySize(512)
        .timeout(Duration.minutes(5))
        .role(role.immutable())
        .logGroup(logs)
        .environment(environment)
        .environmentEncryption(storage.key())
        .build();
    function.getNode().addDependency(role.policy());
    NagReview.acknowledgeRules(function,
        "Invoked synchronously, once per training run, by the training state machine, which sees and"
            + " reports every failure; a dead-letter queue only applies to asynchronous invocations.",
        "HIPAA.Security-LambdaDLQ", "NIST.800.53.R5-LambdaDLQ");
    NagReview.acknowledgeRules(function,
        "One invocation per training run: reserving concurrency would take capacity from the account's"
            + " unreserved pool (and fails outright in accounts at the minimum of 10) without a benefit.",
        "HIPAA.Security-LambdaConcurrency", "NIST.800.53.R5-LambdaConcurrency");
    NagReview.acknowledgeRules(function,
        "The function talks only to S3 with its role's scoped permissions over TLS (buckets deny non-TLS);"
            + " this deployment has no VPC, and the SageMaker job and endpoint run without one as well.",
        "HIPAA.Security-LambdaInsideVPC", "NIST.800.53.R5-LambdaInsideVPC");
    return function;
  }

  /**
   * Job metrics read from the training image's log: {@code metric: NAME=VALUE} lines (the image's
   * {@code MetricLines}) and the per-epoch {@code val_acc_q} of its progress lines.
   */
  static final List<Map<String, String>> METRIC_DEFINITIONS = List.of(
      Map.of("Name", "test:accuracy_quantized", "Regex", "metric: accuracy_quantized=([0-9.]+)"),
      Map.of("Name", "test:accuracy_noisy", "Regex", "metric: accuracy_noisy_simulated=([0-9.]+)"),
      Map.of("Name", "test:accuracy_plain", "Regex", "metric: accuracy_plain=([0-9.]+)"),
      Map.of("Name", "validation:accuracy", "Regex", "val_acc_q ([0-9.]+)"));

  /** The training task, written as Amazon States Language: the L2 task lacks inter-container encryption. */
  private static Map<String, Object> trainingTask(InfraConfig config, StorageResources storage,
      String trainingRoleArn) {
    String image = storage.trainingImage(config);
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("TrainingJobName.$", "States.Format('" + config.trainingJobPrefix() + "{}', $$.Execution.Name)");
    parameters.put("RoleArn", trainingRoleArn);
    parameters.put("AlgorithmSpecification", Map.of("TrainingImage", image, "TrainingInputMode", "File",
        "MetricDefinitions", METRIC_DEFINITIONS));
    parameters.put("HyperParameters.$", "$.hyperparameters");
    parameters.put("InputDataConfig", List.of(Map.of(
        "ChannelName", TrainingChannels.TRAIN,
        "DataSource", Map.of("S3DataSource", Map.of(
            "S3DataType", "S3Prefix",
            "S3DataDistributionType", "FullyReplicated",
            "S3Uri", "s3://" + storage.data().getBucketName() + "/" + config.trainingDataPrefix())))));
    parameters.put("OutputDataConfig", Map.of(
        "S3OutputPath", "s3://" + storage.artifacts().getBucketName() + "/" + ExchangeLayout.MODELS,
        "KmsKeyId", storage.key().getKeyArn()));
    parameters.put("ResourceConfig", Map.of(
        "InstanceType", config.trainingInstanceType(),
        "InstanceCount", 1,
        "VolumeSizeInGB", config.trainingVolumeSizeGb(),
        "VolumeKmsKeyId", storage.key().getKeyArn()));
    parameters.put("StoppingCondition", Map.of("MaxRuntimeInSeconds", config.trainingMaxRuntimeSeconds()));
    parameters.put("EnableInterContainerTrafficEncryption", true);
    parameters.put("EnableNetworkIsolation", true);
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("Type", "Task");
    state.put("Resource", "arn:" + Aws.PARTITION + ":states:::sagemaker:createTrainingJob.sync");
    state.put("Parameters", parameters);
    state.put("ResultSelector", Map.of(
        "modelDataUrl.$", "$.ModelArtifacts.S3ModelArtifacts",
        "trainingJobName.$", "$.TrainingJobName"));
    state.put("ResultPath", "$.training");
    return state;
  }

  private static String resource(String name) {
    try (InputStream in = TrainingStack.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to " + TrainingStack.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
