package dev.fheml.training.sagemaker;

import dev.fheml.training.job.ChannelFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds a SageMaker training layout ({@code input/config}, {@code input/data/<channel>}) in a folder. */
final class JobRoot {
  final SageMakerPaths paths;

  JobRoot(Path root) {
    this.paths = new SageMakerPaths(root);
  }

  JobRoot hyperparameters(String json) throws IOException {
    Files.createDirectories(paths.hyperparameters().getParent());
    Files.writeString(paths.hyperparameters(), json);
    return this;
  }

  /** The folder of {@code channel}. */
  ChannelFolder channel(String channel) {
    return new ChannelFolder(paths.channel(channel));
  }
}
