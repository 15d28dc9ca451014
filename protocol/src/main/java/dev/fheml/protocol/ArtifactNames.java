package dev.fheml.protocol;

/**
 * Names of a model's artifacts: the files a training job writes into SageMaker's model folder
 * (packed as {@code model.tar.gz}) and the entries inside the two zips. Each zip starts with a
 * {@link Manifest}.
 */
public final class ArtifactNames {
    /** The circuit and its manifest: what the inference server loads. */
    public static final String SERVER_ZIP = "server.zip";
    /** The client spec, smoke-test samples and manifest: never weights. */
    public static final String CLIENT_ZIP = "client.zip";
    /** The training job's measurements (accuracy, bootstraps, noise report). */
    public static final String METRICS = "metrics.json";
    /** What SageMaker makes of the model folder. */
    public static final String MODEL_TARBALL = "model.tar.gz";

    /** Zip entry: the {@link Manifest}. */
    public static final String MANIFEST_ENTRY = "manifest.json";
    /** Zip entry of {@code server.zip}: the canonical circuit. */
    public static final String CIRCUIT_ENTRY = "circuit.json";
    /** Zip entry of {@code client.zip}: the client spec. */
    public static final String CLIENT_SPEC_ENTRY = "client.json";
    /** Zip entry of {@code client.zip}: known inputs with their expected classes. */
    public static final String SAMPLES_ENTRY = "samples.json";

    private ArtifactNames() {}
}
