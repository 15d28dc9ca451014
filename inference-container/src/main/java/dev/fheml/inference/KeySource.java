package dev.fheml.inference;

import dev.fheml.protocol.ErrorCode;

/** Where serialized evaluation keys come from. */
public interface KeySource extends AutoCloseable {
    /**
     * The stored bytes of {@code keys/<model-id>/<key-id>}, unverified.
     *
     * @throws InferenceException {@link ErrorCode#UNKNOWN_KEY} when there is no such key,
     *     {@link ErrorCode#INVALID_KEY} when it is larger than {@code maxBytes},
     *     {@link ErrorCode#KEY_STORE_UNAVAILABLE} for any other failure
     */
    byte[] fetch(String modelId, String keyId, long maxBytes);

    @Override
    default void close() {}
}
