package dev.fheml.protocol;

/**
 * The SageMaker channels of the training image ({@code /opt/ml/input/data/<channel>/}), named by
 * the training pipeline's state machine and read by the training job.
 */
public final class TrainingChannels {
    /** Training data (required). */
    public static final String TRAIN = "train";
    /** Test data for the metrics (optional; a held-out share otherwise). */
    public static final String TEST = "test";
    /** An ONNX model to import instead of training ({@code train} then calibrates its quantization). */
    public static final String MODEL = "model";

    private TrainingChannels() {}
}
