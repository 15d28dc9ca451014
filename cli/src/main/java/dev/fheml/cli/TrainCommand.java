package dev.fheml.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.training.sagemaker.SageMakerPaths;
import dev.fheml.training.sagemaker.TrainingJob;
import dev.fheml.training.sagemaker.TrainingJobException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml train}: the SageMaker training job, on this machine. Lays out a job folder as
 * SageMaker does ({@code input/config/hyperparameters.json}, {@code input/data/<channel>/}), runs
 * the same {@link TrainingJob} as the training image, and moves {@code server.zip},
 * {@code client.zip} and {@code metrics.json} to {@code --out}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train and compile an FHE model from IDX or CSV data, as the SageMaker training job does.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--train", required = true, paramLabel = "PATH",
            description = "Training data: one CSV file (label in the last column unless -p label=NAME), or a folder"
                    + " with an MNIST-style IDX pair.")
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
        if (Files.exists(out) && !isEmptyDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " exists and is not empty: choose a new folder");
        }
        Path root = Files.createTempDirectory("fhe-ml-train-");
        try {
            SageMakerPaths paths = new SageMakerPaths(root);
            Files.createDirectories(paths.hyperparameters().getParent());
            new ObjectMapper().writeValue(paths.hyperparameters().toFile(), hyperparameters);
            link(paths.channel(TrainingJob.TRAIN), train);
            if (test != null) {
                link(paths.channel(TrainingJob.TEST), test);
            }
            try {
                new TrainingJob(paths, "fhe-ml-train-local", log).run();
            } catch (TrainingJobException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            Files.createDirectories(out);
            try (Stream<Path> files = Files.list(paths.model())) {
                for (Path f : files.toList()) {
                    Files.move(f, out.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            log.println("model written to " + out + " (server.zip, client.zip, metrics.json)");
            log.println("next: ./fhe-ml smoke-test --local --model-dir " + out);
            return 0;
        } finally {
            MnistModels.deleteRecursively(root);
        }
    }

    /** A channel folder holding {@code data}: the folder itself, or the one file. */
    private static void link(Path channel, Path data) throws IOException {
        Path source = data.toAbsolutePath();
        if (Files.isDirectory(source)) {
            Files.createDirectories(channel.getParent());
            Files.createSymbolicLink(channel, source);
        } else if (Files.isRegularFile(source)) {
            Files.createDirectories(channel);
            Files.createSymbolicLink(channel.resolve(source.getFileName()), source);
        } else {
            throw new IllegalArgumentException("no such file or folder: " + data);
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
