package dev.fheml.cli;

import dev.fheml.training.job.ImportJob;
import dev.fheml.training.job.ImportRequest;
import dev.fheml.training.job.TrainingJobException;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.sagemaker.Hyperparameters;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fhe-ml import model.onnx}: the SageMaker job with a {@code model} channel, on this machine.
 * The ONNX graph is reduced to affine layers and ReLUs, quantized on the calibration data (and
 * optionally fine-tuned), compiled and packaged like a trained model.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import an ONNX model (PyTorch, scikit-learn), quantize it on calibration data and compile it"
                + " for FHE, as the SageMaker job does with a 'model' channel.")
final class ImportCommand implements Callable<Integer> {
    static final String JOB_NAME = "fhe-ml-import-local";

    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX model file.")
    Path model;

    @Option(names = "--calibration", required = true, paramLabel = "PATH",
            description = "Labelled data in the client's raw units: one CSV file (label in the last column unless"
                    + " -p label=NAME) or a folder with an MNIST-style IDX pair. Calibrates the quantization.")
    Path calibration;

    @Option(names = "--test", paramLabel = "PATH", description = "Test data in the same form (default: a held-out share"
            + " of the calibration rows).")
    Path test;

    @Option(names = "--input-normalize", paramLabel = "MEAN,STD",
            description = "Images: the model expects torchvision's Normalize(MEAN, STD) after pixel/255 (default: pixel/255"
                    + " only, as ToTensor gives it). Same as -p input_normalize=MEAN,STD.")
    String inputNormalize;

    @Option(names = {"-p", "--hyperparameter"}, paramLabel = "NAME=VALUE",
            description = "An import setting, e.g. -p weight_bits=6 -p finetune_epochs=5 (see README).")
    Map<String, String> hyperparameters = new LinkedHashMap<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the model goes (must not exist"
            + " or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.out;
        Folders.requireNewOrEmpty(out);
        Map<String, String> settings = new LinkedHashMap<>(hyperparameters);
        if (inputNormalize != null) {
            settings.put("input_normalize", inputNormalize);
        }
        try {
            ImportRequest request = Hyperparameters.of(settings).importRequest();
            ModelPipeline.Result result = new ImportJob(request, JOB_NAME, log)
                    .run(model, calibration, Optional.ofNullable(test), out);
            log.println("model written to " + result.directory() + " (server.zip, client.zip, metrics.json)");
        } catch (TrainingJobException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        log.println("next: ./fhe-ml smoke-test --local --model-dir " + out);
        return 0;
    }
}
