package dev.fheml.infra.storage;

import dev.fheml.infra.common.InfraConfig;
import java.util.Objects;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * What the storage stack hands to the others: the key, the three buckets, the two repositories, the
 * isolated VPC and the alarm topic.
 *
 * @param key encrypts every bucket, repository, SageMaker volume and output, topic, queue, log group
 *     and the state machine
 * @param artifacts model output ({@code models/<job>/output/model.tar.gz}); never client-readable
 * @param data training input
 * @param exchange keys, queries, results, failures and the published {@code client/} artifacts
 * @param vpc private isolated subnets only; S3 through a gateway endpoint limited to the project buckets
 * @param alarmTopic every alarm of the project and the training-failure rule publish here
 */
public record StorageResources(
    IKey key,
    IBucket artifacts,
    IBucket data,
    IBucket exchange,
    IRepository trainingRepository,
    IRepository inferenceRepository,
    IVpc vpc,
    ITopic alarmTopic) {

  /** What a digest parameter accepts: the form {@code scripts/push-images.sh} prints. */
  public static final String DIGEST_PATTERN = "^sha256:[0-9a-f]{64}$";

  public StorageResources {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(artifacts, "artifacts");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(exchange, "exchange");
    Objects.requireNonNull(trainingRepository, "trainingRepository");
    Objects.requireNonNull(inferenceRepository, "inferenceRepository");
    Objects.requireNonNull(vpc, "vpc");
    Objects.requireNonNull(alarmTopic, "alarmTopic");
  }

  /** The training image, pinned by digest (see {@link #imageByDigest}). */
  public String trainingImage(Construct scope, InfraConfig config) {
    return imageByDigest(scope, trainingRepository, config.trainingImageDigest(), "TrainingImageDigest",
        InfraConfig.Key.TRAINING_IMAGE_DIGEST);
  }

  /** The inference image, pinned by digest (see {@link #imageByDigest}). */
  public String inferenceImage(Construct scope, InfraConfig config) {
    return imageByDigest(scope, inferenceRepository, config.inferenceImageDigest(), "InferenceImageDigest",
        InfraConfig.Key.INFERENCE_IMAGE_DIGEST);
  }

  /**
   * {@code <repository uri>@sha256:...}. Images are never deployed by tag: with the digest in context
   * it is written into the template; without it the template asks for it as the CloudFormation
   * parameter {@code parameterId}, which has no default and accepts only a digest, so {@code cdk
   * deploy} stops before changing anything ("missing a value" / the constraint description) instead
   * of deploying whatever {@code :latest} points at.
   */
  private static String imageByDigest(Construct scope, IRepository repository, String digest, String parameterId,
      InfraConfig.Key key) {
    if (!digest.isEmpty()) {
      return repository.repositoryUriForDigest(digest);
    }
    CfnParameter parameter = CfnParameter.Builder.create(scope, parameterId)
        .type("String")
        .description("Digest (sha256:...) of the image to deploy, as printed by scripts/push-images.sh; give it"
            + " as -c " + key.contextKey() + "=sha256:... (images are never deployed by tag)")
        .allowedPattern(DIGEST_PATTERN)
        .constraintDescription("must be an image digest sha256:<64 hex digits>; a tag such as latest is refused."
            + " Deploy with -c " + key.contextKey() + "=sha256:... from scripts/push-images.sh")
        .build();
    return repository.repositoryUriForDigest(parameter.getValueAsString());
  }
}
