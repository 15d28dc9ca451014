package dev.fheml.infra;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.infra.IamRules.Statement;
import dev.fheml.infra.access.AccessStack.AccessRole;
import dev.fheml.infra.access.PolicyTemplate;
import dev.fheml.infra.app.FheMlStacks;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * Issue 12, item 1: the CloudFormation execution policies (policies/bootstrap/) replace the default
 * bootstrap's AdministratorAccess, and every role the stacks create has the permissions boundary.
 */
class BootstrapPolicyTest {
  static final List<String> EXECUTION_DOCUMENTS = List.of(
      "bootstrap/cdk-execution-foundation.json", "bootstrap/cdk-execution-network.json",
      "bootstrap/cdk-execution-workloads.json");
  static final String BOUNDARY_DOCUMENT = "bootstrap/permissions-boundary.json";
  private static final String BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/fhe-ml-permissions-boundary";
  /** IAM's limit for one customer-managed policy, without whitespace. */
  private static final int MAX_MANAGED_POLICY_CHARS = 6144;

  /**
   * What CloudFormation calls, as the execution role, to create, update and delete each resource
   * type the stacks use (and the calls the resource makes on the caller's behalf: PassRole, KMS grants,
   * log delivery, the auto-scaling service-linked role). A new resource type fails the coverage test
   * until it is listed here and granted in policies/bootstrap/.
   */
  static final Map<String, List<String>> REQUIRED = new TreeMap<>(Map.ofEntries(
      entry("AWS::CDK::Metadata", List.of()),
      entry("AWS::KMS::Key", List.of("kms:CreateKey", "kms:PutKeyPolicy", "kms:GetKeyPolicy", "kms:EnableKeyRotation",
          "kms:DescribeKey", "kms:TagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion")),
      entry("AWS::KMS::Alias", List.of("kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias")),
      entry("AWS::S3::Bucket", List.of("s3:CreateBucket", "s3:DeleteBucket", "s3:PutEncryptionConfiguration",
          "s3:PutBucketVersioning", "s3:PutBucketPublicAccessBlock", "s3:PutBucketOwnershipControls",
          "s3:PutLifecycleConfiguration", "s3:PutBucketLogging", "s3:PutBucketTagging")),
      entry("AWS::S3::BucketPolicy", List.of("s3:PutBucketPolicy", "s3:GetBucketPolicy", "s3:DeleteBucketPolicy")),
      entry("AWS::ECR::Repository", List.of("ecr:CreateRepository", "ecr:DeleteRepository", "ecr:DescribeRepositories",
          "ecr:PutLifecyclePolicy", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability", "ecr:TagResource",
          "kms:CreateGrant", "kms:DescribeKey")),
      entry("AWS::EC2::VPC", List.of("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute", "ec2:DescribeVpcs",
          "ec2:CreateTags")),
      entry("AWS::EC2::Subnet", List.of("ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute",
          "ec2:DescribeSubnets", "ec2:DescribeAvailabilityZones")),
      entry("AWS::EC2::RouteTable", List.of("ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables")),
      entry("AWS::EC2::SubnetRouteTableAssociation", List.of("ec2:AssociateRouteTable", "ec2:DisassociateRouteTable")),
      entry("AWS::EC2::VPCEndpoint", List.of("ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:ModifyVpcEndpoint",
          "ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists")),
      entry("AWS::EC2::FlowLog", List.of("ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "ec2:DescribeFlowLogs",
          "logs:CreateLogDelivery", "logs:DeleteLogDelivery")),
      entry("AWS::EC2::SecurityGroup", List.of("ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
          "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:DescribeSecurityGroups")),
      entry("AWS::EC2::SecurityGroupIngress", List.of("ec2:AuthorizeSecurityGroupIngress",
          "ec2:RevokeSecurityGroupIngress")),
      entry("AWS::SNS::Topic", List.of("sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes",
          "sns:SetTopicAttributes", "sns:TagResource")),
      entry("AWS::SNS::TopicPolicy", List.of("sns:SetTopicAttributes")),
      entry("AWS::SNS::Subscription", List.of("sns:Subscribe", "sns:Unsubscribe", "sns:GetSubscriptionAttributes",
          "sns:SetSubscriptionAttributes")),
      entry("AWS::SQS::Queue", List.of("sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes",
          "sqs:SetQueueAttributes", "sqs:TagQueue")),
      entry("AWS::SQS::QueuePolicy", List.of("sqs:SetQueueAttributes")),
      entry("AWS::IAM::Role", List.of("iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:UpdateAssumeRolePolicy",
          "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:TagRole",
          "iam:PutRolePolicy", "iam:DeleteRolePolicy")),
      entry("AWS::IAM::ManagedPolicy", List.of("iam:CreatePolicy", "iam:DeletePolicy", "iam:GetPolicy",
          "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:ListPolicyVersions")),
      entry("AWS::Logs::LogGroup", List.of("logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
          "logs:AssociateKmsKey", "logs:TagResource", "logs:DescribeLogGroups")),
      entry("AWS::Lambda::Function", List.of("lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
          "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:TagResource", "iam:PassRole",
          "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "kms:Encrypt", "kms:CreateGrant")),
      entry("AWS::StepFunctions::StateMachine", List.of("states:CreateStateMachine", "states:UpdateStateMachine",
          "states:DeleteStateMachine", "states:DescribeStateMachine", "states:TagResource", "iam:PassRole",
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "kms:DescribeKey",
          "kms:GenerateDataKey", "kms:Decrypt")),
      entry("AWS::Events::Rule", List.of("events:PutRule", "events:DeleteRule", "events:DescribeRule",
          "events:PutTargets", "events:RemoveTargets")),
      entry("AWS::CloudWatch::Alarm", List.of("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
          "cloudwatch:DescribeAlarms")),
      entry("AWS::SageMaker::Model", List.of("sagemaker:CreateModel", "sagemaker:DeleteModel", "sagemaker:DescribeModel",
          "iam:PassRole", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs")),
      entry("AWS::SageMaker::EndpointConfig", List.of("sagemaker:CreateEndpointConfig", "sagemaker:DeleteEndpointConfig",
          "sagemaker:DescribeEndpointConfig", "kms:CreateGrant", "kms:DescribeKey")),
      entry("AWS::SageMaker::Endpoint", List.of("sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint",
          "sagemaker:DeleteEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:AddTags")),
      entry("AWS::ApplicationAutoScaling::ScalableTarget", List.of("application-autoscaling:RegisterScalableTarget",
          "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:DescribeScalableTargets",
          "iam:CreateServiceLinkedRole", "sagemaker:DescribeEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities")),
      entry("AWS::ApplicationAutoScaling::ScalingPolicy", List.of("application-autoscaling:PutScalingPolicy",
          "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DescribeScalingPolicies",
          "cloudwatch:PutMetricAlarm", "cloudwatch:DescribeAlarms", "cloudwatch:DeleteAlarms")),
      entry("Custom::S3AutoDeleteObjects", List.of("lambda:InvokeFunction"))));

  /**
   * What CDK's auto-delete handler (removalPolicy=destroy) calls with its role; its permissions come
   * from the bucket policies as wildcards (s3:GetBucket*, s3:List*, s3:DeleteObject*) and from
   * AWSLambdaBasicExecutionRole, so they are listed here for the boundary.
   */
  static final List<String> AUTO_DELETE_HANDLER = List.of("s3:GetBucketTagging", "s3:ListBucketVersions",
      "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketPolicy", "logs:CreateLogGroup", "logs:CreateLogStream",
      "logs:PutLogEvents");

  private static List<Statement> document(String file) {
    return IamRules.statements(PolicyTemplate.render(PolicyTemplate.load(file), PoliciesTest.EXAMPLE));
  }

  private static List<Statement> execution() {
    List<Statement> all = new ArrayList<>();
    EXECUTION_DOCUMENTS.forEach(file -> all.addAll(document(file)));
    return all;
  }

  /** The app in every mode CI reviews, plus both images pinned and no client queue. */
  private static List<FheMlStacks> apps() {
    return List.of(TestApps.defaults(),
        TestApps.build(Map.of("removalPolicy", "destroy")),
        TestApps.build(Map.of("clientNotifications", "false", "trainingImageDigest", "sha256:" + "1".repeat(64),
            "inferenceImageDigest", "sha256:" + "2".repeat(64), "modelDataUrl", "s3://b-1/models/j/model.tar.gz")));
  }

  private static Map<String, Object> json(Stack stack) {
    @SuppressWarnings("unchecked")
    Map<String, Object> template = (Map<String, Object>) TestApps.template(stack).toJSON();
    return template;
  }

  private static boolean allows(List<Statement> statements, String action) {
    return statements.stream().anyMatch(s -> s.effect().equals("Allow") && s.actions().contains(action));
  }

  @Test
  void executionPoliciesHaveNoWildcardActionAndFitAManagedPolicy() throws IOException {
    Set<String> sids = new TreeSet<>();
    for (String file : EXECUTION_DOCUMENTS) {
      List<Statement> statements = document(file);
      for (Statement s : statements) {
        assertTrue(sids.add(s.sid()), "distinct Sids across the documents: " + s.sid());
        s.actions().forEach(a -> assertTrue(a.matches("[a-z0-9-]+:[A-Za-z0-9]+"), file + ": wildcard action " + a));
        if (s.effect().equals("Allow") && s.resources().contains("*")) {
          assertEquals(List.of("*"), s.resources(), s.toString());
          assertTrue(s.sid().equals("DescribeRequiresStar") || s.condition() != null,
              file + ": Resource \"*\" only for calls that take nothing else, or under a tag condition: " + s);
        }
      }
      Object parsed = PolicyTemplate.render(PolicyTemplate.load(file), PoliciesTest.EXAMPLE);
      int size = new ObjectMapper().writeValueAsString(parsed).length();
      assertTrue(size <= MAX_MANAGED_POLICY_CHARS, file + " is " + size + " characters");
    }
  }

  @Test
  void executionPoliciesCoverEveryResourceTypeOfTheSynthesizedTemplates() {
    List<Statement> execution = execution();
    Set<String> types = new TreeSet<>();
    for (FheMlStacks app : apps()) {
      for (Stack stack : app.all()) {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) json(stack).get("Resources");
        resources.values().forEach(r -> types.add(String.valueOf(r.get("Type"))));
      }
    }
    for (String type : types) {
      assertTrue(REQUIRED.containsKey(type), "resource type " + type + " is new: list the calls CloudFormation makes"
          + " for it in BootstrapPolicyTest.REQUIRED and grant them in policies/bootstrap/");
      for (String action : REQUIRED.get(type)) {
        assertTrue(allows(execution, action), type + " needs " + action + " in policies/bootstrap/cdk-execution-*.json");
      }
    }
    assertTrue(types.contains("Custom::S3AutoDeleteObjects"), "destroy mode was reviewed too: " + types);
  }

  @Test
  @SuppressWarnings("unchecked")
  void cloudFormationCreatesRolesOnlyWithTheBoundaryAndCannotChangeIt() {
    List<Statement> execution = execution();
    for (String action : List.of("iam:CreateRole", "iam:PutRolePermissionsBoundary")) {
      List<Statement> grants = execution.stream().filter(s -> s.effect().equals("Allow") && s.actions().contains(action))
          .toList();
      assertEquals(1, grants.size(), action);
      Map<String, Object> equals = ((Map<String, Map<String, Object>>) grants.get(0).condition()).get("StringEquals");
      assertEquals(BOUNDARY_ARN, equals.get("iam:PermissionsBoundary"), grants.toString());
    }
    Statement never = execution.stream().filter(s -> s.effect().equals("Deny") && s.actions().contains("iam:CreatePolicyVersion"))
        .findFirst().orElseThrow();
    assertTrue(never.resources().contains(BOUNDARY_ARN), never.toString());
    assertTrue(execution.stream().anyMatch(s -> s.effect().equals("Deny")
        && s.actions().contains("iam:DeleteRolePermissionsBoundary")));
    Statement pass = execution.stream().filter(s -> s.actions().contains("iam:PassRole")).findFirst().orElseThrow();
    assertEquals(List.of("arn:aws:iam::123456789012:role/fhe-ml-*"), pass.resources());
    assertTrue(pass.condition().toString().contains("iam:PassedToService"), pass.toString());
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyRoleTheStacksCreateHasTheBoundary() {
    for (FheMlStacks app : apps()) {
      for (Stack stack : app.all()) {
        Map<String, Map<String, Object>> roles = Template.fromStack(stack).findResources("AWS::IAM::Role");
        roles.forEach((id, role) -> assertEquals(
            "arn:<AWS::Partition>:iam::<AWS::AccountId>:policy/fhe-ml-permissions-boundary",
            CfnText.text(TestApps.properties(role).get("PermissionsBoundary")), stack.getStackName() + " " + id));
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theBoundaryAllowsEveryActionTheProjectRolesAreGranted() {
    List<Statement> boundary = document(BOUNDARY_DOCUMENT);
    IamRules.assertLeastPrivilege("boundary", boundary.stream().filter(s -> s.effect().equals("Deny")).toList());
    Set<String> granted = new TreeSet<>(AUTO_DELETE_HANDLER);
    for (FheMlStacks app : apps()) {
      for (Stack stack : app.all()) {
        Map<String, Map<String, Object>> policies = Template.fromStack(stack).findResources("AWS::IAM::ManagedPolicy");
        for (Map<String, Object> policy : policies.values()) {
          IamRules.statements((Map<String, Object>) TestApps.properties(policy).get("PolicyDocument")).stream()
              .filter(s -> s.effect().equals("Allow")).forEach(s -> granted.addAll(s.actions()));
        }
      }
    }
    for (AccessRole role : AccessRole.values()) {
      document(role.policyFile()).stream().filter(s -> s.effect().equals("Allow")).forEach(s -> granted.addAll(s.actions()));
    }
    Set<String> missing = new TreeSet<>(granted);
    missing.removeIf(action -> allows(boundary, action));
    assertEquals(Set.of(), missing, "granted to a project role but outside policies/" + BOUNDARY_DOCUMENT);
    assertFalse(allows(boundary, "iam:CreateRole"), "no project role may create roles");
  }

  @Test
  void stacksDeployThroughTheProjectBootstrapAndTheScriptUsesTheDocuments() throws IOException {
    for (Stack stack : TestApps.defaults().all()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> version = (Map<String, Object>) ((Map<String, Object>) json(stack).get("Parameters"))
          .get("BootstrapVersion");
      assertEquals("/cdk-bootstrap/fheml/version", version.get("Default"), stack.getStackName());
    }
    String script = Files.readString(TestApps.repoRoot().resolve("scripts/bootstrap.sh"));
    assertTrue(script.contains("--cloudformation-execution-policies") && script.contains("--qualifier"), script);
    for (String file : EXECUTION_DOCUMENTS) {
      String name = file.substring("bootstrap/".length(), file.length() - ".json".length());
      assertTrue(script.contains(name), "scripts/bootstrap.sh creates " + name);
    }
    assertTrue(script.contains("permissions-boundary"));
  }
}
