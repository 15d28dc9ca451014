package dev.fheml.infra.training;

import dev.fheml.infra.common.Alarms;
import dev.fheml.infra.common.Iam.ServiceRole;
import dev.fheml.infra.common.Iam;
import dev.fheml.infra.common.InfraConfig;
import dev.fheml.infra.common.LogGroupNames;
import dev.fheml.infra.common.Logs;
import dev.fheml.infra.common.NagReview;
import dev.fheml.infra.storage.IsolatedNetwork;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.events.CfnRule;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.stepfunctions.CfnStateMachine;
import software.amazon.awscdk.services.stepfunctions.Choice;
import software.amazon.awscdk.services.stepfunctions.Condition;
import software.amazon.awscdk.services.stepfunctions.CustomState;
import software.amazon.awscdk.services.stepfunctions.CustomStateProps;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.Fail;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.TaskInput;
import software.amazon.awscdk.services.stepfunctions.tasks.LambdaInvoke;
import software.constructs.Construct;

/**
 * Training: the SageMaker training execution role and a state machine (encrypted with the project
 * key) that runs the training job ({@code createTrainingJob.sync}) from the training image (by digest)
 * and the data bucket, then publishes {@code client.zip} under {@code client/<model-id>/} in the
 * exchange bucket with a function that runs in the project's isolated VPC. SageMaker's training log
 * group is managed here (KMS, retention); failed or stopped training jobs and publish errors notify
 * the alarm topic.
 *
 * <p>Execution input: {@code {"hyperparameters": {"name": "string value", ...}}} (may be {@code {}})
 * trains; {@code {"hyperparameters": {...}, "import": true}} imports the ONNX model under the data
 * bucket's {@code importModelPrefix} instead ({@code trainingDataPrefix} then holds the calibration
 * data; the hyperparameters are the import's). {@code "import": false} or no {@code import} trains;
 * any other value fails the execution before a job starts. The states:
 * <ul>
 *   <li>{@code TrainOrImport} (Choice on {@code $.import}) goes to {@code ImportModel}, to
 *       {@code TrainModel} or to {@code InvalidImportFlag} (Fail, error {@code InvalidInput});
 *   <li>{@code TrainModel}: the training job with the one channel {@code train} ({@code
 *       s3://<data bucket>/<trainingDataPrefix>});
 *   <li>{@code ImportModel}: the same job with channels {@code train} and {@code model} ({@code
 *       s3://<data bucket>/<importModelPrefix>}, which must hold exactly one {@code .onnx} file);
 *   <li>both put {@code modelDataUrl} and {@code trainingJobName} under {@code $.training} and go to
 *       {@code PublishClientZip}, whose result is the execution output.
 * </ul>
 * Execution output: {@code modelId}, {@code modelDataUrl} (give it to the endpoint stack as context
 * {@code modelDataUrl}), {@code clientZipUrl}, {@code trainingJobName}. The training job is named
 * {@code <prefix>-train-<execution name>}, so an execution name has at most 36 characters
 * ([A-Za-z0-9-]; the default, a UUID, fits).
 */
public final class TrainingStack extends Stack {
  private static final int MAX_CLIENT_ZIP_BYTES = 64 * 1024 * 1024;
  /** The execution input field that asks for an import ({@code true}) instead of training. */
  public static final String IMPORT_FLAG = "import";

  private final ServiceRole trainingRole;
  private final StateMachine stateMachine;

