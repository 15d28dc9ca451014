package dev.fheml.infra.common;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Aws;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * IAM building blocks shared by the stacks: service roles with confused-deputy conditions, and
 * statements written out explicitly.
 *
 * <p>Service roles get their permissions from one customer-managed policy each (no inline policies:
 * the HIPAA and NIST packs reject them); CDK's automatic grants are therefore not used for these roles,
 * and every statement is written here or next to the resource that needs it.
 */
public final class Iam {
  private Iam() {}

  /** A service role and the one managed policy that holds its permissions. */
  public record ServiceRole(Role role, ManagedPolicy policy) {
    public ServiceRole add(PolicyStatement... statements) {
      policy.addStatements(statements);
      return this;
    }

    /** The role for constructs that would otherwise add an inline default policy to it. */
    public IRole immutable() {
      return role.withoutPolicyUpdates();
    }
  }

  /**
   * A role that only {@code service} may assume, and only on behalf of this account and of resources
   * matching {@code sourceArn} (aws:SourceAccount, aws:SourceArn: the confused-deputy guard).
   */
  public static ServiceRole serviceRole(Construct scope, String id, String service, String sourceArn,
      String description) {
    return serviceRole(scope, id, service, sourceArn, description, null);
  }

  /**
   * As {@link #serviceRole(Construct, String, String, String, String)}, with a fixed name (when not
   * null): for roles that a policy in another stack names without importing them.
   */
  public static ServiceRole serviceRole(Construct scope, String id, String service, String sourceArn,
      String description, String roleName) {
    Role role = Role.Builder.create(scope, id)
        .roleName(roleName)
        .assumedBy(new ServicePrincipal(service).withConditions(Map.of(
            "StringEquals", Map.of("aws:SourceAccount", Aws.ACCOUNT_ID),
            "ArnLike", Map.of("aws:SourceArn", sourceArn))))
        .description(description)
        .build();
    ManagedPolicy policy = ManagedPolicy.Builder.create(scope, id + "Policy")
        .description("Permissions of " + description)
        .roles(List.of(role))
        .build();
    return new ServiceRole(role, policy);
  }

  /** {@code arn:<partition>:<service>:<region>:<account>:<resource>}. */
  public static String arn(String service, String resource) {
    return "arn:" + Aws.PARTITION + ":" + service + ":" + Aws.REGION + ":" + Aws.ACCOUNT_ID + ":" + resource;
  }

  public static PolicyStatement allow(String sid, List<String> actions, List<String> resources) {
    return PolicyStatement.Builder.create().sid(sid).effect(Effect.ALLOW).actions(actions).resources(resources)
        .build();
  }

  public static PolicyStatement allow(String sid, List<String> actions, List<String> resources,
      Map<String, ?> conditions) {
    return PolicyStatement.Builder.create().sid(sid).effect(Effect.ALLOW).actions(actions).resources(resources)
        .conditions(conditions).build();
  }

  /** Objects under each prefix of {@code bucket}. */
  public static List<String> objects(IBucket bucket, String... prefixes) {
    return java.util.Arrays.stream(prefixes).map(p -> bucket.arnForObjects(p + "*")).toList();
  }

  /** ECR pull: the token (AWS requires Resource "*", alone) and the layers of one repository. */
  public static List<PolicyStatement> ecrPull(String repositoryArn) {
    return List.of(
        allow("EcrAuthorizationTokenRequiresStar", List.of("ecr:GetAuthorizationToken"), List.of("*")),
        allow("EcrPullImage", List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
            "ecr:BatchCheckLayerAvailability"), List.of(repositoryArn)));
  }

  /**
   * Use of the project key only through {@code services} (kms:ViaService), e.g. {@code s3} for SSE-KMS
   * objects: the role cannot call KMS directly with its credentials.
   */
  public static PolicyStatement keyUseVia(String sid, IKey key, List<String> services, String... actions) {
    return allow(sid, List.of(actions), List.of(key.getKeyArn()), Map.of("StringEquals", Map.of(
        "kms:ViaService", services.stream().map(Iam::serviceEndpoint).toList())));
  }

  /** {@code <service>.<region>.amazonaws.com}, as kms:ViaService names a service. */
  public static String serviceEndpoint(String service) {
    return service + "." + Aws.REGION + ".amazonaws.com";
  }

  /** {@code arn:<partition>:iam::<account>:role/<name>}. */
  public static String roleArn(String roleName) {
    return "arn:" + Aws.PARTITION + ":iam::" + Aws.ACCOUNT_ID + ":role/" + roleName;
  }

  /**
   * What a service needs to attach a workload to the VPC {@code vpcId} with this role (SageMaker
   * models, Lambda functions): network interfaces in that VPC only (ec2:Vpc), and the Describe calls,
   * which AWS authorizes only on Resource "*".
   */
  public static List<PolicyStatement> vpcNetworkInterfaces(String vpcId, String... extraActions) {
    List<String> actions = new java.util.ArrayList<>(List.of("ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface"));
    actions.addAll(List.of(extraActions));
    return List.of(
        allow("NetworkInterfacesInTheProjectVpc", actions,
            List.of(arn("ec2", "network-interface/*"), arn("ec2", "subnet/*"), arn("ec2", "security-group/*")),
            Map.of("ArnEquals", Map.of("ec2:Vpc", arn("ec2", "vpc/" + vpcId)))),
        allow("DescribeNetworkRequiresStar", List.of("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions"), List.of("*")));
  }
}
