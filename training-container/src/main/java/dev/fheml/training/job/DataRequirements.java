package dev.fheml.training.job;

import dev.fheml.training.data.Dataset;
import java.io.PrintStream;

/**
 * What a training job needs of its rows, checked before any training time is spent: rows of at least
 * two classes, at least {@value #MIN_TRAIN_ROWS} rows to train on and at least one test row to measure
 * the model on; fewer than {@value #FEW_TEST_ROWS} test rows is allowed with a warning (the accuracy
 * then moves in steps of more than 3 points, and the client gets fewer smoke-test samples).
 */
final class DataRequirements {
  static final int MIN_TRAIN_ROWS = 10;
  static final int FEW_TEST_ROWS = 30;

  private DataRequirements() {}

  /** Refuses rows that all have one class: there is nothing to classify. */
  static void requireClasses(String channel, Dataset rows) throws TrainingJobException {
    int[] counts = new int[rows.numClasses()];
    int present = 0;
    for (int r = 0; r < rows.size(); r++) {
      present += counts[rows.label(r)]++ == 0 ? 1 : 0;
    }
    if (present < 2) {
      String only = rows.size() == 0 ? "no" : "'" + rows.classNames().get(rows.label(0)) + "'";
      throw new TrainingJobException("channel " + channel + ": all " + rows.size() + " rows have the class " + only
          + ": a classifier needs rows of at least two classes (is the label column the right one?)");
    }
  }

  /**
   * Refuses too few rows to train on or none to test on; warns when the test rows are few.
   *
   * @param testFraction the share held out for the test rows, or 0 when they came from a test channel
   */
  static void requireSizes(Dataset train, Dataset test, double testFraction, PrintStream log)
      throws TrainingJobException {
    int all = train.size() + (testFraction > 0 ? test.size() : 0);
    if (test.size() == 0) {
      throw new TrainingJobException("channel " + TrainingJob.TRAIN + ": holding out test_fraction " + testFraction
          + " of its " + all + " rows leaves no test rows to measure the model on: give at least "
          + minimumRows(testFraction) + " rows, a larger test_fraction, or a " + TrainingJob.TEST + " channel");
    }
    if (train.size() < MIN_TRAIN_ROWS) {
      throw new TrainingJobException("channel " + TrainingJob.TRAIN + ": " + train.size() + " rows to train on"
          + (testFraction > 0 ? " (after holding out " + test.size() + " test rows)" : "") + " are too few: give at"
          + " least " + (testFraction > 0 ? minimumRows(testFraction) + " rows" : MIN_TRAIN_ROWS + " training rows"));
    }
    if (test.size() < FEW_TEST_ROWS) {
      log.printf("WARNING: only %d test rows: the measured accuracy moves in steps of %.1f points and the client"
          + " gets at most %d smoke-test samples; give %d or more (a %s channel, or more rows)%n", test.size(),
          100.0 / test.size(), test.size(), FEW_TEST_ROWS, TrainingJob.TEST);
    }
  }

  /** About the fewest rows that leave {@value #MIN_TRAIN_ROWS} to train on and one to test on (classes round). */
  static int minimumRows(double testFraction) {
    int forTraining = (int) Math.ceil(MIN_TRAIN_ROWS / (1 - testFraction));
    int forOneTestRow = (int) Math.ceil(0.5 / testFraction); // one class rounds to a held-out row
    return Math.max(forTraining, forOneTestRow);
  }
}
