package dev.fheml.client;

import dev.fheml.protocol.Envelope;
import java.time.Duration;

/**
 * How {@link BulkScorer} splits and paces a large input set.
 *
 * <p>A request holds as many inputs as fit, with {@code headroom}, inside both limits of one async
 * request: its payload ({@code maxRequestBytes}; SageMaker async inference accepts up to 1 GB) and
 * its processing time at {@code timePerInput} ({@code maxRequestTime}; SageMaker allows up to 1 h),
 * and no more than {@code maxBatch} (and the envelope's 4096).
 *
 * @param maxRequestBytes largest request payload the endpoint accepts
 * @param maxRequestTime  longest evaluation of one request the endpoint allows
 * @param timePerInput    measured evaluation time of one input on one instance
 * @param headroom        fraction of each limit a request may use, in (0, 1]
 * @param maxBatch        inputs per request at most (1..4096)
 * @param inFlight        requests submitted and not yet answered at most; one more is encrypted ahead
 * @param resubmits       times a failed or timed-out request is submitted again (same request id)
 */
public record BulkOptions(long maxRequestBytes, Duration maxRequestTime, Duration timePerInput, double headroom,
        int maxBatch, int inFlight, int resubmits) {
    /** SageMaker asynchronous inference: the largest payload. */
    public static final long SAGEMAKER_ASYNC_MAX_PAYLOAD_BYTES = 1_000_000_000L;
    /** SageMaker asynchronous inference: the longest processing time of one request. */
    public static final Duration SAGEMAKER_ASYNC_MAX_PROCESSING = Duration.ofHours(1);
    /** The default MNIST MLP on 2 vCPUs: server time per image p90 in the README's benchmark (1.26 s), rounded up. */
    public static final Duration MEASURED_TIME_PER_IMAGE = Duration.ofMillis(1300);

    public BulkOptions {
        if (maxRequestBytes < 1 || maxRequestTime == null || maxRequestTime.isNegative() || maxRequestTime.isZero()
                || timePerInput == null || timePerInput.isNegative() || timePerInput.isZero()) {
            throw new IllegalArgumentException("the request limits and the time per input must be positive");
        }
        if (!(headroom > 0 && headroom <= 1)) {
            throw new IllegalArgumentException("headroom must be in (0, 1], got " + headroom);
        }
        if (maxBatch < 1 || maxBatch > Envelope.MAX_COUNT || inFlight < 1 || resubmits < 0) {
            throw new IllegalArgumentException("maxBatch must be in [1, " + Envelope.MAX_COUNT + "], inFlight >= 1 and"
                    + " resubmits >= 0; got " + maxBatch + ", " + inFlight + ", " + resubmits);
        }
    }

    /** SageMaker's async limits at half, the measured MNIST time per image, 4 requests in flight, one resubmission. */
    public static BulkOptions defaults() {
        return new BulkOptions(SAGEMAKER_ASYNC_MAX_PAYLOAD_BYTES, SAGEMAKER_ASYNC_MAX_PROCESSING,
                MEASURED_TIME_PER_IMAGE, 0.5, Envelope.MAX_COUNT, 4, 1);
    }

    public BulkOptions withLimits(long bytes, Duration time) {
        return new BulkOptions(bytes, time, timePerInput, headroom, maxBatch, inFlight, resubmits);
    }

    public BulkOptions withTimePerInput(Duration v) {
        return new BulkOptions(maxRequestBytes, maxRequestTime, v, headroom, maxBatch, inFlight, resubmits);
    }

    public BulkOptions withMaxBatch(int v) {
        return new BulkOptions(maxRequestBytes, maxRequestTime, timePerInput, headroom, v, inFlight, resubmits);
    }

    public BulkOptions withInFlight(int v) {
        return new BulkOptions(maxRequestBytes, maxRequestTime, timePerInput, headroom, maxBatch, v, resubmits);
    }

    public BulkOptions withResubmits(int v) {
        return new BulkOptions(maxRequestBytes, maxRequestTime, timePerInput, headroom, maxBatch, inFlight, v);
    }

    /**
     * Inputs per request for inputs of {@code bytesPerInput} encrypted bytes each.
     *
     * @throws IllegalArgumentException not even one input fits the payload limit
     */
    public int batchSize(long bytesPerInput) {
        long byBytes = (long) (headroom * maxRequestBytes) / Math.max(1, bytesPerInput);
        if (byBytes < 1) {
            throw new IllegalArgumentException("one encrypted input is " + bytesPerInput + " bytes, over "
                    + headroom + " x the request limit of " + maxRequestBytes + " bytes");
        }
        long byTime = (long) (headroom * maxRequestTime.toNanos() / timePerInput.toNanos());
        return (int) Math.max(1, Math.min(Math.min(byBytes, byTime), maxBatch));
    }
}
