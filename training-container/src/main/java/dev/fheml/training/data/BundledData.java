package dev.fheml.training.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The datasets committed to the repository's {@code data/} folder, and how to find that folder: the
 * system property {@value #PROPERTY}, else the environment variable {@value #ENV}, else the first
 * {@code data/} found walking up from the working directory.
 */
public final class BundledData {
  /** System property naming the data folder. */
  public static final String PROPERTY = "fheml.data.dir";
  /** Environment variable naming the data folder. */
  public static final String ENV = "FHEML_DATA_DIR";
  private static final String MARKER = "mnist/t10k-images-idx3-ubyte.gz";

  private final Path root;

  private BundledData(Path root) {
    this.root = root;
  }

  /** The bundled data under an explicit folder (which must hold {@code mnist/}). */
  public static BundledData at(Path root) {
    return new BundledData(root);
  }

  /**
   * Locates the data folder.
   *
   * @throws FileNotFoundException naming every place tried, if none holds the bundled MNIST files
   */
  public static BundledData locate() throws FileNotFoundException {
    List<Path> tried = new ArrayList<>();
    String prop = System.getProperty(PROPERTY);
    String env = System.getenv(ENV);
    List<Path> candidates = new ArrayList<>();
    if (prop != null && !prop.isBlank()) {
      candidates.add(Path.of(prop));
    }
    if (env != null && !env.isBlank()) {
      candidates.add(Path.of(env));
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      candidates.add(dir.resolve("data"));
    }
    for (Path c : candidates) {
      tried.add(c);
      if (Files.isRegularFile(c.resolve(MARKER))) {
        return new BundledData(c);
      }
    }
    throw new FileNotFoundException("no data folder with " + MARKER + " found; set -D" + PROPERTY
        + " or " + ENV + "; tried " + tried);
  }

  /** The data folder. */
  public Path root() {
    return root;
  }

  /** The 10,000 bundled MNIST training images ({@code train10k}). */
  public Dataset mnistTrain() throws IOException {
    return Mnist.load(root.resolve("mnist/train10k-images-idx3-ubyte.gz"),
        root.resolve("mnist/train10k-labels-idx1-ubyte.gz"));
  }

  /** The canonical MNIST test set ({@code t10k}, 10,000 images). */
  public Dataset mnistTest() throws IOException {
    return Mnist.load(root.resolve("mnist/t10k-images-idx3-ubyte.gz"),
        root.resolve("mnist/t10k-labels-idx1-ubyte.gz"));
  }

  /** The Wisconsin diagnostic breast-cancer data (569 rows, 30 features, malignant/benign). */
  public Dataset breastCancer() throws IOException {
    return new CsvReader(CsvFormat.builder().header(CsvFormat.Header.PRESENT)
        .labelColumn("diagnosis").build()).read(root.resolve("breast-cancer/wdbc.csv"));
  }
}
