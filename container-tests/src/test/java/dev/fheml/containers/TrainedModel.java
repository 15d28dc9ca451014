package dev.fheml.containers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One run of the training image, shared by the tests: the bundled MNIST IDX files (gzip, 10k
 * training and 10k test images) as channels {@code train} and {@code test}, a small MLP for a few
 * epochs, with SageMaker's string hyperparameters. Like a SageMaker job: {@code <image> train},
 * input read-only, no network.
 */
final class TrainedModel {
  static final String HYPERPARAMETERS = "{\"model\": \"mlp\", \"hidden\": \"32\", \"epochs\": \"3\", \"seed\": \"7\"}";
  private static Job job;

  /** A prepared {@code /opt/ml} on the host and how the training container ended. */
  record Job(Path root, Podman.Result result) {
    Path model() {
      return root.resolve("model");
    }

    Path failure() {
      return root.resolve("output/failure");
    }
  }

  private TrainedModel() {}

  static synchronized Job job() {
    if (job == null) {
      Path root = newRoot("trained");
      Path mnist = Path.of(System.getProperty("fheml.data.dir")).resolve("mnist");
      copy(mnist.resolve("train10k-images-idx3-ubyte.gz"), root.resolve("input/data/train"));
      copy(mnist.resolve("train10k-labels-idx1-ubyte.gz"), root.resolve("input/data/train"));
      copy(mnist.resolve("t10k-images-idx3-ubyte.gz"), root.resolve("input/data/test"));
      copy(mnist.resolve("t10k-labels-idx1-ubyte.gz"), root.resolve("input/data/test"));
      job = new Job(root, train(root, HYPERPARAMETERS));
    }
    return job;
  }

  /** A fresh {@code /opt/ml} layout under the build's work folder, model and output writable by the image's user. */
  static Path newRoot(String name) {
    try {
      Path work = Files.createDirectories(Path.of(System.getProperty("fheml.it.work")));
      Path root = Files.createTempDirectory(work, name + "-");
      Files.createDirectories(root.resolve("input/config"));
      Files.createDirectories(root.resolve("input/data"));
      for (String dir : List.of("model", "output")) {
        // The image runs as uid 1000, not as the user running the build.
        Files.setPosixFilePermissions(Files.createDirectories(root.resolve(dir)),
            PosixFilePermissions.fromString("rwxrwxrwx"));
      }
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code <training image> train} on {@code root} with {@code hyperparameters} (JSON). */
  static Podman.Result train(Path root, String hyperparameters) {
    try {
      Files.writeString(root.resolve("input/config/hyperparameters.json"), hyperparameters);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> args = new ArrayList<>(List.of("--rm", "--network", "none",
        "-v", root.resolve("input") + ":/opt/ml/input:ro",
        "-v", root.resolve("model") + ":/opt/ml/model",
        "-v", root.resolve("output") + ":/opt/ml/output",
        Images.training(), "train"));
    Podman.Result r = Podman.run(Duration.ofMinutes(15), args);
    System.out.println(r.output());
    return r;
  }

  static void copy(Path file, Path dir) {
    try {
      Files.createDirectories(dir);
      Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
