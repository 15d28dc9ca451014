package dev.fheml.infra.endpoint;

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
import dev.fheml.protocol.ContainerEnvironment;
import dev.fheml.protocol.ExchangeLayout;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.applicationautoscaling.AdjustmentType;
import software.amazon.awscdk.services.applicationautoscaling.BasicTargetTrackingScalingPolicyProps;
import software.amazon.awscdk.services.applicationautoscaling.CfnScalableTarget;
import software.amazon.awscdk.services.applicationautoscaling.MetricAggregationType;
import software.amazon.awscdk.services.applicationautoscaling.ScalableTarget;
import software.amazon.awscdk.services.applicationautoscaling.ServiceNamespace;
import software.amazon.awscdk.services.applicationautoscaling.StepScalingAction;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.ApplicationScalingAction;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpoint;
import software.amazon.awscdk.services.ec2.InterfaceVpcEndpointAwsService;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.iam.AnyPrincipal;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.sagemaker.CfnEndpoint;
import software.amazon.awscdk.services.sagemaker.CfnEndpointConfig;
import software.amazon.awscdk.services.sagemaker.CfnModel;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * The endpoint: execution role, model (inference image by digest + model.tar.gz, inside the project's
 * isolated VPC), asynchronous endpoint configuration writing to {@code results/} and {@code failures/}
 * of the exchange bucket under the project key with SNS notifications, the endpoint, autoscaling 0..N
 * on the backlog (target tracking plus a step policy that scales out from zero), alarms on the
 * project's alarm topic, the SNS and CloudWatch Logs interface endpoints of the VPC, and (context
 * {@code clientNotifications}) the client notification queue subscribed to both topics.
 */
public final class EndpointStack extends Stack {
  public static final String VARIANT = "AllTraffic";
  private static final String NAMESPACE = "AWS/SageMaker";

  private final ServiceRole executionRole;
  private final CfnEndpoint endpoint;
  private final Topic successTopic;
  private final Topic errorTopic;
  private final NotificationQueue notifications;

  public EndpointStack(Construct scope, String id, WorkloadProps props) {
    super(scope, id, props.stackProps());
    InfraConfig config = props.config();
    StorageResources storage = props.storage();
    String endpointName = config.endpointName();
    String modelDataUrl = modelDataUrl(config, storage);

    this.successTopic = topic("SuccessTopic", "fhe-ml async inference succeeded", storage);
    this.errorTopic = topic("ErrorTopic", "fhe-ml async inference failed", storage);
    LogGroup logs = Logs.logGroup(this, "EndpointLogs", LogGroupNames.endpoint(config), config, storage.key());

    this.executionRole = executionRole(config, storage, modelDataUrl, logs);
    SecurityGroup modelGroup = IsolatedNetwork.httpsOutOnly(this, "ModelSecurityGroup", storage.vpc(),
        "fhe-ml endpoint model: HTTPS out to the S3 gateway and interface endpoints, nothing in");
    interfaceEndpoints(storage, modelGroup, logs);

    // No EnableNetworkIsolation: the container fetches evaluation keys from keys/ itself. It runs in the
    // isolated VPC instead, where S3 (project buckets only), SNS and CloudWatch Logs are all it reaches.
    CfnModel model = CfnModel.Builder.create(this, "Model")
        .executionRoleArn(executionRole.role().getRoleArn())
        .primaryContainer(CfnModel.ContainerDefinitionProperty.builder()
            .image(storage.inferenceImage(this, config))
            .modelDataUrl(modelDataUrl)
            .environment(Map.of(
                ContainerEnvironment.KEY_BUCKET, storage.exchange().getBucketName(),
                ContainerEnvironment.KEY_PREFIX, ExchangeLayout.KEYS))
            .build())
        .vpcConfig(CfnModel.VpcConfigProperty.builder()
            .securityGroupIds(List.of(modelGroup.getSecurityGroupId()))
            .subnets(storage.vpc().selectSubnets(IsolatedNetwork.isolatedSubnets()).getSubnetIds())
            .build())
        .build();
    model.getNode().addDependency(executionRole.policy());

    String exchange = "s3://" + storage.exchange().getBucketName() + "/";
    CfnEndpointConfig endpointConfig = CfnEndpointConfig.Builder.create(this, "EndpointConfig")
        .kmsKeyId(storage.key().getKeyArn())
        .productionVariants(List.of(CfnEndpointConfig.ProductionVariantProperty.builder()
            .variantName(VARIANT)
            .modelName(model.getAttrModelName())
            .instanceType(config.inferenceInstanceType())
            .initialInstanceCount(1)
            .build()))
        .asyncInferenceConfig(CfnEndpointConfig.AsyncInferenceConfigProperty.builder()
            .outputConfig(CfnEndpointConfig.AsyncInferenceOutputConfigProperty.builder()
                .s3OutputPath(exchange + ExchangeLayout.RESULTS)
                .s3FailurePath(exchange + ExchangeLayout.FAILURES)
                .kmsKeyId(storage.key().getKeyArn())
                .notificationConfig(CfnEndpointConfig.AsyncInferenceNotificationConfigProperty.builder()
                    .successTopic(successTopic.getTopicArn())
                    .errorTopic(errorTopic.getTopicArn())
                    .build())
                .build())
            .clientConfig(CfnEndpointConfig.AsyncInferenceClientConfigProperty.builder()
                .maxConcurrentInvocationsPerInstance(config.maxConcurrentInvocationsPerInstance())
                .build())
            .build())
        .build();

    this.endpoint = CfnEndpoint.Builder.create(this, "Endpoint")
        .endpointName(endpointName)
        .endpointConfigName(endpointConfig.getAttrEndpointConfigName())
        .build();
    endpoint.getNode().addDependency(logs);

    scaling(config);

    CfnOutput.Builder.create(this, "EndpointName").value(endpoint.getAttrEndpointName()).build();
    CfnOutput.Builder.create(this, "SuccessTopicArn").value(successTopic.getTopicArn()).build();
    CfnOutput.Builder.create(this, "ErrorTopicArn").value(errorTopic.getTopicArn()).build();
    if (!config.modelDataUrl().isEmpty()) {
      CfnOutput.Builder.create(this, "ModelDataUrl").value(modelDataUrl).build();
    }

    if (config.clientNotifications()) {
      this.notifications = new NotificationQueue(this, "ClientNotifications", config.notificationQueueName(),
          config.notificationDeadLetterQueueName(), Duration.minutes(config.notificationRetentionMinutes()),
          storage.key(), List.of(successTopic, errorTopic));
      CfnOutput.Builder.create(this, "NotificationQueueUrl").value(notifications.queue().getQueueUrl()).build();
      CfnOutput.Builder.create(this, "NotificationQueueArn").value(notifications.queue().getQueueArn()).build();
    } else {
      this.notifications = null;
    }
    alarms(config, storage.alarmTopic());
  }

