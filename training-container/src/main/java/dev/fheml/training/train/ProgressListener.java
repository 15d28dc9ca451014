package dev.fheml.training.train;

import java.io.PrintStream;

/** Receives one {@link EpochReport} per training epoch, on the training thread. */
@FunctionalInterface
public interface ProgressListener {

  /** Called after each epoch. */
  void onEpoch(EpochReport report);

  /** Prints one line per epoch to standard error. */
  static ProgressListener stderr() {
    return printingTo(System.err);
  }

  /** Prints one line per epoch to {@code out}. */
  static ProgressListener printingTo(PrintStream out) {
    return r -> out.println(r.format());
  }

  /** Ignores progress. */
  static ProgressListener silent() {
    return r -> { };
  }
}
