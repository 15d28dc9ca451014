package dev.fheml.protocol;

/**
 * SageMaker's hosting contract as this project uses it: the two paths of the model server, the
 * request-id header the async invoker sends, the content types, and the JSON error body's fields
 * ({@code {"error": <code>, "message": <text>}}, see {@link ErrorCode}).
 */
public final class HostingContract {
    public static final String PING = "/ping";
    public static final String INVOCATIONS = "/invocations";
    /** Correlates a delivery with the server's request log (the async inference id). */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";
    /** Request and response envelopes. */
    public static final String ENVELOPE_CONTENT_TYPE = "application/octet-stream";
    /** Error bodies and {@code /ping}. */
    public static final String JSON_CONTENT_TYPE = "application/json";
    /** Error body field holding the {@link ErrorCode#code() code}. */
    public static final String ERROR_FIELD = "error";
    /** Error body field holding the human-readable message. */
    public static final String MESSAGE_FIELD = "message";
    /** {@code /ping} body field holding the served model id. */
    public static final String MODEL_ID_FIELD = "model_id";

    private HostingContract() {}
}
