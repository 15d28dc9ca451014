package dev.fheml.training.sagemaker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.DatasetFormatException;
import dev.fheml.training.data.IdxBytes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelReaderTest {
  @TempDir
  Path dir;

  private TrainingData read(Optional<String> label, List<String> classes) throws Exception {
    JobRoot root = new JobRoot(dir);
    return new ChannelReader(label).read("train", root.paths.channel("train"), classes);
  }

  private String failure() {
    return assertThrows(TrainingJobException.class, () -> read(Optional.empty(), List.of())).getMessage();
  }

  @Test
  void idxPairIsDetectedByContentRawOrGzip() throws Exception {
    new JobRoot(dir).idxImages("train", 30, 5, 4, false, 1);
    TrainingData raw = read(Optional.empty(), List.of());
    assertEquals(30, raw.dataset().size());
    assertEquals(20, raw.dataset().numFeatures());
    assertEquals(Optional.of(new TrainingData.ImageShape(4, 5)), raw.image());
    new JobRoot(dir).idxImages("train", 30, 5, 4, true, 1);
    TrainingData gz = read(Optional.empty(), List.of());
    assertEquals(raw.dataset().row(7)[3], gz.dataset().row(7)[3]);
    assertEquals(List.of(1, 1), List.of(gz.dataset().label(1), raw.dataset().label(1)));
  }

  @Test
  void csvIsDetectedWithoutExtensionAndHiddenOrEmptyFilesAreIgnored() throws Exception {
    JobRoot root = new JobRoot(dir);
    root.breastCancer("train", "part-0000");
    root.text("train", ".DS_Store", "x");
    root.text("train", "_SUCCESS", "");
    TrainingData d = read(Optional.empty(), List.of());
    assertEquals(569, d.dataset().size());
    assertEquals(30, d.dataset().numFeatures());
    assertEquals(List.of("benign", "malignant"), d.dataset().classNames());
    assertTrue(d.image().isEmpty());
  }

  @Test
  void gzipCsvAndNamedLabelColumnAndFixedClasses() throws Exception {
    JobRoot root = new JobRoot(dir);
    root.file("train", "rows.csv.gz", IdxBytes.gzip("kind,a,b\nyes,1,2\nyes,3,4\n".getBytes(StandardCharsets.UTF_8)));
    TrainingData d = read(Optional.of("kind"), List.of("no", "yes"));
    assertEquals(List.of("no", "yes"), d.dataset().classNames());
    assertEquals(1, d.dataset().label(0));
    assertEquals(2, d.dataset().numFeatures());
  }

  @Test
  void emptyChannelIsAnError() throws Exception {
    new JobRoot(dir).text("train", "_SUCCESS", "");
    assertTrue(failure().contains("holds no data files (IDX or CSV)"), failure());
  }

  @Test
  void binaryFileIsNeitherIdxNorCsv() throws Exception {
    new JobRoot(dir).file("train", "model.bin", new byte[] {1, 0, 2, 0, (byte) 0xff});
    assertTrue(failure().contains("model.bin is neither IDX (header 00 00 08 <rank>) nor CSV text"), failure());
  }

  @Test
  void mixedFormatsAndSeveralCsvFilesAreErrors() throws Exception {
    JobRoot root = new JobRoot(dir);
    root.text("train", "a.csv", "1,2,0\n");
    root.text("train", "b.csv", "1,2,0\n");
    assertTrue(failure().contains("holds 2 CSV files [a.csv, b.csv]; give one CSV file per channel"), failure());
    root.idxImages("train", 3, 2, 2, false, 1);
    assertTrue(failure().contains("mixes IDX files [images, labels] and CSV files [a.csv, b.csv]"), failure());
  }

  @Test
  void incompleteIdxPairNamesWhatIsMissing() throws Exception {
    new JobRoot(dir).file("train", "sub/images.idx", IdxBytes.write(new int[] {2, 2, 2}, new byte[8]));
    assertTrue(failure().contains("found [sub/images.idx] but no IDX labels file [n]"), failure());
    new JobRoot(dir).file("train", "sub/more.idx", IdxBytes.write(new int[] {2, 2, 2}, new byte[8]));
    assertTrue(failure().contains("sub/more.idx is an IDX array"), failure());
  }

  @Test
  void truncatedIdxIsAFormatErrorNamingTheFile() throws Exception {
    JobRoot root = new JobRoot(dir);
    root.idxImages("train", 4, 3, 3, false, 1);
    byte[] truncated = java.util.Arrays.copyOf(IdxBytes.write(new int[] {4, 3, 3}, new byte[36]), 30);
    root.file("train", "images", truncated);
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(Optional.empty(), List.of()));
    assertTrue(e.getMessage().contains("images") && e.getMessage().contains("truncated"), e.getMessage());
  }
}
