package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.pipeline.TrainingMetrics;
import dev.fheml.training.train.ModelKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a training job refuses before it trains, and what it tells about the model it made. */
class TrainingJobTest {
  @TempDir
  Path dir;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private ModelPipeline.Result run(Path train, Consumer<TrainingRequest.Builder> settings) throws Exception {
    TrainingRequest.Builder b = TrainingRequest.builder().threads(2);
    settings.accept(b);
    return new TrainingJob(b.build(), "job", new PrintStream(out, true, StandardCharsets.UTF_8))
        .run(train, Optional.empty(), dir.resolve("model"));
  }

  private String log() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String rows(int n, String... labels) {
    StringBuilder s = new StringBuilder("a,b,label\n");
    for (int r = 0; r < n; r++) {
      s.append(r).append(',').append(r % 7).append(',').append(labels[r % labels.length]).append('\n');
    }
    return s.toString();
  }

  /** One class used to train, compile, then fail with ArrayIndexOutOfBoundsException while packaging. */
  @Test
  void oneClassIsRefusedBeforeTraining() throws Exception {
    Path csv = new ChannelFolder(dir).text("one.csv", rows(40, "yes"));
    TrainingJobException e = assertThrows(TrainingJobException.class, () -> run(csv, b -> { }));
    assertEquals("channel train: all 40 rows have the class 'yes': a classifier needs rows of at least two classes"
        + " (is the label column the right one?)", e.getMessage());
    assertFalse(log().contains("training job"), log());
  }

  /** Five rows trained against an empty test set (accuracy NaN) and shipped no smoke samples. */
  @Test
  void tooFewRowsAreRefusedWithTheMinimum() throws Exception {
    Path two = new ChannelFolder(dir).text("two.csv", rows(2, "0", "1"));
    TrainingJobException e = assertThrows(TrainingJobException.class, () -> run(two, b -> { }));
    assertEquals("channel train: holding out test_fraction 0.2 of its 2 rows leaves no test rows to measure the"
        + " model on: give at least 13 rows, a larger test_fraction, or a test channel", e.getMessage());
    Path five = new ChannelFolder(dir).text("five.csv", rows(5, "0", "1"));
    e = assertThrows(TrainingJobException.class, () -> run(five, b -> { }));
    assertTrue(e.getMessage().startsWith("channel train: 4 rows to train on (after holding out 1 test rows) are too"
        + " few: give at least 13 rows"), e.getMessage());
    assertEquals(13, DataRequirements.minimumRows(0.2));
    assertEquals(20, DataRequirements.minimumRows(0.5), "10 to train on");
    assertEquals(50, DataRequirements.minimumRows(0.01), "one class of 50 rounds to one test row");
  }

  @Test
  void fewTestRowsAreAllowedWithAWarning() throws Exception {
    Path csv = new ChannelFolder(dir).text("small.csv", rows(40, "0", "1"));
    TrainingMetrics m = run(csv, b -> b.epochs(2)).metrics();
    assertEquals(8, m.testRows());
    assertTrue(log().contains("WARNING: only 8 test rows: the measured accuracy moves in steps of 12.5 points and"
        + " the client gets at most 8 smoke-test samples; give 30 or more (a test channel, or more rows)"), log());
  }

  /** The log and metrics.json set the accuracy next to always answering the most frequent class. */
  @Test
  void metricsCarryTheMajorityClassBaseline() throws Exception {
    Path csv = new ChannelFolder(dir).breastCancer("wdbc.csv");
    TrainingMetrics m = run(csv, b -> b.model(ModelKind.LOGREG).epochs(5)).metrics();
    assertEquals(71.0 / 113, m.accuracyMajorityClass(), 1e-12, "71 of the 113 held-out rows are benign");
    assertTrue(log().contains(String.format("majority-class baseline %.4f (always 'benign')", 71.0 / 113)), log());
    assertTrue(log().contains("metric: accuracy_majority_class=" + 71.0 / 113), log());
    assertTrue(log().contains("settings chosen from the data: batch_size 8 (from 456 rows), learning_rate 0.01 ("),
        log());
  }
}
