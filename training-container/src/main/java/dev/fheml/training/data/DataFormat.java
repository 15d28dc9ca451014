package dev.fheml.training.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * What a data file holds, told from its first bytes (after gunzip when it is gzip-compressed), never
 * from its name: the one place that knows the IDX and gzip magic numbers.
 */
public enum DataFormat {
  /** An unsigned-byte IDX array: {@code 00 00 08 <rank>} with rank 1..8. */
  IDX,
  /** UTF-8 text without NUL bytes: CSV. */
  TEXT,
  /** Anything else. */
  OTHER;

  /** The most IDX dimensions ({@link IdxReader} refuses more). */
  static final int MAX_IDX_RANK = 8;
  private static final int SNIFF_BYTES = 4096;
  private static final int BUFFER = 1 << 16;

  /** Sniffs {@code file}: gzip is looked through. */
  public static DataFormat of(Path file) throws IOException {
    try (InputStream in = openDecompressed(file)) {
      return of(in.readNBytes(SNIFF_BYTES));
    }
  }

  /** What {@code head}, the first bytes of a (decompressed) file, says the file is. */
  public static DataFormat of(byte[] head) {
    if (head.length >= 4 && head[0] == 0 && head[1] == 0 && (head[2] & 0xFF) == IdxReader.TYPE_UNSIGNED_BYTE
        && head[3] >= 1 && head[3] <= MAX_IDX_RANK) {
      return IDX;
    }
    return isText(head) ? TEXT : OTHER;
  }

  /** Whether {@code in}, buffered so that it supports mark/reset, starts with gzip's magic number. */
  public static boolean isGzip(BufferedInputStream in) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    return b0 == 0x1f && b1 == 0x8b;
  }

  /** {@code file}'s content, decompressed if it is gzip. */
  public static InputStream openDecompressed(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    try {
      return decompressed(raw);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  /** {@code stream} buffered, and decompressed if it is gzip; closing the result closes {@code stream}. */
  public static InputStream decompressed(InputStream stream) throws IOException {
    BufferedInputStream in = new BufferedInputStream(stream, BUFFER);
    return isGzip(in) ? new BufferedInputStream(new GZIPInputStream(in, BUFFER), BUFFER) : in;
  }

  private static boolean isText(byte[] head) {
    for (byte b : head) {
      if (b == 0) {
        return false;
      }
    }
    // The sniffed prefix may end inside a multi-byte character: drop up to 3 trailing bytes.
    for (int cut = 0; cut <= Math.min(3, head.length); cut++) {
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(head, 0, head.length - cut));
        return true;
      } catch (CharacterCodingException e) {
        // try a shorter prefix
      }
    }
    return false;
  }
}
