package dev.fheml.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of an {@link FheClient}; built by {@link FheClient.Builder}.
 *
 * @param clientZip         local {@code client.zip}, or {@code null} when read from S3
 * @param clientZipS3Key    key of {@code client.zip} in {@code bucket}, or {@code null}
 * @param expectedModelId   model id the caller expects (from the deploy), or {@code null} to accept the zip's
 * @param keyStore          root of the local key store
 * @param bucket            the exchange bucket ({@code keys/}, {@code queries/}, {@code results/}, {@code failures/})
 * @param endpointName      SageMaker endpoint
 * @param region            AWS region, or {@code null} for the SDK's default chain
 * @param s3Endpoint        S3 endpoint override (local stack), or {@code null}
 * @param sageMakerEndpoint SageMaker runtime endpoint override (local stack), or {@code null}
 * @param accessKeyId       static credentials, or {@code null} for the SDK's default chain
 * @param secretAccessKey   see {@code accessKeyId}
 * @param clientId          folder under {@code queries/} for this client's requests
 * @param timeout           deadline of one prediction, upload to decrypted result
 * @param pollInitial       first wait between polls of the output location
 * @param pollMax           longest wait between polls (the wait grows by 1.5x with ±20 % jitter)
 * @param notificationQueue SQS queue URL subscribed to the endpoint's success and error SNS topics, or
 *                          {@code null} to poll S3 only; with it, results are picked up when notified and
 *                          S3 is polled every {@code pollMax} as a fallback
 * @param sqsEndpoint       SQS endpoint override (local stack), or {@code null} for AWS
 * @param maxAttempts       attempts per AWS call (SDK standard retry: exponential backoff with jitter,
 *                          throttling included) and submissions per prediction when the endpoint
 *                          answers busy/unavailable
 * @param fipsEndpoints     use the FIPS endpoints of S3, SQS and the SageMaker runtime (FIPS 140
 *                          validated TLS termination; available in US and GovCloud regions only)
 * @param awsAttemptTimeout deadline of one attempt of an AWS call (S3 reads include the body); above
 *                          SQS's 20 s long poll when there is a notification queue
 * @param awsCallTimeout    deadline of one AWS call, its retries included (an evaluation key upload is one call)
 */
public record ClientConfig(Path clientZip, String clientZipS3Key, String expectedModelId, Path keyStore, String bucket,
        String endpointName, String region, URI s3Endpoint, URI sageMakerEndpoint, String accessKeyId,
        String secretAccessKey, String clientId, Duration timeout, Duration pollInitial, Duration pollMax,
        String notificationQueue, URI sqsEndpoint, int maxAttempts, boolean fipsEndpoints, Duration awsAttemptTimeout,
        Duration awsCallTimeout) {
    public ClientConfig {
        if ((clientZip == null) == (clientZipS3Key == null)) {
            throw new IllegalArgumentException("give exactly one of clientZip(path) and clientZipFromS3(key)");
        }
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(endpointName, "endpointName");
        Objects.requireNonNull(clientId, "clientId");
        if (!clientId.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("clientId must be 1-64 of [A-Za-z0-9._-]: " + clientId);
        }
        if ((accessKeyId == null) != (secretAccessKey == null)) {
            throw new IllegalArgumentException("give both accessKeyId and secretAccessKey, or neither");
        }
        if (maxAttempts < 1 || timeout.isNegative() || timeout.isZero() || pollInitial.isNegative()
                || pollMax.compareTo(pollInitial) < 0) {
            throw new IllegalArgumentException("maxAttempts >= 1, a positive timeout and pollInitial <= pollMax are required");
        }
        if ((notificationQueue != null && awsAttemptTimeout.compareTo(Duration.ofSeconds(21)) < 0)
                || awsCallTimeout.compareTo(awsAttemptTimeout) < 0) {
            throw new IllegalArgumentException("with a notification queue the AWS attempt timeout must exceed SQS's 20 s"
                    + " long poll, and the call timeout must be at least the attempt timeout");
        }
        if (fipsEndpoints && (s3Endpoint != null || sageMakerEndpoint != null || sqsEndpoint != null)) {
            throw new IllegalArgumentException("FIPS endpoints and endpoint overrides exclude each other: the overrides"
                    + " name the endpoints to use");
        }
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "ClientConfig[endpoint " + endpointName + ", bucket " + bucket + ", region " + region
                + (s3Endpoint == null ? "" : ", s3 " + s3Endpoint) + (sageMakerEndpoint == null ? "" : ", sagemaker "
                + sageMakerEndpoint) + (notificationQueue == null ? "" : ", notifications " + notificationQueue)
                + ", client " + clientId + ", timeout " + timeout + (fipsEndpoints ? ", FIPS endpoints" : "") + "]";
    }
}