  public TrainingStack(Construct scope, String id, WorkloadProps props) {
    super(scope, id, props.stackProps());
    InfraConfig config = props.config();
    StorageResources storage = props.storage();

    LogGroup trainingLogs = Logs.logGroup(this, "TrainingJobLogs", LogGroupNames.TRAINING_JOBS, config, storage.key());
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
            "xray:GetSamplingRules", "xray:GetSamplingTargets"), List.of("*")),
        Iam.allow("EncryptedStateMachineData", List.of("kms:Decrypt", "kms:GenerateDataKey"),
            List.of(storage.key().getKeyArn()), Map.of("StringEquals", Map.of(
                "kms:EncryptionContext:aws:states:stateMachineArn", stateMachineArn))),
        Iam.allow("EncryptedStateMachineLogs", List.of("kms:GenerateDataKey"), List.of(storage.key().getKeyArn()),
            Map.of("StringEquals", Map.of("kms:ViaService", Iam.serviceEndpoint("logs")))));
    NagReview.acknowledge(machineRole.policy(), "AwsSolutions-IAM5",
        "Training jobs are named <prefix>-train-<execution name>, unknown until an execution starts, so"
            + " the job ARN ends in a wildcard after the project prefix. CloudWatch Logs vended-log"
            + " delivery (required for ALL-level state machine logging) and X-Ray tracing do not support"
            + " resource-level permissions; those actions are alone in their Resource \"*\" statements.",
        "/^Resource::arn:<AWS::Partition>:sagemaker:<AWS::Region>:<AWS::AccountId>:training-job\\/"
            + config.trainingJobPrefix() + "\\*$/",
        "Resource::*");

    String image = storage.trainingImage(this, config);
    String roleArn = trainingRole.role().getRoleArn();
    CustomState train = new CustomState(this, "TrainModel", CustomStateProps.builder()
        .stateJson(trainingTask(config, storage, image, roleArn, false)).build());
    CustomState importModel = new CustomState(this, "ImportModel", CustomStateProps.builder()
        .stateJson(trainingTask(config, storage, image, roleArn, true)).build());
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
        .definitionBody(DefinitionBody.fromChainable(trainOrImport(train, importModel, publishClient)))
        .role(machineRole.immutable())
        .timeout(Duration.seconds(config.trainingMaxRuntimeSeconds() + 3600L))
        .tracingEnabled(true)
        .logs(LogOptions.builder().destination(machineLogs).level(LogLevel.ALL).includeExecutionData(false).build())
        .build();
    stateMachine.getNode().addDependency(machineRole.policy());
    // The L2's encryption setting would add statements to the storage stack's key policy (a cycle); the
    // role's KMS statements are written above.
    ((CfnStateMachine) stateMachine.getNode().getDefaultChild()).setEncryptionConfiguration(
        CfnStateMachine.EncryptionConfigurationProperty.builder()
            .type("CUSTOMER_MANAGED_KMS_KEY")
            .kmsKeyId(storage.key().getKeyArn())
            .kmsDataKeyReusePeriodSeconds(300)
            .build());

    trainingFailures(config, storage);
    Alarms.anyOccurrence(this, "PublishFunctionErrorsAlarm", config, "publish-client-errors",
        "The client.zip publishing function failed (the training execution failed with it)",
        publish.metricErrors(MetricOptions.builder().period(Duration.minutes(5)).statistic("Sum").build()),
        storage.alarmTopic());

    CfnOutput.Builder.create(this, "StateMachineArn").value(stateMachine.getStateMachineArn()).build();
    CfnOutput.Builder.create(this, "TrainingRoleArn").value(trainingRole.role().getRoleArn()).build();
    CfnOutput.Builder.create(this, "TrainingLogGroupName").value(trainingLogs.getLogGroupName()).build();
  }

  public StateMachine stateMachine() {
    return stateMachine;
  }

  public ServiceRole trainingRole() {
    return trainingRole;
  }

  /**
   * An EventBridge rule: a training job of this project (named {@code <prefix>-train-*}) that failed
   * or was stopped sends its state-change event to the alarm topic. Written as L1 so that no
   * unconditioned statement is added to the topic's policy (the storage stack admits this rule by ARN).
   */
  private void trainingFailures(InfraConfig config, StorageResources storage) {
    CfnRule.Builder.create(this, "TrainingFailureRule")
        .name(config.trainingFailureRuleName())
        .description("fhe-ml training jobs that failed or were stopped, to the alarm topic")
        .state("ENABLED")
        .eventPattern(Map.of(
            "source", List.of("aws.sagemaker"),
            "detail-type", List.of("SageMaker Training Job State Change"),
            "detail", Map.of(
                "TrainingJobName", List.of(Map.of("prefix", config.trainingJobPrefix())),
                "TrainingJobStatus", List.of("Failed", "Stopped"))))
        .targets(List.of(CfnRule.TargetProperty.builder()
            .id("AlarmTopic")
            .arn(storage.alarmTopic().getTopicArn())
            .build()))
        .build();
  }

  private static String trainingJobArn(InfraConfig config) {
    return Iam.arn("sagemaker", "training-job/" + config.trainingJobPrefix() + "*");
  }

  /**
   * The role the training job runs as: pulls the training image, reads the training data and import
   * prefixes ({@code train/}, {@code import/}) of the data bucket, writes {@code models/} of the
   * artifact bucket, encrypts volume and output with the key, writes its own log streams.
   */
  private ServiceRole trainingExecutionRole(InfraConfig config, StorageResources storage) {
    ServiceRole role = Iam.serviceRole(this, "TrainingExecutionRole", "sagemaker.amazonaws.com",
        trainingJobArn(config), "the fhe-ml SageMaker training job");
    Iam.ecrPull(storage.trainingRepository().getRepositoryArn()).forEach(role::add);
    String trainingLogs = Iam.arn("logs", "log-group:" + LogGroupNames.TRAINING_JOBS);
    role.add(
        Iam.allow("ListJobInput", List.of("s3:ListBucket"), List.of(storage.data().getBucketArn()),
            Map.of("StringLike", Map.of("s3:prefix", List.of(config.trainingDataPrefix() + "*",
                config.importModelPrefix() + "*")))),
        Iam.allow("ReadJobInput", List.of("s3:GetObject"),
            Iam.objects(storage.data(), config.trainingDataPrefix(), config.importModelPrefix())),
        Iam.allow("WriteModelArtifacts", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
            Iam.objects(storage.artifacts(), ExchangeLayout.MODELS)),
        Iam.keyUseVia("EncryptDataVolumeAndOutput", storage.key(), List.of("s3", "sagemaker"), "kms:Decrypt",
            "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"),
        Iam.allow("GrantKeyToVolume", List.of("kms:CreateGrant"), List.of(storage.key().getKeyArn()),
            Map.of("Bool", Map.of("kms:GrantIsForAWSResource", "true"))),
        Iam.allow("TrainingLogGroup", List.of("logs:DescribeLogStreams"), List.of(trainingLogs + ":*")),
        Iam.allow("TrainingLogStreams", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
            List.of(trainingLogs + ":log-stream:" + config.trainingJobPrefix() + "*")));
    NagReview.acknowledge(role.policy(), "AwsSolutions-IAM5",
        "ecr:GetAuthorizationToken supports only Resource \"*\" (alone in its statement). S3 access is"
            + " scoped to the train/ and import/ prefixes of the data bucket (read: training or calibration"
            + " data, the ONNX model to import) and models/ of the artifact bucket"
            + " (write): object keys below them are chosen per run. Log streams are named after the"
            + " training job (<prefix>-train-*) inside SageMaker's fixed /aws/sagemaker/TrainingJobs group.",
        "Resource::*",
        NagReview.objectsUnder("", "DataBucket", config.trainingDataPrefix(), config.importModelPrefix()),
        NagReview.objectsUnder("", "ArtifactsBucket", ExchangeLayout.MODELS),
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:" + LogGroupNames.TRAINING_JOBS
            + ":*",
        "Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:" + LogGroupNames.TRAINING_JOBS
            + ":log-stream:" + config.trainingJobPrefix() + "*");
    return role;
  }

  private Function publishFunction(InfraConfig config, StorageResources storage) {
    String name = LogGroupNames.publishFunctionName(config);
    ServiceRole role = Iam.serviceRole(this, "PublishFunctionRole", "lambda.amazonaws.com",
        Iam.arn("lambda", "function:" + name), "the fhe-ml client.zip publishing function",
        config.publishFunctionRoleName());
    Iam.vpcNetworkInterfaces(storage.vpc().getVpcId(), "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses").forEach(role::add);
    LogGroup logs = Logs.logGroup(this, "PublishFunctionLogs", LogGroupNames.publishFunction(config), config, storage.key());
    role.add(
        Iam.allow("ReadModelArtifact", List.of("s3:GetObject"), Iam.objects(storage.artifacts(), ExchangeLayout.MODELS)),
        Iam.allow("WriteClientZip", List.of("s3:PutObject"), Iam.objects(storage.exchange(), ExchangeLayout.CLIENT)),
        Iam.keyUseVia("DecryptModelEncryptClientZip", storage.key(), List.of("s3"), "kms:Decrypt",
            "kms:GenerateDataKey"),
        Iam.allow("WriteOwnLogs", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
            List.of(logs.getLogGroupArn())));
    NagReview.acknowledge(role.policy(), "AwsSolutions-IAM5",
        "Reads any model.tar.gz under models/ of the artifact bucket (one per training job, key known only"
            + " at run time) and writes client/<model-id>/client.zip in the exchange bucket (model id read"
            + " from the artifact). Log streams are created per function instance in its own log group."
            + " Network interfaces are created per function instance, only in the project VPC (ec2:Vpc);"
            + " the EC2 Describe calls support only Resource \"*\" (alone in their statement).",
        "Resource::*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*",
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
        .vpc(storage.vpc())
        .vpcSubnets(IsolatedNetwork.isolatedSubnets())
        .securityGroups(List.of(IsolatedNetwork.httpsOutOnly(this, "PublishFunctionSecurityGroup", storage.vpc(),
            "fhe-ml publish function: HTTPS out to the S3 gateway endpoint, nothing in")))
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

  /**
   * {@code TrainOrImport}: {@code "import": true} in the input runs {@code importModel}, a missing or
   * false flag {@code train}, any other value fails; both jobs continue with {@code publishClient}.
   */
  private Choice trainOrImport(CustomState train, CustomState importModel, LambdaInvoke publishClient) {
    String flag = "$." + IMPORT_FLAG;
    train.next(publishClient);
    importModel.next(publishClient);
    Fail invalid = Fail.Builder.create(this, "InvalidImportFlag")
        .error("InvalidInput")
        .cause("the execution input's \"" + IMPORT_FLAG + "\" must be true or false")
        .build();
    return Choice.Builder.create(this, "TrainOrImport").build()
        .when(Condition.and(Condition.isPresent(flag), Condition.isNotBoolean(flag)), invalid)
        .when(Condition.and(Condition.isPresent(flag), Condition.booleanEquals(flag, true)), importModel)
        .otherwise(train);
  }

  /**
   * The training task, written as Amazon States Language: the L2 task lacks inter-container encryption.
   * With {@code importModel} the job also gets channel {@code model} from the import prefix.
   */
  private static Map<String, Object> trainingTask(InfraConfig config, StorageResources storage, String image,
      String trainingRoleArn, boolean importModel) {
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("TrainingJobName.$", "States.Format('" + config.trainingJobPrefix() + "{}', $$.Execution.Name)");
    parameters.put("RoleArn", trainingRoleArn);
    parameters.put("AlgorithmSpecification", Map.of("TrainingImage", image, "TrainingInputMode", "File",
        "MetricDefinitions", METRIC_DEFINITIONS));
    parameters.put("HyperParameters.$", "$.hyperparameters");
    List<Map<String, Object>> channels = new ArrayList<>();
    channels.add(channel(TrainingChannels.TRAIN, storage, config.trainingDataPrefix()));
    if (importModel) {
      channels.add(channel(TrainingChannels.MODEL, storage, config.importModelPrefix()));
    }
    parameters.put("InputDataConfig", channels);
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

  /** A channel of every object under {@code prefix} of the data bucket. */
  private static Map<String, Object> channel(String name, StorageResources storage, String prefix) {
    return Map.of(
        "ChannelName", name,
        "DataSource", Map.of("S3DataSource", Map.of(
            "S3DataType", "S3Prefix",
            "S3DataDistributionType", "FullyReplicated",
            "S3Uri", "s3://" + storage.data().getBucketName() + "/" + prefix)));
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