  public CfnEndpoint endpoint() {
    return endpoint;
  }

  public ServiceRole executionRole() {
    return executionRole;
  }

  /** The client notification queue, empty when context {@code clientNotifications} is false. */
  public Optional<NotificationQueue> notifications() {
    return Optional.ofNullable(notifications);
  }

  /**
   * The context's model data URL, or a placeholder in the artifact bucket when none is given (synth
   * works; deploying it fails until a training run has produced the object).
   */
  private String modelDataUrl(InfraConfig config, StorageResources storage) {
    if (!config.modelDataUrl().isEmpty()) {
      return config.modelDataUrl();
    }
    return "s3://" + storage.artifacts().getBucketName() + "/" + ExchangeLayout.MODELS
        + "not-trained-yet/output/" + ArtifactNames.MODEL_TARBALL;
  }

  /** {@code s3://bucket/key} to the object's ARN. */
  static String objectArn(String s3Url) {
    return "arn:" + Aws.PARTITION + ":s3:::" + s3Url.substring("s3://".length());
  }

  /**
   * What the endpoint does as this role: pull the inference image, read the one model object, read
   * evaluation keys ({@code keys/}, the container) and the async input ({@code queries/}, SageMaker
   * itself), write {@code results/} and {@code failures/}, notify the two topics, log to its group.
   * Nothing else in the exchange bucket: no {@code client/}, no listing.
   */
  private ServiceRole executionRole(InfraConfig config, StorageResources storage, String modelDataUrl,
      LogGroup logs) {
    ServiceRole role = Iam.serviceRole(this, "ExecutionRole", "sagemaker.amazonaws.com",
        Iam.arn("sagemaker", "*"), "the fhe-ml SageMaker endpoint", config.endpointExecutionRoleName());
    Iam.ecrPull(storage.inferenceRepository().getRepositoryArn()).forEach(role::add);
    Iam.vpcNetworkInterfaces(storage.vpc().getVpcId(), "ec2:CreateNetworkInterfacePermission",
        "ec2:DeleteNetworkInterfacePermission").forEach(role::add);
    role.add(
        Iam.allow("ReadModelData", List.of("s3:GetObject"), List.of(objectArn(modelDataUrl))),
        Iam.allow("ReadEvaluationKeysAndAsyncInput", List.of("s3:GetObject"),
            Iam.objects(storage.exchange(), ExchangeLayout.KEYS, ExchangeLayout.QUERIES)),
        Iam.allow("WriteAsyncOutput", List.of("s3:PutObject", "s3:AbortMultipartUpload"),
            Iam.objects(storage.exchange(), ExchangeLayout.RESULTS, ExchangeLayout.FAILURES)),
        Iam.keyUseVia("DecryptInputsEncryptOutputsAndNotifications", storage.key(), List.of("s3", "sns"),
            "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
        Iam.allow("NotifyAsyncOutcome", List.of("sns:Publish"),
            List.of(successTopic.getTopicArn(), errorTopic.getTopicArn())),
        Iam.allow("EndpointLogGroup", List.of("logs:CreateLogGroup", "logs:DescribeLogStreams",
            "logs:CreateLogStream", "logs:PutLogEvents"), List.of(logs.getLogGroupArn())));
    NagReview.acknowledge(role.policy(), "AwsSolutions-IAM5",
        "ecr:GetAuthorizationToken and the EC2 Describe calls support only Resource \"*\" (alone in their"
            + " statements). Exchange bucket"
            + " access is per prefix: keys/ and queries/ are read (evaluation keys by the container, the"
            + " async InputLocation by SageMaker), results/ and failures/ are written by SageMaker; object"
            + " names below them (model id, key id, client, request id) are chosen per request. The log"
            + " group ARN ends in :* to cover its streams, which SageMaker names per instance. Network"
            + " interfaces are created per instance, only in the project VPC (ec2:Vpc condition).",
        "Resource::*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:subnet/*",
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*",
        NagReview.objectsUnder("", "ExchangeBucket", ExchangeLayout.KEYS, ExchangeLayout.QUERIES,
            ExchangeLayout.RESULTS, ExchangeLayout.FAILURES),
        "/^Resource::<EndpointLogs.*\\.Arn>$/");
    return role;
  }

  /**
   * SNS (SageMaker's async success and error notifications) and CloudWatch Logs (the endpoint's log
   * group) inside the VPC, reachable from the model's security group only, each with a policy that
   * names this endpoint's topics or log group and nothing else.
   */
  private void interfaceEndpoints(StorageResources storage, SecurityGroup modelGroup, LogGroup logs) {
    SecurityGroup group = SecurityGroup.Builder.create(this, "InterfaceEndpointSecurityGroup")
        .vpc(storage.vpc())
        .description("fhe-ml interface endpoints: HTTPS in from the endpoint model only")
        .allowAllOutbound(false)
        .build();
    group.addIngressRule(modelGroup, Port.tcp(443), "HTTPS from the endpoint model");
    InterfaceVpcEndpoint sns = interfaceEndpoint("SnsEndpoint", InterfaceVpcEndpointAwsService.SNS, storage, group);
    sns.addToPolicy(endpointPolicy("PublishToTheAsyncTopicsOnly", List.of("sns:Publish"),
        List.of(successTopic.getTopicArn(), errorTopic.getTopicArn())));
    InterfaceVpcEndpoint cloudWatchLogs = interfaceEndpoint("LogsEndpoint",
        InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, storage, group);
    cloudWatchLogs.addToPolicy(endpointPolicy("WriteTheEndpointLogGroupOnly", List.of("logs:CreateLogStream",
        "logs:PutLogEvents", "logs:DescribeLogStreams"), List.of(logs.getLogGroupArn())));
  }

  private InterfaceVpcEndpoint interfaceEndpoint(String id, InterfaceVpcEndpointAwsService service,
      StorageResources storage, SecurityGroup group) {
    return InterfaceVpcEndpoint.Builder.create(this, id)
        .vpc(storage.vpc())
        .service(service)
        .subnets(IsolatedNetwork.isolatedSubnets())
        .securityGroups(List.of(group))
        .privateDnsEnabled(true)
        .open(false)
        .build();
  }

  private static PolicyStatement endpointPolicy(String sid, List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create()
        .sid(sid)
        .principals(List.of(new AnyPrincipal()))
        .actions(actions)
        .resources(resources)
        .build();
  }

  private Topic topic(String id, String displayName, StorageResources storage) {
    return Topic.Builder.create(this, id)
        .displayName(displayName)
        .masterKey(storage.key())
        .enforceSsl(true)
        .build();
  }

  /**
   * 0..N instances: target tracking keeps ApproximateBacklogSizePerInstance near the target and scales
   * in to zero; it cannot scale out from zero instances (no instance, no per-instance metric), so a
   * step policy adds one instance whenever HasBacklogWithoutCapacity is raised. Cool-downs and the step
   * come from {@link ScalingPolicy} (derived from the measured time per image); the target and the
   * maximum from the context, whose defaults are that derivation's.
   */
  private void scaling(InfraConfig config) {
    ScalingPolicy policy = ScalingPolicy.derive(config.inferenceInstanceType(), config.maxConcurrentInvocationsPerInstance());
    ScalableTarget target = ScalableTarget.Builder.create(this, "ScalableTarget")
        .serviceNamespace(ServiceNamespace.SAGEMAKER)
        .resourceId("endpoint/" + endpoint.getAttrEndpointName() + "/variant/" + VARIANT)
        .scalableDimension("sagemaker:variant:DesiredInstanceCount")
        .minCapacity(config.minInstances())
        .maxCapacity(config.maxInstances())
        .build();
    // SageMaker endpoints scale through Application Auto Scaling's service-linked role; the role the L2
    // construct creates (with no permissions) would only be ignored.
    ((CfnScalableTarget) target.getNode().getDefaultChild()).addPropertyDeletionOverride("RoleARN");
    target.getNode().tryRemoveChild("Role");

    target.scaleToTrackMetric("BacklogPerInstance", BasicTargetTrackingScalingPolicyProps.builder()
        .customMetric(endpointMetric("ApproximateBacklogSizePerInstance", "Average", Duration.minutes(1)))
        .targetValue(config.backlogPerInstanceTarget())
        .scaleOutCooldown(policy.scaleOutCooldown())
        .scaleInCooldown(policy.scaleInCooldown())
        .build());

    StepScalingAction fromZero = StepScalingAction.Builder.create(this, "ScaleOutFromZero")
        .scalingTarget(target)
        .adjustmentType(AdjustmentType.CHANGE_IN_CAPACITY)
        .metricAggregationType(MetricAggregationType.MAXIMUM)
        .cooldown(policy.fromZeroCooldown())
        .build();
    fromZero.addAdjustment(software.amazon.awscdk.services.applicationautoscaling.AdjustmentTier.builder()
        .lowerBound(0)
        .adjustment(policy.fromZeroStep())
        .build());
    Alarm backlogWithoutCapacity = Alarm.Builder.create(this, "HasBacklogWithoutCapacity")
        .alarmName(config.alarmName("endpoint-backlog-without-capacity"))
        .alarmDescription("Requests are queued and no instance is running: scale out from zero")
        .metric(endpointMetric("HasBacklogWithoutCapacity", "Maximum", Duration.minutes(1)))
        .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
        .threshold(1)
        .evaluationPeriods(1)
        .treatMissingData(TreatMissingData.NOT_BREACHING)
        .build();
    backlogWithoutCapacity.addAlarmAction(new ApplicationScalingAction(fromZero));
  }

  /**
   * Failed invocations, a request waiting too long, and notifications that could not be delivered or
   * were never deleted (the notification dead-letter queue is not empty): all go to the alarm topic.
   */
  private void alarms(InfraConfig config, ITopic alarmTopic) {
    Alarms.anyOccurrence(this, "InvocationFailuresAlarm", config, "endpoint-invocation-failures",
        "Async invocations ended in failures/ (bad input or a server error)",
        endpointMetric("InvocationFailures", "Sum", Duration.minutes(5)), alarmTopic);
    Alarms.notifying(this, "OldestRequestAgeAlarm", config, "endpoint-oldest-request-age",
        "The oldest queued request waited longer than " + config.oldestRequestAlarmSeconds() + " s",
        endpointMetric("ApproximateAgeOfOldestRequest", "Maximum", Duration.minutes(5)),
        ComparisonOperator.GREATER_THAN_THRESHOLD, config.oldestRequestAlarmSeconds(), alarmTopic);
    if (notifications != null) {
      Alarms.anyOccurrence(this, "NotificationDeadLettersAlarm", config, "client-notification-dead-letters",
          "Notifications in the dead-letter queue: SNS could not deliver to the client queue, or a receiver"
              + " keeps failing to delete",
          notifications.deadLetters().metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
              .period(Duration.minutes(5)).statistic("Maximum").build()),
          alarmTopic);
    }
  }

  private Metric endpointMetric(String name, String statistic, Duration period) {
    return Metric.Builder.create()
        .namespace(NAMESPACE)
        .metricName(name)
        .dimensionsMap(Map.of("EndpointName", endpoint.getAttrEndpointName()))
        .statistic(statistic)
        .period(period)
        .build();
  }
}
