package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

class MnistTest {
  private static IdxArray idx(int[] dims, byte[] data) throws IOException {
    return new IdxReader().read(new ByteArrayInputStream(IdxBytes.write(dims, data)), "t");
  }

  @Test
  void buildsPixelsAndLabels() throws IOException {
    IdxArray images = idx(new int[] {2, 2, 2}, new byte[] {0, 1, 2, 3, (byte) 255, 5, 6, 7});
    IdxArray labels = idx(new int[] {2}, new byte[] {3, 9});
    Dataset d = Mnist.fromArrays(images, "img", labels, "lbl");
    assertEquals(2, d.size());
    assertEquals(4, d.numFeatures());
    assertEquals(10, d.numClasses());
    assertEquals(255f, d.feature(1, 0));
    assertEquals(9, d.label(1));
  }

  @Test
  void countMismatchNamesTheLabelFile() throws IOException {
    IdxArray images = idx(new int[] {2, 1, 1}, new byte[2]);
    IdxArray labels = idx(new int[] {3}, new byte[3]);
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> Mnist.fromArrays(images, "img", labels, "lbl"));
    assertTrue(e.getMessage().startsWith("lbl: "), e.getMessage());
    assertTrue(e.getMessage().contains("3 labels for 2 images"), e.getMessage());
  }

  @Test
  void labelAboveNineIsRejected() throws IOException {
    IdxArray images = idx(new int[] {1, 1, 1}, new byte[1]);
    IdxArray labels = idx(new int[] {1}, new byte[] {10});
    assertThrows(DatasetFormatException.class, () -> Mnist.fromArrays(images, "img", labels, "lbl"));
  }

  @Test
  void wrongRankIsRejected() throws IOException {
    IdxArray images = idx(new int[] {2, 4}, new byte[8]);
    IdxArray labels = idx(new int[] {2}, new byte[2]);
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> Mnist.fromArrays(images, "img", labels, "lbl"));
    assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
  }

  @Test
  void bundledFilesLoad() throws IOException {
    BundledData data = BundledData.locate();
    Dataset test = data.mnistTest();
    assertEquals(10_000, test.size());
    assertEquals(784, test.numFeatures());
    int[] perClass = new int[10];
    for (int i = 0; i < test.size(); i++) {
      perClass[test.label(i)]++;
    }
    // the canonical t10k class counts
    assertEquals(980, perClass[0]);
    assertEquals(1009, perClass[9]);
    assertEquals(10_000, data.mnistTrain().size());
  }
}
