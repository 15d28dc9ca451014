package dev.fheml.training.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFormatTest {
  private static final byte[] IDX = IdxBytes.write(new int[] {2, 3}, new byte[6]);
  private static final byte[] CSV = "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8);

  @Test
  void theHeadDecides() {
    assertEquals(DataFormat.IDX, DataFormat.of(IDX));
    assertEquals(DataFormat.TEXT, DataFormat.of(CSV));
    assertEquals(DataFormat.TEXT, DataFormat.of("é".getBytes(StandardCharsets.UTF_8)));
    assertEquals(DataFormat.OTHER, DataFormat.of(new byte[] {0, 0, 0x0D, 1}), "float IDX: not ours");
    assertEquals(DataFormat.OTHER, DataFormat.of(new byte[] {0, 0, 8, 9}), "rank above 8");
    assertEquals(DataFormat.OTHER, DataFormat.of(new byte[] {1, 0, 2}), "a NUL byte is not text");
    assertEquals(DataFormat.OTHER, DataFormat.of(new byte[] {'a', (byte) 0xC3, 'b', 'c', 'd', 'e'}), "not UTF-8");
  }

  @Test
  void gzipIsLookedThroughAndNamesDoNotMatter(@TempDir Path dir) throws IOException {
    assertEquals(DataFormat.IDX, DataFormat.of(Files.write(dir.resolve("x.csv"), IdxBytes.gzip(IDX))));
    assertEquals(DataFormat.TEXT, DataFormat.of(Files.write(dir.resolve("y.idx"), IdxBytes.gzip(CSV))));
    assertEquals(DataFormat.TEXT, DataFormat.of(Files.write(dir.resolve("z"), CSV)));
  }

  @Test
  void aTextPrefixMayEndInsideACharacter() {
    byte[] text = new byte[4096];
    Arrays.fill(text, (byte) 'a');
    byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
    System.arraycopy(euro, 0, text, 4094, 2); // the sniffed 4096 bytes cut the 3-byte character
    assertEquals(DataFormat.TEXT, DataFormat.of(text));
  }
}
