package dev.fheml.training.data;

import java.io.IOException;

/**
 * A dataset file is malformed: bad magic number, truncated, inconsistent dimensions, a cell that is not
 * a number, or a size above the reader's limit. The message names the source (usually a file path) and
 * the place in it (byte offset or line number) so the file can be fixed or replaced.
 */
public final class DatasetFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String location;

  /**
   * @param source   the file or stream the data came from, e.g. a path
   * @param location where in it, e.g. {@code "offset 16"} or {@code "line 3"}
   * @param problem  what is wrong, phrased so that the reader knows what to fix
   */
  public DatasetFormatException(String source, String location, String problem) {
    this(source, location, problem, null);
  }

  /** As {@link #DatasetFormatException(String, String, String)}, with the underlying cause. */
  public DatasetFormatException(String source, String location, String problem, Throwable cause) {
    super(source + ": " + location + ": " + problem, cause);
    this.source = source;
    this.location = location;
  }

  /** The file or stream the bad data came from. */
  public String source() {
    return source;
  }

  /** Where in the source the problem was found ({@code "offset N"}, {@code "line N"}, ...). */
  public String location() {
    return location;
  }
}
