package dev.fheml.training.job;

import dev.fheml.training.data.CsvFormat;
import dev.fheml.training.data.CsvReader;
import dev.fheml.training.data.DataFormat;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.IdxArray;
import dev.fheml.training.data.IdxReader;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.Mnist;
import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Reads one channel: a folder (searched recursively, symbolic links followed) or a single file,
 * detecting the format from the files' content ({@link DataFormat}; names do not matter, gzip is
 * looked through): either an MNIST-style IDX pair (one rank-3 images file {@code [n, height, width]}
 * and one rank-1 labels file) or one CSV file (numeric features and a label column: the request's
 * {@code label}, else the last column; header detected). In a folder, hidden files ({@code .*}) and
 * empty files (e.g. {@code _SUCCESS}) are ignored. Messages name the files by the path given.
 */
public final class ChannelReader {
  /** More files than this in one channel is a mistake (the wrong S3 prefix), not a dataset. */
  static final int MAX_FILES = 1000;

  private final Optional<String> labelColumn;
  private final Consumer<String> notes;

  /**
   * @param labelColumn the CSV label column's header name; empty = the last column
   * @param notes       receives the reader's decisions that the data did not spell out, for the log
   */
  public ChannelReader(Optional<String> labelColumn, Consumer<String> notes) {
    this.labelColumn = labelColumn;
    this.notes = notes;
  }

  /**
   * Reads the channel {@code name} at {@code path}.
   *
   * @param path       a folder, or one data file
   * @param classNames if non-empty, CSV labels must be these classes (a test channel uses the
   *                   training channel's classes, so the label indices agree)
   * @throws TrainingJobException    if the path does not exist, holds no data, several CSV files, a
   *                                 mix of formats, an incomplete IDX pair or a file of unknown format
   * @throws IOException             if a file cannot be read; a
   *                                 {@link dev.fheml.training.data.DatasetFormatException} if it is
   *                                 malformed (naming the file and the place)
   */
  public TrainingData read(String name, Path path, List<String> classNames) throws TrainingJobException, IOException {
    List<Path> files = dataFiles(name, path);
    List<Path> idx = new ArrayList<>();
    List<Path> text = new ArrayList<>();
    for (Path f : files) {
      switch (DataFormat.of(f)) {
        case IDX -> idx.add(f);
        case TEXT -> text.add(f);
        case OTHER -> throw new TrainingJobException("channel " + name + ": " + shown(path, f)
            + " is neither IDX (header 00 00 08 <rank>) nor CSV text");
      }
    }
    if (!idx.isEmpty() && !text.isEmpty()) {
      throw new TrainingJobException("channel " + name + " mixes IDX files " + names(path, idx) + " and CSV files "
          + names(path, text) + "; give one format per channel");
    }
    return idx.isEmpty() ? readCsv(name, path, text, classNames) : readIdx(name, path, idx);
  }

  private static List<Path> dataFiles(String name, Path path) throws TrainingJobException, IOException {
    if (Files.isRegularFile(path)) {
      if (Files.size(path) == 0) {
        throw new TrainingJobException("channel " + name + ": " + path + " is empty");
      }
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      boolean dangling = Files.exists(path, LinkOption.NOFOLLOW_LINKS);
      throw new TrainingJobException("channel " + name + ": " + path
          + (dangling ? " is neither a file nor a folder (a broken link?)" : " does not exist"));
    }
    List<Path> files;
    // Channels are often links (a dataset folder linked into place): follow them, and links inside.
    try (Stream<Path> walk = Files.walk(path, FileVisitOption.FOLLOW_LINKS)) {
      files = walk.filter(Files::isRegularFile).filter(p -> !isHidden(path, p)).sorted().toList();
    }
    List<Path> data = new ArrayList<>();
    for (Path f : files) {
      if (Files.size(f) > 0) {
        data.add(f);
      }
    }
    if (data.isEmpty()) {
      throw new TrainingJobException("channel " + name + ": " + path + " holds no data files (IDX or CSV)");
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

  private static TrainingData readIdx(String name, Path path, List<Path> files)
      throws TrainingJobException, IOException {
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
        throw new TrainingJobException("channel " + name + ": " + shown(path, f) + " is an IDX array " + a
            + "; a channel holds one images file [n, height, width] and one labels file [n]");
      }
    }
    if (images == null || labels == null) {
      throw new TrainingJobException("channel " + name + ": found " + names(path, files) + " but no IDX "
          + (images == null ? "images file [n, height, width]" : "labels file [n]"));
    }
    Dataset d = Mnist.fromArrays(images, imagesFile.toString(), labels, labelsFile.toString());
    return new TrainingData(name, d, Optional.of(new ImageShape(images.dim(2), images.dim(1))),
        List.of(imagesFile, labelsFile));
  }

  private TrainingData readCsv(String name, Path path, List<Path> files, List<String> classNames)
      throws TrainingJobException, IOException {
    if (files.size() > 1) {
      throw new TrainingJobException("channel " + name + " holds " + files.size() + " CSV files "
          + names(path, files) + "; give one CSV file per channel");
    }
    CsvFormat.Builder format = CsvFormat.builder().classNames(classNames);
    labelColumn.ifPresent(format::labelColumn);
    Path file = files.get(0);
    return new TrainingData(name, new CsvReader(format.build(), notes).read(file), Optional.empty(), files);
  }

  /** A file as the user knows it: relative to the folder given, or the file given itself. */
  private static String shown(Path path, Path file) {
    return file.equals(path) ? path.toString() : path.relativize(file).toString();
  }

  private static List<String> names(Path path, List<Path> files) {
    return files.stream().map(f -> shown(path, f)).toList();
  }
}
