package dev.fheml.training.sagemaker;

import dev.fheml.training.data.Dataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What one channel held.
 *
 * @param channel the channel's name
 * @param dataset the rows
 * @param image   for IDX images, their size (pixel features 0..255, augmentation possible)
 * @param files   the files read, in order
 */
public record TrainingData(String channel, Dataset dataset, Optional<ImageShape> image, List<Path> files) {
  public TrainingData {
    files = List.copyOf(files);
  }

  /** The size of IDX images {@code [n, height, width]}. */
  public record ImageShape(int width, int height) {}

  /** One line for the log. */
  public String describe() {
    return "channel " + channel + ": " + dataset + image.map(s -> ", " + s.width() + "x" + s.height() + " images")
        .orElse("") + " from " + files.stream().map(p -> p.getFileName().toString()).toList();
  }
}
