package dev.fheml.training.sagemaker;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;

/**
 * The training image's entry point. SageMaker runs the image as {@code <image> train}; locally
 * {@code --root DIR} (or {@value SageMakerPaths#ROOT_ENV}) replaces {@code /opt/ml}. Exit status 0
 * on success; on any failure 1 (2 for bad arguments), after writing the one-line reason to
 * {@code output/failure} and to standard error.
 */
public final class SageMakerTrain {
  static final String USAGE = "usage: <training image> [train] [--root DIR]   (DIR defaults to $"
      + SageMakerPaths.ROOT_ENV + ", else /opt/ml)";

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
      new TrainingJob(paths, name, out).run();
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

  private static void report(SageMakerPaths paths, String reason, PrintStream err) {
    try {
      FailureReport.write(paths.failure(), reason);
    } catch (IOException | RuntimeException e) {
      err.println("cannot write " + paths.failure() + ": " + e);
    }
  }
}
