package dev.fheml.protocol;

import java.util.Map;

/**
 * The {@code manifest.json} of an artifact zip, read by the client, the server and the publish
 * function of the training pipeline. The JSON field names are this record's component names; the
 * publish function gets the model id's field name from {@link #MODEL_ID_FIELD} (a test checks
 * that it is the component's name).
 *
 * @param formatVersion artifact format version
 * @param kind          {@link #SERVER} or {@link #CLIENT}
 * @param parameters    name of the FHE parameter set
 * @param modelId       SHA-256 of the canonical circuit
 * @param createdAt     ISO-8601 instant
 * @param createdBy     the writing program and version
 * @param info          free-form creation details (trainer, accuracy, hyperparameters...)
 */
public record Manifest(int formatVersion, String kind, String parameters, String modelId, String createdAt,
        String createdBy, Map<String, Object> info) {
    /** The artifact format this build writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** {@code kind} of {@code server.zip}. */
    public static final String SERVER = "server";
    /** {@code kind} of {@code client.zip}. */
    public static final String CLIENT = "client";
    /** JSON name of {@link #modelId()}. */
    public static final String MODEL_ID_FIELD = "modelId";

    public Manifest {
        info = Map.copyOf(info);
    }
}
