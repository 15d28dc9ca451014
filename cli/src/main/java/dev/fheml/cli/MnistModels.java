package dev.fheml.cli;

import dev.fheml.training.compile.CompileOptions;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.pipeline.Recipes;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.TrainingConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Trained and compiled MNIST models, cached under {@code ~/.cache/fhe-ml/models/<recipe>/} (or
 * {@code $FHEML_CACHE}) so the demo and benchmarks train once per recipe.
 */
final class MnistModels {
    /** Bumped when the recipe, compiler or artifact format changes what a cached model means. */
    private static final String CACHE_VERSION = "v1";

    /** A ready model folder with its metrics. */
    record Model(Path directory, Map<String, Object> metrics) {
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

    /** Returns the cached model for the recipe, training and compiling it first if needed. */
    static Model ensure(List<Integer> hidden, Integer epochs, long seed, String params, boolean retrain,
            PrintStream log) throws IOException {
        String recipe = "mnist-" + (hidden.isEmpty() ? "logreg" : "mlp-h" + hidden.toString().replaceAll("[^0-9,]", "")
                .replace(',', '-')) + "-e" + (epochs == null ? "default" : epochs) + "-s" + seed + "-" + params + "-"
                + CACHE_VERSION;
        Path dir = cacheRoot().resolve("models").resolve(recipe);
        Map<String, Object> metrics = retrain ? null : ModelPipeline.readMetrics(dir);
        if (metrics != null) {
            log.println("model: reusing " + dir);
            return new Model(dir, metrics);
        }
        BundledData data = BundledData.locate();
        Dataset train = data.mnistTrain();
        Dataset test = data.mnistTest();
        TrainingConfig config = Recipes.mnist(hidden, epochs, seed);
        Path tmp = Files.createDirectories(dir.getParent()).resolve(recipe + ".tmp-" + ProcessHandle.current().pid());
        ModelPipeline.Result result = ModelPipeline.run(recipe, config, train, test,
                CompileOptions.defaults().withParameters(params), tmp, ProgressListener.printingTo(log), log);
        deleteRecursively(dir);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        log.println("model: saved to " + dir);
        return new Model(dir, result.metrics());
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
