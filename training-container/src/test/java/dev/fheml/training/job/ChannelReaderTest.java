package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.DatasetFormatException;
import dev.fheml.training.data.IdxBytes;
import dev.fheml.training.data.ImageShape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelReaderTest {
  @TempDir
  Path tmp;

  private ChannelFolder channel() {
    return new ChannelFolder(tmp.resolve("train"));
  }

  private static TrainingData read(Path path) throws Exception {
    return new ChannelReader(Optional.empty(), note -> { }).read("train", path, List.of());
  }

  private String failure(Path path) {
    return assertThrows(TrainingJobException.class, () -> read(path)).getMessage();
  }

  private String failure() {
    return failure(channel().dir());
  }

  @Test
  void idxPairIsDetectedByContentRawOrGzip() throws Exception {
    channel().idxImages(30, 5, 4, false, 1);
    TrainingData raw = read(channel().dir());
    assertEquals(30, raw.dataset().size());
    assertEquals(20, raw.dataset().numFeatures());
    assertEquals(Optional.of(new ImageShape(4, 5)), raw.image());
    channel().idxImages(30, 5, 4, true, 1);
    TrainingData gz = read(channel().dir());
    assertEquals(raw.dataset().row(7)[3], gz.dataset().row(7)[3]);
    assertEquals(List.of(1, 1), List.of(gz.dataset().label(1), raw.dataset().label(1)));
  }

  @Test
  void csvIsDetectedWithoutExtensionAndHiddenOrEmptyFilesAreIgnored() throws Exception {
    channel().breastCancer("part-0000");
    channel().text(".DS_Store", "x");
    channel().text("_SUCCESS", "");
    TrainingData d = read(channel().dir());
    assertEquals(569, d.dataset().size());
    assertEquals(30, d.dataset().numFeatures());
    assertEquals(List.of("benign", "malignant"), d.dataset().classNames());
    assertTrue(d.image().isEmpty());
  }

  @Test
  void aSingleFileIsAChannel() throws Exception {
    Path csv = channel().breastCancer("wdbc.csv");
    assertEquals(569, read(csv).dataset().size());
    Path empty = channel().text("empty.csv", "");
    assertEquals("channel train: " + empty + " is empty", failure(empty));
    assertEquals("channel train: " + tmp.resolve("none") + " does not exist", failure(tmp.resolve("none")));
  }

  /** A dataset folder linked into place (as fhe-ml train users and SageMaker's file mode do). */
  @Test
  void symbolicLinksAreFollowed() throws Exception {
    ChannelFolder data = new ChannelFolder(tmp.resolve("datasets/mnist"));
    data.idxImages(12, 3, 3, true, 2);
    Path linkedFolder = Files.createSymbolicLink(tmp.resolve("linked"), data.dir());
    assertEquals(12, read(linkedFolder).dataset().size());

    Path nested = Files.createDirectories(tmp.resolve("nested"));
    Files.createSymbolicLink(nested.resolve("inner"), data.dir());
    TrainingData d = read(nested);
    assertEquals(12, d.dataset().size());
    assertEquals(List.of(nested.resolve("inner/images"), nested.resolve("inner/labels")), d.files(),
        "files named by the path given, not the link's target");

    Path files = Files.createDirectories(tmp.resolve("files"));
    Files.createSymbolicLink(files.resolve("images"), data.dir().resolve("images"));
    Files.createSymbolicLink(files.resolve("labels"), data.dir().resolve("labels"));
    assertEquals(12, read(files).dataset().size());

    Path broken = Files.createSymbolicLink(tmp.resolve("broken"), tmp.resolve("gone"));
    assertTrue(failure(broken).endsWith("is neither a file nor a folder (a broken link?)"), failure(broken));
  }

  @Test
  void gzipCsvAndNamedLabelColumnAndFixedClasses() throws Exception {
    channel().file("rows.csv.gz", IdxBytes.gzip("kind,a,b\nyes,1,2\nyes,3,4\n".getBytes(StandardCharsets.UTF_8)));
    TrainingData d = new ChannelReader(Optional.of("kind"), note -> { }).read("train", channel().dir(), List.of("no", "yes"));
    assertEquals(List.of("no", "yes"), d.dataset().classNames());
    assertEquals(1, d.dataset().label(0));
    assertEquals(2, d.dataset().numFeatures());
  }

  @Test
  void emptyChannelIsAnError() throws Exception {
    channel().text("_SUCCESS", "");
    assertEquals("channel train: " + channel().dir() + " holds no data files (IDX or CSV)", failure());
  }

  @Test
  void binaryFileIsNeitherIdxNorCsv() throws Exception {
    channel().file("model.bin", new byte[] {1, 0, 2, 0, (byte) 0xff});
    assertTrue(failure().contains("model.bin is neither IDX (header 00 00 08 <rank>) nor CSV text"), failure());
  }

  @Test
  void mixedFormatsAndSeveralCsvFilesAreErrors() throws Exception {
    channel().text("a.csv", "1,2,0\n");
    channel().text("b.csv", "1,2,0\n");
    assertTrue(failure().contains("holds 2 CSV files [a.csv, b.csv]; give one CSV file per channel"), failure());
    channel().idxImages(3, 2, 2, false, 1);
    assertTrue(failure().contains("mixes IDX files [images, labels] and CSV files [a.csv, b.csv]"), failure());
  }

  @Test
  void incompleteIdxPairNamesWhatIsMissing() throws Exception {
    channel().file("sub/images.idx", IdxBytes.write(new int[] {2, 2, 2}, new byte[8]));
    assertTrue(failure().contains("found [sub/images.idx] but no IDX labels file [n]"), failure());
    channel().file("sub/more.idx", IdxBytes.write(new int[] {2, 2, 2}, new byte[8]));
    assertTrue(failure().contains("sub/more.idx is an IDX array"), failure());
  }

  @Test
  void truncatedIdxIsAFormatErrorNamingTheFile() throws Exception {
    channel().idxImages(4, 3, 3, false, 1);
    byte[] truncated = Arrays.copyOf(IdxBytes.write(new int[] {4, 3, 3}, new byte[36]), 30);
    Path images = channel().file("images", truncated);
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(channel().dir()));
    assertTrue(e.getMessage().startsWith(images + ": ") && e.getMessage().contains("truncated"), e.getMessage());
  }
}
