package dev.fheml.training.sagemaker;

import dev.fheml.training.data.CsvFormat;
import dev.fheml.training.data.CsvReader;
import dev.fheml.training.data.DataFormat;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.IdxArray;
import dev.fheml.training.data.IdxReader;
import dev.fheml.training.data.Mnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads one channel folder, detecting the format from the files' content ({@link DataFormat}; names
 * do not matter, gzip is looked through): either an MNIST-style IDX pair (one rank-3 images file
 * {@code [n, height, width]} and one rank-1 labels file) or one CSV file (numeric features and a
 * label column: the {@code label} hyperparameter, else the last column; header detected). Hidden
 * files ({@code .*}) and empty files (e.g. {@code _SUCCESS}) are ignored.
 */
public final class ChannelReader {
  /** More files than this in one channel is a mistake (the wrong S3 prefix), not a dataset. */
  static final int MAX_FILES = 1000;

  private final Optional<String> labelColumn;

  /** @param labelColumn the CSV label column's header name; empty = the last column */
  public ChannelReader(Optional<String> labelColumn) {
    this.labelColumn = labelColumn;
  }

  /**
   * Reads the channel {@code name} in {@code dir}.
   *
   * @param classNames if non-empty, CSV labels must be these classes (a test channel uses the
   *                   training channel's classes, so the label indices agree)
   * @throws TrainingJobException    if the folder holds no data, several CSV files, a mix of
   *                                 formats, an incomplete IDX pair or a file of unknown format
   * @throws IOException             if a file cannot be read; a
   *                                 {@link dev.fheml.training.data.DatasetFormatException} if it is
   *                                 malformed (naming the file and the place)
   */
  public TrainingData read(String name, Path dir, List<String> classNames) throws TrainingJobException, IOException {
    List<Path> files = dataFiles(name, dir);
    List<Path> idx = new ArrayList<>();
    List<Path> text = new ArrayList<>();
    for (Path f : files) {
      switch (DataFormat.of(f)) {
        case IDX -> idx.add(f);
        case TEXT -> text.add(f);
        case OTHER -> throw new TrainingJobException("channel " + name + ": " + dir.relativize(f)
            + " is neither IDX (header 00 00 08 <rank>) nor CSV text");
      }
    }
    if (!idx.isEmpty() && !text.isEmpty()) {
      throw new TrainingJobException("channel " + name + " mixes IDX files " + names(dir, idx) + " and CSV files "
          + names(dir, text) + "; give one format per channel");
    }
    return idx.isEmpty() ? readCsv(name, dir, text, classNames) : readIdx(name, dir, idx);
  }

  private static List<Path> dataFiles(String name, Path dir) throws TrainingJobException, IOException {
    if (!Files.isDirectory(dir)) {
      throw new TrainingJobException("channel " + name + ": " + dir + " is not a folder");
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).filter(p -> !isHidden(dir, p)).sorted().toList();
    }
    List<Path> data = new ArrayList<>();
    for (Path f : files) {
      if (Files.size(f) > 0) {
        data.add(f);
      }
    }
    if (data.isEmpty()) {
      throw new TrainingJobException("channel " + name + ": " + dir + " holds no data files (IDX or CSV)");
    }
    if (data.size() > MAX_FILES) {
      throw new TrainingJobException("channel " + name + " holds " + data.size() + " files, more than "
          + MAX_FILES + ": is the S3 prefix right?");
    }
    return data;
  }

  private static boolean isHidden(Path dir, Path file) {
    for (Path part : dir.relativize(file)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static TrainingData readIdx(String name, Path dir, List<Path> files) throws TrainingJobException, IOException {
    IdxReader reader = new IdxReader();
    Path imagesFile = null;
    Path labelsFile = null;
    IdxArray images = null;
    IdxArray labels = null;
    for (Path f : files) {
      IdxArray a = reader.read(f);
      if (a.rank() == 3 && images == null) {
        images = a;
        imagesFile = f;
      } else if (a.rank() == 1 && labels == null) {
        labels = a;
        labelsFile = f;
      } else {
        throw new TrainingJobException("channel " + name + ": " + dir.relativize(f) + " is an IDX array " + a
            + "; a channel holds one images file [n, height, width] and one labels file [n]");
      }
    }
    if (images == null || labels == null) {
      throw new TrainingJobException("channel " + name + ": found " + names(dir, files) + " but no IDX "
          + (images == null ? "images file [n, height, width]" : "labels file [n]"));
    }
    Dataset d = Mnist.fromArrays(images, imagesFile.toString(), labels, labelsFile.toString());
    return new TrainingData(name, d, Optional.of(new TrainingData.ImageShape(images.dim(2), images.dim(1))),
        List.of(imagesFile, labelsFile));
  }

  private TrainingData readCsv(String name, Path dir, List<Path> files, List<String> classNames)
      throws TrainingJobException, IOException {
    if (files.size() > 1) {
      throw new TrainingJobException("channel " + name + " holds " + files.size() + " CSV files " + names(dir, files)
          + "; give one CSV file per channel");
    }
    CsvFormat.Builder format = CsvFormat.builder().classNames(classNames);
    labelColumn.ifPresent(format::labelColumn);
    Path file = files.get(0);
    return new TrainingData(name, new CsvReader(format.build()).read(file), Optional.empty(), files);
  }

  private static List<String> names(Path dir, List<Path> files) {
    return files.stream().map(f -> dir.relativize(f).toString()).toList();
  }
}
