package dev.fheml.training.job;

import dev.fheml.core.circuit.InputLayout;
import dev.fheml.protocol.TrainingChannels;
import dev.fheml.training.compile.UnsafeModelException;
import dev.fheml.training.data.DataShape;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.TrainingConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One training job: a {@link TrainingRequest} and data in, {@code server.zip}, {@code client.zip} and
 * {@code metrics.json} out in the model folder, metrics printed as {@link MetricLines}. The data are
 * the {@value #TRAIN} channel (required) and the {@value #TEST} channel (optional; without it a
 * stratified {@code test_fraction} of the training rows is held out for the metrics), each a folder or
 * one file ({@link ChannelReader}). Before training it checks the rows ({@link DataRequirements}) and
 * chooses what the request leaves open from them ({@link DataDefaults}, {@link AugmentationChoice}); a
 * model the compiler refuses ends in the hyperparameters to turn ({@link CompilerHints}). Training,
 * compiling and packaging are {@link ModelPipeline}'s. The
 * SageMaker entry point runs it on {@code /opt/ml}, {@code fhe-ml train} on the user's paths.
 */
public final class TrainingJob {
  public static final String TRAIN = TrainingChannels.TRAIN;
  public static final String TEST = TrainingChannels.TEST;

  private final TrainingRequest request;
  private final String name;
  private final PrintStream log;

  /**
   * @param name the job's name, recorded in the metrics ({@code TRAINING_JOB_NAME} in SageMaker)
   * @param log  progress and metric lines
   */
  public TrainingJob(TrainingRequest request, String name, PrintStream log) {
    this.request = Objects.requireNonNull(request, "request");
    this.name = Objects.requireNonNull(name, "name");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * Runs the job.
   *
   * @param train    the training data: a folder or one file
   * @param test     the test data, if any
   * @param modelDir where the model goes (created if needed)
   * @throws TrainingJobException for channels or data that do not fit the request
   * @throws IOException          if data cannot be read (a {@link
   *                              dev.fheml.training.data.DatasetFormatException} when malformed) or
   *                              the model cannot be written
   */
  public ModelPipeline.Result run(Path train, Optional<Path> test, Path modelDir)
      throws TrainingJobException, IOException {
    log.println("request: " + request);
    ChannelReader reader = new ChannelReader(request.label(), log::println);
    TrainingData trainData = reader.read(TRAIN, train, List.of());
    log.println(trainData.describe());
    Optional<ImageShape> image = trainData.image();
    if (request.label().isPresent() && image.isPresent()) {
      throw new TrainingJobException("hyperparameter label names a CSV column, but channel " + TRAIN
          + " holds IDX images; drop label");
    }
    if (request.augment().orElse(false) && image.isEmpty()) {
      throw new TrainingJobException("hyperparameter augment: augmentation distorts images, but channel " + TRAIN
          + " holds CSV rows; drop augment");
    }
    DataRequirements.requireClasses(TRAIN, trainData.dataset());
    Dataset trainRows = trainData.dataset();
    Dataset testRows;
    if (test.isPresent()) {
      TrainingData testData = reader.read(TEST, test.get(), trainData.dataset().classNames());
      log.println(testData.describe());
      checkCompatible(trainData, testData);
      testRows = testData.dataset();
    } else {
      DataSplit split = DataSplit.stratified(trainData.dataset(), request.testFraction(), request.seed());
      trainRows = split.kept();
      testRows = split.heldOut();
      log.printf("no %s channel: holding out %d of %d training rows (test_fraction %s) for the metrics%n", TEST,
          testRows.size(), trainData.dataset().size(), request.testFraction());
    }
    DataRequirements.requireSizes(trainRows, testRows, test.isPresent() ? 0 : request.testFraction(), log);
    DataShape shape = DataShape.of(trainRows, image);
    log.println(request.settingsFor(shape).describe() + " (" + shape + ")");
    TrainingConfig config = request.trainingConfig(shape);
    checkWritable(modelDir);
    InputLayout layout = ModelPipeline.layout(image, trainRows.numFeatures());
    ModelPipeline.Result result;
    try {
      if (request.choosesAugmentation(shape)) {
        AugmentationChoice.Choice choice = AugmentationChoice.choose(config,
            request.imageAugmentation(image.orElseThrow()), trainRows, ProgressListener.printingTo(log), log);
        config = choice.config();
        result = ModelPipeline.packageTrained(name, config, choice.result(), trainRows, testRows, layout,
            request.compileOptions(), modelDir, log);
      } else {
        result = ModelPipeline.run(name, config, trainRows, testRows, layout, request.compileOptions(), modelDir,
            ProgressListener.printingTo(log), log);
      }
    } catch (UnsafeModelException e) {
      throw new TrainingJobException("the trained model cannot be run under FHE safely: " + e.getMessage() + "; "
          + CompilerHints.forTraining(config, request.compileOptions(), e), e);
    }
    MetricLines.print(result.metrics(), log);
    return result;
  }

  private static void checkCompatible(TrainingData train, TrainingData test) throws TrainingJobException {
    if (test.dataset().numFeatures() != train.dataset().numFeatures() || !test.image().equals(train.image())) {
      throw new TrainingJobException("channel " + TEST + " has " + test.dataset().numFeatures() + " features"
          + test.image().map(s -> " (" + s + " images)").orElse("") + ", channel " + TRAIN + " has "
          + train.dataset().numFeatures() + train.image().map(s -> " (" + s + " images)").orElse(""));
    }
  }

  // Fails before training, not after minutes of it, when the model folder is not writable.
  static void checkWritable(Path model) throws TrainingJobException, IOException {
    try {
      Files.createDirectories(model);
      Files.delete(Files.createTempFile(model, ".write-check", ""));
    } catch (AccessDeniedException e) {
      throw new TrainingJobException("cannot write the model folder " + model + " as user "
          + System.getProperty("user.name") + ": " + e.getMessage(), e);
    }
  }
}
