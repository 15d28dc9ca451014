package dev.fheml.cli;

import dev.fheml.core.artifact.Folders;
import dev.fheml.protocol.Ids;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.job.ImportJob;
import dev.fheml.training.job.TrainingData;
import dev.fheml.training.job.TrainingJobException;
import dev.fheml.training.job.TrainingRequest;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.pipeline.TrainingMetrics;
import dev.fheml.training.sagemaker.Hyperparameters;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.TrainingConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Trained and compiled MNIST models, cached under {@code ~/.cache/fhe-ml/models/<recipe>/} (or
 * {@code $FHEML_CACHE}) so the demo and benchmarks train once per recipe.
 */
final class MnistModels {
    /** Bumped when the recipe, compiler or artifact format changes what a cached model means. */
    // v2: saturating, sanitized circuits (format 2); v3: worst cases over the previous tables, range
    // reduction for imports
    private static final String CACHE_VERSION = "v4";

    /** A ready model folder with its metrics. */
    record Model(Path directory, TrainingMetrics metrics) {
        Path serverZip() {
            return directory.resolve(ModelPipeline.SERVER_ZIP);
        }

        Path clientZip() {
            return directory.resolve(ModelPipeline.CLIENT_ZIP);
        }
    }

    private MnistModels() {}

    static Path cacheRoot() {
        String env = System.getenv("FHEML_CACHE");
        return env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "fhe-ml");
    }

    /**
     * The cached import of an ONNX model, calibrated on the bundled MNIST training images and measured on
     * the test images, importing it first if needed. The cache key is the file's content and the settings.
     */
    static Model ensureImported(Path onnx, Map<String, String> settings, PrintStream log) throws IOException {
        if (!Files.isRegularFile(onnx)) {
            throw new IllegalArgumentException("--onnx " + onnx + " is not a file");
        }
        String key = Ids.sha256((Ids.sha256(Files.readAllBytes(onnx)) + new TreeMap<>(settings))
                .getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        String recipe = "onnx-" + onnx.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + key + "-"
                + CACHE_VERSION;
        Path dir = cacheRoot().resolve("models").resolve(recipe);
        Optional<TrainingMetrics> metrics = reusable(dir, log);
        if (metrics.isPresent()) {
            log.println("model: reusing " + dir);
            return new Model(dir, metrics.get());
        }
        BundledData data = BundledData.locate();
        TrainingData train = new TrainingData(ImportJob.CALIBRATION, data.mnistTrain(), Optional.of(Mnist.IMAGE),
                List.of(data.root().resolve("mnist")));
        TrainingData test = new TrainingData(ImportJob.TEST, data.mnistTest(), Optional.of(Mnist.IMAGE),
                List.of(data.root().resolve("mnist")));
        Path tmp = Files.createDirectories(dir.getParent()).resolve(recipe + ".tmp-" + ProcessHandle.current().pid());
        ModelPipeline.Result result;
        try {
            result = new ImportJob(Hyperparameters.of(settings).importRequest(), recipe, log)
                    .run(onnx, train, Optional.of(test), tmp);
        } catch (TrainingJobException e) {
            Folders.deleteQuietly(tmp);
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Folders.deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        log.println("model: saved to " + dir);
        return new Model(dir, result.metrics());
    }

    /** Returns the cached model for the recipe, training and compiling it first if needed. */
    static Model ensure(List<Integer> hidden, Integer epochs, long seed, String params, boolean retrain,
            PrintStream log) throws IOException {
        return ensure(hidden, epochs, seed, params, true, retrain, log);
    }

    /** As above, with sanitized responses or without. */
    static Model ensure(List<Integer> hidden, Integer epochs, long seed, String params, boolean sanitize,
            boolean retrain, PrintStream log) throws IOException {
        String recipe = "mnist-" + (hidden.isEmpty() ? "logreg" : "mlp-h" + hidden.toString().replaceAll("[^0-9,]", "")
                .replace(',', '-')) + "-e" + (epochs == null ? "default" : epochs) + "-s" + seed + "-" + params
                + (sanitize ? "" : "-unsanitized") + "-" + CACHE_VERSION;
        Path dir = cacheRoot().resolve("models").resolve(recipe);
        Optional<TrainingMetrics> metrics = retrain ? Optional.empty() : reusable(dir, log);
        if (metrics.isPresent()) {
            log.println("model: reusing " + dir);
            return new Model(dir, metrics.get());
        }
        BundledData data = BundledData.locate();
        Dataset train = data.mnistTrain();
        Dataset test = data.mnistTest();
        // The training job's defaults for MNIST images (the measured recipe), as `fhe-ml train` would use.
        TrainingRequest.Builder settings = TrainingRequest.builder().seed(seed).parameters(params)
                .model(hidden.isEmpty() ? ModelKind.LOGREG : ModelKind.MLP).hidden(hidden)
                .augment(!hidden.isEmpty()); // the digits' recipe; the job augments only when asked
        if (epochs != null) {
            settings.epochs(epochs);
        }
        TrainingRequest request = settings.build();
        TrainingConfig config = request.trainingConfig(DataShape.of(train, Optional.of(Mnist.IMAGE)));
        Path tmp = Files.createDirectories(dir.getParent()).resolve(recipe + ".tmp-" + ProcessHandle.current().pid());
        ModelPipeline.Result result = ModelPipeline.run(recipe, config, train, test,
                ModelPipeline.layout(Optional.of(Mnist.IMAGE), train.numFeatures()), request.compileOptions().withSanitize(sanitize), tmp,
                ProgressListener.printingTo(log), log);
        Folders.deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        log.println("model: saved to " + dir);
        return new Model(dir, result.metrics());
    }

    /**
     * The metrics of the cached model in {@code dir}, or empty when there is none or it cannot be read (a
     * copy written by another version of fhe-ml, a truncated file): such a copy is rebuilt, not an error.
     */
    static Optional<TrainingMetrics> reusable(Path dir, PrintStream log) {
        try {
            return ModelPipeline.readMetrics(dir);
        } catch (IOException e) {
            log.println("model: the cached copy in " + dir + " cannot be read (" + e.getClass().getSimpleName()
                    + "); rebuilding it");
            return Optional.empty();
        }
    }
}
