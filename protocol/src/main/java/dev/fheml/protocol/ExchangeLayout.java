package dev.fheml.protocol;

/**
 * Object names in the exchange bucket (DESIGN §4) and the artifact bucket: the one place that
 * spells them. Clients, the inference server, the local async invoker, the CLI and the CDK app
 * (lifecycle rules, IAM statements) all build names here.
 *
 * <pre>
 * exchange bucket
 *   keys/&lt;model-id&gt;/&lt;key-id&gt;        evaluation keys, written once by a client
 *   queries/&lt;client&gt;/&lt;request-id&gt;    request envelopes (the async InputLocation)
 *   results/&lt;inference-id&gt;.out       response envelopes, written by SageMaker async inference
 *   failures/&lt;inference-id&gt;-error.out error bodies, written by SageMaker async inference
 *   client/&lt;model-id&gt;/client.zip     what a client needs, never the weights
 * artifact bucket
 *   models/&lt;training job&gt;/output/model.tar.gz
 * </pre>
 */
public final class ExchangeLayout {
    public static final String KEYS = "keys/";
    public static final String QUERIES = "queries/";
    public static final String RESULTS = "results/";
    public static final String FAILURES = "failures/";
    public static final String CLIENT = "client/";
    /** In the artifact bucket: SageMaker training output. */
    public static final String MODELS = "models/";
    /** Suffix SageMaker async inference gives an output object. */
    public static final String RESULT_SUFFIX = ".out";
    /** Suffix SageMaker async inference gives a failure object. */
    public static final String FAILURE_SUFFIX = "-error.out";

    private ExchangeLayout() {}

    /** {@code keys/<model-id>/<key-id>} under the default prefix. */
    public static String keyObject(String modelId, String keyId) {
        return keyObject(KEYS, modelId, keyId);
    }

    /** {@code <prefix><model-id>/<key-id>}; the server's key prefix is configurable. */
    public static String keyObject(String prefix, String modelId, String keyId) {
        requireId("model id", modelId);
        requireId("key id", keyId);
        return prefix + modelId + "/" + keyId;
    }

    /** {@code queries/<client>/<request-id>}. */
    public static String queryObject(String clientId, String requestId) {
        requireRequestId("client id", clientId);
        requireRequestId("request id", requestId);
        return QUERIES + clientId + "/" + requestId;
    }

    /** {@code results/<inference-id>.out}, where SageMaker async inference writes a response. */
    public static String resultObject(String inferenceId) {
        requireRequestId("inference id", inferenceId);
        return RESULTS + inferenceId + RESULT_SUFFIX;
    }

    /** {@code failures/<inference-id>-error.out}, where SageMaker async inference writes an error. */
    public static String failureObject(String inferenceId) {
        requireRequestId("inference id", inferenceId);
        return FAILURES + inferenceId + FAILURE_SUFFIX;
    }

    /** {@code client/<model-id>/client.zip}. */
    public static String clientZipObject(String modelId) {
        requireId("model id", modelId);
        return CLIENT + modelId + "/" + ArtifactNames.CLIENT_ZIP;
    }

    /** {@code s3://<bucket>/<key>}. */
    public static String s3Uri(String bucket, String key) {
        return "s3://" + bucket + "/" + key;
    }

    private static void requireId(String what, String id) {
        if (!Ids.isId(id)) {
            throw new IllegalArgumentException(what + " must be 64 lowercase hex digits: " + id);
        }
    }

    private static void requireRequestId(String what, String id) {
        if (!Ids.isRequestId(id)) {
            throw new IllegalArgumentException(what + " must be 1-128 of [A-Za-z0-9._:-]: " + id);
        }
    }
}
