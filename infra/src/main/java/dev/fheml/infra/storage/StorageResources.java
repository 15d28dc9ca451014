package dev.fheml.infra.storage;

import dev.fheml.infra.common.InfraConfig;
import java.util.Objects;
import software.amazon.awscdk.services.ecr.IRepository;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.s3.IBucket;

/**
 * What the storage stack hands to the others: the key, the three buckets and the two repositories.
 *
 * @param key encrypts every bucket, repository, SageMaker volume and output, topic, queue and log group
 * @param artifacts model output ({@code models/<job>/output/model.tar.gz}); never client-readable
 * @param data training input
 * @param exchange keys, queries, results, failures and the published {@code client/} artifacts
 */
public record StorageResources(
    IKey key,
    IBucket artifacts,
    IBucket data,
    IBucket exchange,
    IRepository trainingRepository,
    IRepository inferenceRepository) {

  public StorageResources {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(artifacts, "artifacts");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(exchange, "exchange");
    Objects.requireNonNull(trainingRepository, "trainingRepository");
    Objects.requireNonNull(inferenceRepository, "inferenceRepository");
  }

  /** The training image: by digest when {@code trainingImageDigest} is set, else by tag. */
  public String trainingImage(InfraConfig config) {
    return imageUri(trainingRepository, config.trainingImageDigest(), config.trainingImageTag());
  }

  /** The inference image: by digest when {@code inferenceImageDigest} is set, else by tag. */
  public String inferenceImage(InfraConfig config) {
    return imageUri(inferenceRepository, config.inferenceImageDigest(), config.inferenceImageTag());
  }

  private static String imageUri(IRepository repository, String digest, String tag) {
    return digest.isEmpty() ? repository.repositoryUriForTag(tag) : repository.repositoryUriForDigest(digest);
  }
}
