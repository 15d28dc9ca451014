package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  private final IdxReader reader = new IdxReader();

  private IdxArray read(byte[] bytes) throws IOException {
    return reader.read(new ByteArrayInputStream(bytes), "test.idx");
  }

  @Test
  void readsWhatWasWritten() throws IOException {
    byte[] data = {0, 1, 2, (byte) 200, (byte) 255, 7};
    IdxArray a = read(IdxBytes.write(new int[] {2, 3}, data));
    assertArrayEquals(new int[] {2, 3}, a.dims());
    assertEquals(6, a.size());
    assertEquals(200, a.unsigned(3));
    assertEquals(255, a.unsigned(4));
    assertArrayEquals(data, a.bytes());
  }

  @Test
  void readsGzipFilesFromDisk(@TempDir Path dir) throws IOException {
    byte[] data = new byte[4 * 5 * 6];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7);
    }
    Path file = dir.resolve("x.idx.gz");
    Files.write(file, IdxBytes.gzip(IdxBytes.write(new int[] {4, 5, 6}, data)));
    IdxArray a = reader.read(file);
    assertArrayEquals(new int[] {4, 5, 6}, a.dims());
    assertArrayEquals(data, a.bytes());
  }

  @Property(tries = 50)
  void roundTrip(@ForAll @Size(min = 1, max = 3) int[] dimsRaw, @ForAll boolean gzip,
      @ForAll @IntRange(min = 0, max = 1000) int seed) throws IOException {
    int[] dims = Arrays.stream(dimsRaw).map(d -> 1 + Math.floorMod(d, 5)).toArray();
    int n = Arrays.stream(dims).reduce(1, (x, y) -> x * y);
    byte[] data = new byte[n];
    new java.util.SplittableRandom(seed).nextBytes(data);
    byte[] file = IdxBytes.write(dims, data);
    IdxArray a = read(gzip ? IdxBytes.gzip(file) : file);
    assertArrayEquals(dims, a.dims());
    assertArrayEquals(data, a.bytes());
  }

  @Test
  void badMagicIsNamed() {
    byte[] bytes = IdxBytes.write(new int[] {1}, new byte[] {1});
    bytes[1] = 0x12;
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(bytes));
    assertTrue(e.getMessage().contains("test.idx"), e.getMessage());
    assertTrue(e.getMessage().contains("bad magic number"), e.getMessage());
    assertEquals("offset 0", e.location());
  }

  @Test
  void unsupportedTypeIsRejected() {
    byte[] bytes = IdxBytes.write(new int[] {1}, new byte[] {1, 2, 3, 4});
    bytes[2] = 0x0D;
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(bytes));
    assertTrue(e.getMessage().contains("unsupported IDX element type 0x0d"), e.getMessage());
  }

  @Test
  void truncatedHeaderIsReported() {
    byte[] full = IdxBytes.write(new int[] {3, 2}, new byte[6]);
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(Arrays.copyOf(full, 9)));
    assertTrue(e.getMessage().contains("ends inside dimension 1"), e.getMessage());
    assertEquals("offset 9", e.location());
  }

  @Test
  void truncatedDataIsReportedWithOffset() {
    byte[] full = IdxBytes.write(new int[] {3, 2}, new byte[6]);
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(Arrays.copyOf(full, full.length - 2)));
    assertTrue(e.getMessage().contains("need 6 data bytes, the file has only 4"), e.getMessage());
    assertEquals("offset 16", e.location());
  }

  @Test
  void truncatedGzipIsReported() {
    byte[] gz = IdxBytes.gzip(IdxBytes.write(new int[] {100}, new byte[100]));
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(Arrays.copyOf(gz, gz.length / 2)));
    assertTrue(e.getMessage().contains("test.idx"), e.getMessage());
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] full = IdxBytes.write(new int[] {2}, new byte[3]);
    DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(full));
    assertTrue(e.getMessage().contains("trailing bytes"), e.getMessage());
  }

  @Test
  void sizeAboveLimitIsRejectedBeforeAllocating() {
    byte[] header = Arrays.copyOf(IdxBytes.write(new int[] {60000, 60000}, new byte[0]), 12);
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> new IdxReader(1000).read(new ByteArrayInputStream(header), "big.idx"));
    assertTrue(e.getMessage().contains("more than 1000 elements"), e.getMessage());
  }

  @Test
  void zeroDimensionIsRejected() {
    DatasetFormatException e = assertThrows(DatasetFormatException.class,
        () -> read(IdxBytes.write(new int[] {0}, new byte[0])));
    assertTrue(e.getMessage().contains("dimension 0 is 0"), e.getMessage());
  }
}
