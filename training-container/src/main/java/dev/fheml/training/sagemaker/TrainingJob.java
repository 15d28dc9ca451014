package dev.fheml.training.sagemaker;

import dev.fheml.protocol.TrainingChannels;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.TrainingConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * One SageMaker training job: hyperparameters and channels in, {@code server.zip},
 * {@code client.zip} and {@code metrics.json} out in the model folder, metrics printed as
 * {@link MetricLines}. Channels: {@value #TRAIN} (required) and {@value #TEST} (optional; without
 * it a stratified {@code test_fraction} of the training rows is held out for the metrics).
 * Training, compiling and packaging are {@link ModelPipeline}'s.
 */
public final class TrainingJob {
  public static final String TRAIN = TrainingChannels.TRAIN;
  public static final String TEST = TrainingChannels.TEST;
  private static final Set<String> CHANNELS = Set.of(TRAIN, TEST);

  private final SageMakerPaths paths;
  private final String name;
  private final PrintStream log;

  /**
   * @param name the job's name, recorded in the metrics ({@code TRAINING_JOB_NAME} in SageMaker)
   * @param log  progress and metric lines
   */
  public TrainingJob(SageMakerPaths paths, String name, PrintStream log) {
    this.paths = paths;
    this.name = name;
    this.log = log;
  }

  /**
   * Runs the job.
   *
   * @throws TrainingJobException for bad hyperparameters, channels or data that do not fit
   * @throws IOException          if data cannot be read (a {@link
   *                              dev.fheml.training.data.DatasetFormatException} when malformed) or
   *                              the model cannot be written
   */
  public ModelPipeline.Result run() throws TrainingJobException, IOException {
    JobSettings settings = JobSettings.from(Hyperparameters.read(paths.hyperparameters()));
    log.println("settings: " + settings);
    Set<String> channels = channelNames();
    ChannelReader reader = new ChannelReader(settings.label());
    TrainingData train = reader.read(TRAIN, paths.channel(TRAIN), List.of());
    log.println(train.describe());
    if (settings.label().isPresent() && train.image().isPresent()) {
      throw new TrainingJobException("hyperparameter label names a CSV column, but channel " + TRAIN
          + " holds IDX images; drop label");
    }
    Dataset trainRows = train.dataset();
    Dataset testRows;
    if (channels.contains(TEST)) {
      TrainingData test = reader.read(TEST, paths.channel(TEST), train.dataset().classNames());
      log.println(test.describe());
      checkCompatible(train, test);
      testRows = test.dataset();
    } else {
      DataSplit split = DataSplit.stratified(train.dataset(), settings.testFraction(), settings.seed());
      trainRows = split.kept();
      testRows = split.heldOut();
      log.printf("no %s channel: holding out %d of %d training rows (test_fraction %s) for the metrics%n", TEST,
          testRows.size(), train.dataset().size(), settings.testFraction());
    }
    TrainingConfig config = settings.trainingConfig(train);
    checkWritable(paths.model());
    ModelPipeline.Result result = ModelPipeline.run(name, config, trainRows, testRows, settings.compileOptions(),
        paths.model(), ProgressListener.printingTo(log), log);
    MetricLines.print(result.metrics(), log);
    return result;
  }

  private Set<String> channelNames() throws TrainingJobException, IOException {
    Path dir = paths.channels();
    Set<String> names = new TreeSet<>();
    if (Files.isDirectory(dir)) {
      try (Stream<Path> list = Files.list(dir)) {
        list.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
            .forEach(names::add);
      }
    }
    if (!names.contains(TRAIN)) {
      throw new TrainingJobException("no channel '" + TRAIN + "': expected the training data in " + paths.channel(TRAIN)
          + (names.isEmpty() ? " (no channels given)" : "; channels given: " + names));
    }
    Set<String> unknown = new TreeSet<>(names);
    unknown.removeAll(CHANNELS);
    if (!unknown.isEmpty()) {
      throw new TrainingJobException("unknown channel" + (unknown.size() > 1 ? "s " : " ") + unknown
          + ": this image reads '" + TRAIN + "' (required) and '" + TEST + "' (optional)");
    }
    return names;
  }

  private static void checkCompatible(TrainingData train, TrainingData test) throws TrainingJobException {
    if (test.dataset().numFeatures() != train.dataset().numFeatures() || !test.image().equals(train.image())) {
      throw new TrainingJobException("channel " + TEST + " has " + test.dataset().numFeatures() + " features"
          + test.image().map(s -> " (" + s.width() + "x" + s.height() + " images)").orElse("") + ", channel " + TRAIN
          + " has " + train.dataset().numFeatures()
          + train.image().map(s -> " (" + s.width() + "x" + s.height() + " images)").orElse(""));
    }
  }

  // Fails before training, not after minutes of it, when the model folder is not writable.
  private static void checkWritable(Path model) throws TrainingJobException, IOException {
    try {
      Files.createDirectories(model);
      Files.delete(Files.createTempFile(model, ".write-check", ""));
    } catch (AccessDeniedException e) {
      throw new TrainingJobException("cannot write the model folder " + model + " as user "
          + System.getProperty("user.name") + ": " + e.getMessage(), e);
    }
  }
}
