package dev.fheml.training.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST format, http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
 * {@code 00 00 TYPE RANK}, {@code RANK} big-endian 32-bit dimensions, then the elements. Only the
 * unsigned-byte element type ({@code 0x08}) is supported, which is what MNIST uses. Gzip-compressed
 * files are detected by their magic number ({@link DataFormat#isGzip}) and decompressed on the fly.
 *
 * <p>Every malformed input ends in a {@link DatasetFormatException} naming the source and the byte
 * offset (in the decompressed stream for gzip files); nothing is allocated before the header has been
 * checked against {@link #maxElements()}.
 */
public final class IdxReader {
  /** The IDX element type code for unsigned bytes. */
  public static final int TYPE_UNSIGNED_BYTE = 0x08;
  /** Default limit on the number of elements: 100 M (MNIST's largest file has 47 M). */
  public static final long DEFAULT_MAX_ELEMENTS = 100_000_000L;
  private static final int MAX_RANK = DataFormat.MAX_IDX_RANK;

  private final long maxElements;

  /** A reader with {@link #DEFAULT_MAX_ELEMENTS}. */
  public IdxReader() {
    this(DEFAULT_MAX_ELEMENTS);
  }

  /** A reader that refuses files with more than {@code maxElements} elements. */
  public IdxReader(long maxElements) {
    if (maxElements < 1 || maxElements > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("maxElements must be in [1, 2^31 - 9]: " + maxElements);
    }
    this.maxElements = maxElements;
  }

  /** The largest number of elements this reader accepts. */
  public long maxElements() {
    return maxElements;
  }

  /**
   * Reads an IDX file, gzip-compressed or not.
   *
   * @throws DatasetFormatException if the content is not a valid unsigned-byte IDX array within limits
   * @throws IOException            if the file cannot be read
   */
  public IdxArray read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /**
   * Reads an IDX array from a stream (gzip-compressed or not), which is not closed.
   *
   * @param sourceName names the stream in error messages
   * @throws DatasetFormatException if the content is not a valid unsigned-byte IDX array within limits
   */
  public IdxArray read(InputStream stream, String sourceName) throws IOException {
    BufferedInputStream in = new BufferedInputStream(stream, 1 << 16);
    if (!DataFormat.isGzip(in)) {
      return readRaw(in, sourceName);
    }
    String gzSource = sourceName + " (gzip, offsets after decompression)";
    try {
      return readRaw(new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16), gzSource);
    } catch (EOFException | ZipException e) {
      throw new DatasetFormatException(sourceName, "gzip stream",
          "corrupt or truncated gzip data: " + e.getMessage(), e);
    }
  }

  private IdxArray readRaw(InputStream in, String source) throws IOException {
    byte[] magic = new byte[4];
    int got = in.readNBytes(magic, 0, 4);
    if (got < 4) {
      throw new DatasetFormatException(source, "offset " + got,
          "truncated: the 4-byte IDX magic number is incomplete");
    }
    if (magic[0] != 0 || magic[1] != 0) {
      throw new DatasetFormatException(source, "offset 0", String.format(
          "bad magic number %02x %02x %02x %02x: an IDX file starts with 00 00 <type> <rank>",
          magic[0], magic[1], magic[2], magic[3]));
    }
    int type = magic[2] & 0xFF;
    int rank = magic[3] & 0xFF;
    if (type != TYPE_UNSIGNED_BYTE) {
      throw new DatasetFormatException(source, "offset 2", String.format(
          "unsupported IDX element type 0x%02x: only 0x08 (unsigned byte) is supported", type));
    }
    if (rank < 1 || rank > MAX_RANK) {
      throw new DatasetFormatException(source, "offset 3",
          "rank " + rank + " is not in [1, " + MAX_RANK + "]");
    }
    int[] dims = new int[rank];
    long count = 1;
    for (int k = 0; k < rank; k++) {
      long offset = 4L + 4L * k;
      byte[] b = new byte[4];
      int n = in.readNBytes(b, 0, 4);
      if (n < 4) {
        throw new DatasetFormatException(source, "offset " + (offset + n),
            "truncated: the header declares " + rank + " dimensions but ends inside dimension " + k);
      }
      long dim = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
      if (dim < 1 || dim > Integer.MAX_VALUE) {
        throw new DatasetFormatException(source, "offset " + offset,
            "dimension " + k + " is " + dim + ", must be in [1, 2^31 - 1]");
      }
      dims[k] = (int) dim;
      count *= dim;
      if (count > maxElements) {
        throw new DatasetFormatException(source, "offset " + offset, "the header declares more than "
            + maxElements + " elements (limit), dims so far " + Arrays.toString(Arrays.copyOf(dims, k + 1)));
      }
    }
    long headerSize = 4L + 4L * rank;
    byte[] data = new byte[(int) count];
    int n = in.readNBytes(data, 0, data.length);
    if (n < data.length) {
      throw new DatasetFormatException(source, "offset " + (headerSize + n), "truncated: dims "
          + Arrays.toString(dims) + " need " + count + " data bytes, the file has only " + n);
    }
    if (in.read() != -1) {
      throw new DatasetFormatException(source, "offset " + (headerSize + count),
          "trailing bytes after the " + count + " elements declared by dims " + Arrays.toString(dims));
    }
    return new IdxArray(dims, data);
  }
}
