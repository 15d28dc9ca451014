package dev.fheml.training.sagemaker;

import dev.fheml.training.compile.UnsafeModelException;
import dev.fheml.training.data.DatasetFormatException;
import dev.fheml.training.job.TrainingJobException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SageMaker's failure file: one line, the reason the job failed, shown as the job's
 * {@code FailureReason} (SageMaker keeps the first {@value #MAX_CHARS} characters).
 */
public final class FailureReport {
  public static final int MAX_CHARS = 1024;

  private FailureReport() {}

  /** The one-line reason for {@code failure}, prefixed by its kind when that helps to fix it. */
  public static String reason(Throwable failure) {
    String message = failure.getMessage() == null ? failure.getClass().getName() : failure.getMessage();
    String reason;
    if (failure instanceof TrainingJobException) {
      reason = message;
    } else if (failure instanceof DatasetFormatException) {
      reason = "unreadable training data: " + message;
    } else if (failure instanceof UnsafeModelException) {
      reason = "the trained model cannot be run under FHE safely: " + message;
    } else if (failure instanceof IllegalArgumentException) {
      reason = "invalid training settings: " + message;
    } else if (failure instanceof IOException) {
      reason = "I/O error: " + message;
    } else if (failure instanceof OutOfMemoryError) {
      reason = "out of memory (max heap " + (Runtime.getRuntime().maxMemory() >> 20)
          + " MiB): use a larger instance or fewer rows";
    } else {
      reason = "internal error: " + failure;
    }
    return oneLine(reason);
  }

  /** Whether {@link #reason} explains {@code failure} fully (no stack trace needed). */
  public static boolean isExpected(Throwable failure) {
    return failure instanceof TrainingJobException || failure instanceof IOException
        || failure instanceof UnsafeModelException || failure instanceof IllegalArgumentException;
  }

  static String oneLine(String text) {
    String line = text.replaceAll("\\s*[\\r\\n]+\\s*", " | ").strip();
    return line.length() > MAX_CHARS ? line.substring(0, MAX_CHARS - 3) + "..." : line;
  }

  /** Writes {@code reason} (made one line) to {@code file}, creating its folder. */
  public static void write(Path file, String reason) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, oneLine(reason) + "\n", StandardCharsets.UTF_8);
  }

  /** Removes the failure file of an earlier local run, so a success leaves none behind. */
  public static void clear(Path file) throws IOException {
    Files.deleteIfExists(file);
  }
}
