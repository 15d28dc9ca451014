package dev.fheml.training.job;

import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
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

  /** One line for the log. */
  public String describe() {
    return "channel " + channel + ": " + dataset + image.map(s -> ", " + s + " images").orElse("") + " from "
        + files.stream().map(p -> p.getFileName().toString()).toList();
  }
}
