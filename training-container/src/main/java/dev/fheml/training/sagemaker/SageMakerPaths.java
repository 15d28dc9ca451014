package dev.fheml.training.sagemaker;

import dev.fheml.protocol.ContainerEnvironment;
import java.nio.file.Path;
import java.util.Map;

/**
 * The folders of SageMaker's training contract under one root ({@code /opt/ml} in a training job):
 * {@code input/config/hyperparameters.json}, {@code input/data/<channel>/}, {@code model/} (uploaded
 * as {@code model.tar.gz}) and {@code output/failure}. The root is configurable so the same code runs
 * locally and in tests.
 *
 * @param root the contract's root folder
 */
public record SageMakerPaths(Path root) {
  /** SageMaker's root. */
  public static final Path DEFAULT_ROOT = Path.of("/opt/ml");
  /** Environment variable naming another root (local runs, tests). */
  public static final String ROOT_ENV = ContainerEnvironment.TRAINING_ROOT;

  /** The root from {@code option} if given, else {@value #ROOT_ENV}, else {@code /opt/ml}. */
  public static SageMakerPaths resolve(String option, Map<String, String> env) {
    if (option != null) {
      return new SageMakerPaths(Path.of(option));
    }
    String fromEnv = env.get(ROOT_ENV);
    return new SageMakerPaths(fromEnv == null || fromEnv.isBlank() ? DEFAULT_ROOT : Path.of(fromEnv));
  }

  public Path hyperparameters() {
    return root.resolve("input/config/hyperparameters.json");
  }

  /** The folder holding one sub-folder per channel. */
  public Path channels() {
    return root.resolve("input/data");
  }

  public Path channel(String name) {
    return channels().resolve(name);
  }

  public Path model() {
    return root.resolve("model");
  }

  public Path output() {
    return root.resolve("output");
  }

  /** SageMaker shows this file's first line as the job's failure reason. */
  public Path failure() {
    return output().resolve("failure");
  }
}
