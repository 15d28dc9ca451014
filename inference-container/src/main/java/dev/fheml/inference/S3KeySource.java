package dev.fheml.inference;

import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import java.io.IOException;
import java.io.InputStream;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads evaluation keys from {@code s3://<bucket>/<prefix><model-id>/<key-id>} (the container
 * needs {@code s3:GetObject} on that prefix only). A missing key answers 404, or 403 when the role
 * may not list the bucket: both mean "unknown key". The body is read inside the SDK call (a
 * response transformer), so the client's attempt and call timeouts bound the download too: an S3
 * that accepts connections and never answers, or stalls mid-body, costs at most the call timeout.
 */
public final class S3KeySource implements KeySource {
    private final S3Client s3;
    private final String bucket;
    private final String prefix;

    public S3KeySource(S3Client s3, String bucket, String prefix) {
        this.s3 = s3;
        this.bucket = bucket;
        this.prefix = prefix;
    }

    /** A source with its own client, configured from the server configuration. */
    public static S3KeySource create(ServerConfig config) {
        S3ClientBuilder b = S3Client.builder();
        if (config.region() != null) {
            b.region(Region.of(config.region()));
        } else if (config.s3Endpoint() != null) {
            b.region(Region.US_EAST_1); // any region signs for a local endpoint
        }
        if (config.s3Endpoint() != null) {
            b.endpointOverride(config.s3Endpoint()).forcePathStyle(true);
        }
        b.overrideConfiguration(o -> o.apiCallAttemptTimeout(config.s3AttemptTimeout())
                .apiCallTimeout(config.s3CallTimeout()));
        b.credentialsProvider(config.accessKeyId() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKeyId(), config.secretAccessKey()))
                : DefaultCredentialsProvider.builder().build());
        return new S3KeySource(b.build(), config.keyBucket(), config.keyPrefix());
    }

    @Override
    public byte[] fetch(String modelId, String keyId, long maxBytes) {
        String key = ExchangeLayout.keyObject(prefix, modelId, keyId);
        try {
            return s3.getObject(GetObjectRequest.builder().bucket(bucket).key(key).build(),
                    (GetObjectResponse response, AbortableInputStream in) -> {
                        Long length = response.contentLength();
                        if (length != null && length > maxBytes) {
                            in.abort();
                            throw new TooLarge("evaluation key " + keyId + " is " + length + " bytes, above the limit of "
                                    + maxBytes);
                        }
                        return readAtMost(in, maxBytes, keyId);
                    });
        } catch (TooLarge e) {
            throw new InferenceException(ErrorCode.INVALID_KEY, e.getMessage());
        } catch (NoSuchKeyException e) {
            throw unknown(keyId);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 || e.statusCode() == 403) {
                throw unknown(keyId);
            }
            throw new InferenceException(ErrorCode.KEY_STORE_UNAVAILABLE,
                    "reading evaluation key " + keyId + " failed: S3 status " + e.statusCode(), e);
        } catch (SdkException e) {
            TooLarge tooLarge = causeOf(e, TooLarge.class);
            if (tooLarge != null) {
                throw new InferenceException(ErrorCode.INVALID_KEY, tooLarge.getMessage());
            }
            throw new InferenceException(ErrorCode.KEY_STORE_UNAVAILABLE,
                    "reading evaluation key " + keyId + " failed: " + e.getClass().getSimpleName(), e);
        }
    }

    /** A stored key over the size limit, raised inside the SDK call; unchecked so the SDK does not retry it. */
    private static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge(String message) {
            super(message);
        }
    }

    private static <T extends Throwable> T causeOf(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static byte[] readAtMost(InputStream in, long maxBytes, String keyId) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) {
            throw new TooLarge("evaluation key " + keyId + " is above the limit of " + maxBytes + " bytes");
        }
        return bytes;
    }

    private static InferenceException unknown(String keyId) {
        return new InferenceException(ErrorCode.UNKNOWN_KEY, "no evaluation key " + keyId
                + " for this model: upload it to " + ExchangeLayout.KEYS + "<model-id>/<key-id> first");
    }

    @Override
    public void close() {
        s3.close();
    }
}
