package dev.fheml.cli;

import dev.fheml.training.job.TrainingJob;
import dev.fheml.training.job.TrainingJobException;
import dev.fheml.training.job.TrainingRequest;
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

/**
 * {@code fhe-ml train}: the SageMaker training job on this machine. The {@code -p} values go through
 * the training image's hyperparameter parser into the same {@link TrainingRequest}, and the same
 * {@link TrainingJob} runs it on the given paths, writing {@code server.zip}, {@code client.zip} and
 * {@code metrics.json} into {@code --out}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train and compile an FHE model from IDX or CSV data, as the SageMaker training job does.")
final class TrainCommand implements Callable<Integer> {
    /** The name recorded in metrics.json, where SageMaker records the job's. */
    static final String JOB_NAME = "fhe-ml-train-local";

    @Option(names = "--train", required = true, paramLabel = "PATH",
            description = "Training data: one CSV file (label in the last column unless -p label=NAME), or a folder"
                    + " with an MNIST-style IDX pair or one CSV file (links are followed).")
    Path train;

    @Option(names = "--test", paramLabel = "PATH", description = "Test data in the same form (default: a held-out share).")
    Path test;

    @Option(names = {"-p", "--hyperparameter"}, paramLabel = "NAME=VALUE",
            description = "A hyperparameter of the training job, e.g. -p model=logreg -p epochs=50 (see README).")
    Map<String, String> hyperparameters = new LinkedHashMap<>();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the model goes (must not exist or be empty).")
    Path out;

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.out;
        Folders.requireNewOrEmpty(out);
        try {
            TrainingRequest request = Hyperparameters.of(hyperparameters).request();
            ModelPipeline.Result result = new TrainingJob(request, JOB_NAME, log)
                    .run(train, Optional.ofNullable(test), out);
            log.println("model written to " + result.directory() + " (server.zip, client.zip, metrics.json)");
        } catch (TrainingJobException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        log.println("next: ./fhe-ml smoke-test --local --model-dir " + out);
        return 0;
    }
}
