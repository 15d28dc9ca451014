package dev.fheml.protocol;

/**
 * Environment variables the images read: set by the CDK app (the SageMaker model's environment),
 * by the local stack and by the container tests. Defaults are the server's and documented in
 * docs/serving.md.
 */
public final class ContainerEnvironment {
    /** SageMaker's port for the model server (8080 when unset). */
    public static final String BIND_TO_PORT = "SAGEMAKER_BIND_TO_PORT";
    /** Folder holding {@code server.zip} ({@code /opt/ml/model}). */
    public static final String MODEL_DIR = "FHEML_MODEL_DIR";
    /** Bucket holding the evaluation keys (required). */
    public static final String KEY_BUCKET = "FHEML_KEY_BUCKET";
    /** Prefix of the keys in that bucket ({@link ExchangeLayout#KEYS} when unset). */
    public static final String KEY_PREFIX = "FHEML_KEY_PREFIX";
    /** S3 endpoint override (local stack only). */
    public static final String S3_ENDPOINT = "FHEML_S3_ENDPOINT";
    /** The AWS region (set by SageMaker). */
    public static final String REGION = "AWS_REGION";
    public static final String MAX_BODY_BYTES = "FHEML_MAX_BODY_BYTES";
    public static final String CONCURRENCY = "FHEML_CONCURRENCY";
    public static final String QUEUE_TIMEOUT_MS = "FHEML_QUEUE_TIMEOUT_MS";
    public static final String REQUEST_TIMEOUT_MS = "FHEML_REQUEST_TIMEOUT_MS";
    public static final String KEY_CACHE_BYTES = "FHEML_KEY_CACHE_BYTES";
    public static final String EVAL_THREADS = "FHEML_EVAL_THREADS";
    public static final String SHUTDOWN_GRACE_MS = "FHEML_SHUTDOWN_GRACE_MS";
    /** Total time a request body may take to arrive. */
    public static final String BODY_TIMEOUT_MS = "FHEML_BODY_TIMEOUT_MS";
    /** Slowest accepted request body, bytes per second. */
    public static final String MIN_BODY_RATE = "FHEML_MIN_BODY_BYTES_PER_S";
    /** Memory one request may use (body, ciphertexts, response); default from the container's memory. */
    public static final String REQUEST_MEMORY_BYTES = "FHEML_REQUEST_MEMORY_BYTES";
    /** Bootstraps one request may cost. */
    public static final String REQUEST_MAX_BOOTSTRAPS = "FHEML_REQUEST_MAX_BOOTSTRAPS";
    /** Memory the server may use in all (the container's limit when unset). */
    public static final String MEMORY_BYTES = "FHEML_MEMORY_BYTES";
    /** Deadline of one call to S3 (all attempts). */
    public static final String S3_CALL_TIMEOUT_MS = "FHEML_S3_CALL_TIMEOUT_MS";
    /** Deadline of one attempt of a call to S3. */
    public static final String S3_ATTEMPT_TIMEOUT_MS = "FHEML_S3_ATTEMPT_TIMEOUT_MS";
    /** Training image: moves SageMaker's {@code /opt/ml} (tests run the contract without a container). */
    public static final String TRAINING_ROOT = "FHEML_SAGEMAKER_ROOT";

    private ContainerEnvironment() {}
}
