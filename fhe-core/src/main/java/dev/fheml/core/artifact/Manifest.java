package dev.fheml.core.artifact;

import java.util.Map;

/**
 * The {@code manifest.json} of an artifact zip.
 *
 * @param kind "server" or "client"
 * @param modelId SHA-256 of the canonical circuit
 * @param info free-form creation details (trainer, accuracy, hyperparameters...)
 */
public record Manifest(int formatVersion, String kind, String parameters, String modelId, String createdAt,
        String createdBy, Map<String, Object> info) {
    public Manifest {
        info = Map.copyOf(info);
    }
}
