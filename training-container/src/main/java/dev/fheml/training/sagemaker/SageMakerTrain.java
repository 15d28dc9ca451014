package dev.fheml.training.sagemaker;

import dev.fheml.training.job.ImportJob;
import dev.fheml.training.job.TrainingJob;
import dev.fheml.training.job.TrainingJobException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The training image's entry point: SageMaker's folders mapped onto a {@link TrainingJob}. SageMaker
 * runs the image as {@code <image> train}; locally {@code --root DIR} (or
 * {@value SageMakerPaths#ROOT_ENV}) replaces {@code /opt/ml}. Exit status 0 on success; on any
 * failure 1 (2 for bad arguments), after writing the one-line reason to {@code output/failure} and to
 * standard error.
 */
public final class SageMakerTrain {
  static final String USAGE = "usage: <training image> [train] [--root DIR]   (DIR defaults to $"
      + SageMakerPaths.ROOT_ENV + ", else /opt/ml)";

  private static final Set<String> CHANNELS = Set.of(TrainingJob.TRAIN, TrainingJob.TEST, ImportJob.MODEL);

  private SageMakerTrain() {}

  public static void main(String[] args) {
    // Always exit explicitly: the status is the contract, and no worker thread may keep the JVM up.
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /** Runs a job and returns the exit status. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    String root = null;
    String usageError = null;
    int i = args.length > 0 && "train".equals(args[0]) ? 1 : 0;
    for (; i < args.length && usageError == null; i++) {
      if ("--root".equals(args[i])) {
        if (i + 1 < args.length) {
          root = args[++i];
        } else {
          usageError = "--root needs a folder";
        }
      } else if ("-h".equals(args[i]) || "--help".equals(args[i])) {
        out.println(USAGE);
        return 0;
      } else {
        usageError = "unexpected argument '" + args[i] + "'" + ("serve".equals(args[i])
            ? ": this is the training image (SageMaker runs it as '<image> train')" : "");
      }
    }
    SageMakerPaths paths = SageMakerPaths.resolve(root, env);
    if (usageError != null) {
      err.println(usageError + "\n" + USAGE);
      report(paths, usageError, err);
      return 2;
    }
    String name = env.getOrDefault("TRAINING_JOB_NAME", "local-training-job");
    try {
      FailureReport.clear(paths.failure());
      out.println("training job " + name + " in " + paths.root());
      train(paths, name, out);
      out.println("training job done: model in " + paths.model());
      return 0;
    } catch (Throwable t) { // the entry point: every failure must end in the failure file
      String reason = FailureReport.reason(t);
      err.println("training job failed: " + reason);
      if (!FailureReport.isExpected(t)) {
        t.printStackTrace(err);
      }
      report(paths, reason, err);
      return 1;
    }
  }

  /**
   * The job on SageMaker's folders: hyperparameters, channels {@code train} and {@code test}, model.
   * With a {@code model} channel (an ONNX file) the job imports it, {@code train} calibrating the
   * quantization, instead of training.
   */
  static void train(SageMakerPaths paths, String name, PrintStream out) throws TrainingJobException, IOException {
    Hyperparameters hyperparameters = Hyperparameters.read(paths.hyperparameters());
    Set<String> channels = channelNames(paths);
    Optional<Path> test = channels.contains(TrainingJob.TEST) ? Optional.of(paths.channel(TrainingJob.TEST))
        : Optional.empty();
    if (channels.contains(ImportJob.MODEL)) {
      new ImportJob(hyperparameters.importRequest(), name, out).run(paths.channel(ImportJob.MODEL),
          paths.channel(ImportJob.CALIBRATION), test, paths.model());
    } else {
      new TrainingJob(hyperparameters.request(), name, out).run(paths.channel(TrainingJob.TRAIN), test, paths.model());
    }
  }

  private static Set<String> channelNames(SageMakerPaths paths) throws TrainingJobException, IOException {
    Path dir = paths.channels();
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> list = Files.list(dir)) {
        list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
            .forEach(names::add);
      }
    }
    if (!names.contains(TrainingJob.TRAIN)) {
      throw new TrainingJobException("no channel '" + TrainingJob.TRAIN + "': expected the training data in "
          + paths.channel(TrainingJob.TRAIN)
          + (names.isEmpty() ? " (no channels given)" : "; channels given: " + names));
    }
    Set<String> unknown = new TreeSet<>(names);
    unknown.removeAll(CHANNELS);
    if (!unknown.isEmpty()) {
      throw new TrainingJobException("unknown channel" + (unknown.size() > 1 ? "s " : " ") + unknown
          + ": this image reads '" + TrainingJob.TRAIN + "' (required), '" + TrainingJob.TEST + "' and '"
          + ImportJob.MODEL + "' (optional: an ONNX model to import)");
    }
    return names;
  }

  private static void report(SageMakerPaths paths, String reason, PrintStream err) {
    try {
      FailureReport.write(paths.failure(), reason);
    } catch (IOException | RuntimeException e) {
      err.println("cannot write " + paths.failure() + ": " + e);
    }
  }
}
