package dev.fheml.infra.app;

import java.util.Map;

/**
 * CDK feature flags this app depends on, set in code so that {@code cdk synth} and the tests build
 * the same templates (tests do not read {@code cdk.json}).
 */
public final class FeatureFlags {
  /**
   * {@code serverAccessLogsUseBucketPolicy}: S3 log delivery is granted by bucket policy, not by the
   * legacy LogDeliveryWrite ACL (ACLs are disabled: BucketOwnerEnforced). {@code
   * createDefaultLoggingPolicy}: the policy is created with the bucket. {@code
   * defaultCrossStackReferences=strong}: stacks pass resources as CloudFormation exports (the storage
   * stack cannot be changed under a stack that still imports from it).
   */
  public static final Map<String, Object> VALUES = Map.of(
      "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true,
      "@aws-cdk/aws-s3:createDefaultLoggingPolicy", true,
      "@aws-cdk/aws-iam:standardizedServicePrincipals", true,
      "@aws-cdk/core:enablePartitionLiterals", true,
      "@aws-cdk/aws-kms:aliasNameRef", true,
      "@aws-cdk/core:defaultCrossStackReferences", "strong");

  private FeatureFlags() {}
}
