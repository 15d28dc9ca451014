package dev.fheml.training.job;

import dev.fheml.core.circuit.InputLayout;
import dev.fheml.protocol.TrainingChannels;
import dev.fheml.training.data.DataSplit;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.data.ImageShape;
import dev.fheml.training.data.MinMaxScaler;
import dev.fheml.training.data.Mnist;
import dev.fheml.training.model.FloatModel;
import dev.fheml.training.onnx.ImportedNetwork;
import dev.fheml.training.onnx.InputPreprocessing;
import dev.fheml.training.onnx.OnnxFile;
import dev.fheml.training.onnx.OnnxImportException;
import dev.fheml.training.onnx.OnnxImporter;
import dev.fheml.training.onnx.PostTrainingQuantizer;
import dev.fheml.training.onnx.proto.OnnxIr.ModelProto;
import dev.fheml.training.pipeline.ImportDetails;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.quant.BootstrapNoise;
import dev.fheml.training.quant.QuantizedModel;
import dev.fheml.training.train.ImageAugmentation;
import dev.fheml.training.train.ModelKind;
import dev.fheml.training.train.ProgressListener;
import dev.fheml.training.train.Trainer;
import dev.fheml.training.train.TrainingConfig;
import dev.fheml.training.train.TrainingResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Imports an ONNX model instead of training one: reads and reduces the graph ({@link OnnxImporter}),
 * quantizes it on calibration data ({@link PostTrainingQuantizer}), optionally fine-tunes it with
 * quantization-aware training from the imported weights, then compiles and packages it like a
 * trained model ({@link ModelPipeline#compileAndPackage}). The SageMaker job runs it when the
 * {@value #MODEL} channel is given ({@code train} is then the calibration data); {@code fhe-ml import}
 * runs it on the user's paths.
 */
public final class ImportJob {
  public static final String MODEL = TrainingChannels.MODEL;
  public static final String CALIBRATION = TrainingChannels.TRAIN;
  public static final String TEST = TrainingChannels.TEST;

  private final ImportRequest request;
  private final String name;
  private final PrintStream log;

  public ImportJob(ImportRequest request, String name, PrintStream log) {
    this.request = Objects.requireNonNull(request, "request");
    this.name = Objects.requireNonNull(name, "name");
    this.log = Objects.requireNonNull(log, "log");
  }

  /**
   * @param model       the {@code .onnx} file, or a folder holding exactly one
   * @param calibration labelled data in the client's raw units (IDX images or one CSV): calibrates the
   *                    quantization, and fine-tunes when asked
   * @param test        labelled test data; without it a stratified {@code test_fraction} of the
   *                    calibration rows is held out for the metrics
   * @throws TrainingJobException an unreadable or unsupported model (naming what to change), or data
   *                              that do not fit it
   */
  public ModelPipeline.Result run(Path model, Path calibration, Optional<Path> test, Path modelDir)
      throws TrainingJobException, IOException {
    ChannelReader reader = new ChannelReader(request.label(), log::println);
    TrainingData calibrationData = reader.read(CALIBRATION, calibration, List.of());
    Optional<TrainingData> testData = Optional.empty();
    if (test.isPresent()) {
      testData = Optional.of(reader.read(TEST, test.get(), calibrationData.dataset().classNames()));
    }
    return run(model, calibrationData, testData, modelDir);
  }

  /** {@link #run(Path, Path, Optional, Path)} on data already read (the bundled MNIST sets, for example). */
  public ModelPipeline.Result run(Path model, TrainingData calibrationData, Optional<TrainingData> testData,
      Path modelDir) throws TrainingJobException, IOException {
    long start = System.nanoTime();
    log.println("request: " + request);
    Path file = onnxFile(model);
    ModelProto proto;
    ImportedNetwork net;
    try {
      proto = OnnxFile.read(file, OnnxFile.DEFAULT_MAX_BYTES);
      int[] shape = request.inputShape().map(s -> s.stream().mapToInt(Integer::intValue).toArray()).orElse(null);
      net = OnnxImporter.importModel(proto, file.getFileName().toString(), shape);
    } catch (OnnxImportException e) {
      throw new TrainingJobException(e.getMessage(), e);
    }
    net.log().forEach(line -> log.println("  " + line));
    log.println("imported " + net);

    log.println(calibrationData.describe());
    Optional<ImageShape> image = calibrationData.image();
    checkFeatures(calibrationData, net);
    List<String> classes = classes(net, calibrationData.dataset(), calibrationData.files().toString());
    Dataset rows = relabel(calibrationData.dataset(), classes);
    Dataset testRows;
    if (testData.isPresent()) {
      log.println(testData.get().describe());
      checkFeatures(testData.get(), net);
      testRows = relabel(testData.get().dataset(), classes);
    } else {
      DataSplit split = DataSplit.stratified(rows, request.testFraction(), request.seed());
      rows = split.kept();
      testRows = split.heldOut();
      log.printf("no test data: holding out %d of %d calibration rows (test_fraction %s) for the metrics%n",
          testRows.size(), calibrationData.dataset().size(), request.testFraction());
    }

    InputPreprocessing pre = preprocessing(image);
    MinMaxScaler scaler = image.isPresent() ? MinMaxScaler.fixed(net.inputSize(), 0, Mnist.MAX_PIXEL)
        : MinMaxScaler.fit(rows);
    FloatModel floatGraph = new FloatModel(scaler, PostTrainingQuantizer.layers(net, pre, scaler),
        unclipped(net.layerCount() - 1), classes);
    double floatAccuracy = floatGraph.accuracy(testRows);
    log.printf("the ONNX graph's float accuracy on %d test rows: %.4f (input %s)%n", testRows.size(), floatAccuracy,
        pre);

    PostTrainingQuantizer.Result ptq = PostTrainingQuantizer.quantize(net, pre, scaler, request.bits(), rows);
    ptq.log().forEach(line -> log.println("  " + line));
    QuantizedModel quantized = ptq.quantized();
    if (request.finetuneEpochs() > 0) {
      quantized = finetune(ptq.floatModel(), rows, image);
    }

    List<Integer> widths = new ArrayList<>();
    for (int l = 0; l < net.layerCount(); l++) {
      widths.add(net.layerInputs(l));
    }
    widths.add(net.layerOutputs(net.layerCount() - 1));
    ImportDetails details = new ImportDetails(file.getFileName().toString(),
        (proto.getProducerName() + " " + proto.getProducerVersion()).strip(), OnnxFile.opsets(proto).getOrDefault("", 0L),
        Arrays.stream(net.inputShape()).boxed().toList(), pre.toString(), widths, net.log(), floatAccuracy, rows.size(),
        ptq.quantizedAccuracy(), request.finetuneEpochs(), Arrays.stream(ptq.clips()).boxed().toList());
    List<Integer> hidden = widths.subList(1, widths.size() - 1);
    ModelPipeline.Origin origin = new ModelPipeline.Origin(hidden.isEmpty() ? ModelKind.LOGREG : ModelKind.MLP, hidden,
        request.finetuneEpochs(), request.seed(), rows.size(), (System.nanoTime() - start) / 1e9, floatAccuracy,
        details, layout(net, image, pre));
    TrainingJob.checkWritable(modelDir);
    ModelPipeline.Result result = ModelPipeline.compileAndPackage(name, origin, quantized, testRows,
        request.compileOptions(), modelDir, log);
    MetricLines.print(result.metrics(), log);
    return result;
  }

  /**
   * The graph's own image shape; for a flat graph calibrated on images, the images' shape (so
   * {@code predict} checks image sizes too); otherwise a flat vector.
   */
  static InputLayout layout(ImportedNetwork net, Optional<ImageShape> image, InputPreprocessing pre) {
    int[] shape = net.inputShape();
    if (shape.length == 3) {
      return InputLayout.image(shape[0], shape[1], shape[2], pre.describe());
    }
    if (image.isPresent() && image.get().pixels() == net.inputSize()) {
      return InputLayout.image(1, image.get().height(), image.get().width(), pre.describe());
    }
    return new InputLayout(List.of(net.inputSize()), pre.describe());
  }

  private static void checkFeatures(TrainingData data, ImportedNetwork net) throws TrainingJobException {
    if (data.dataset().numFeatures() != net.inputSize()) {
      throw new TrainingJobException("channel " + data.channel() + " " + data.files() + " has "
          + data.dataset().numFeatures() + " features per row, the model's input " + Arrays.toString(net.inputShape())
          + " takes " + net.inputSize());
    }
  }

  /** The channel's one {@code .onnx} file, or the file itself. */
  static Path onnxFile(Path model) throws TrainingJobException, IOException {
    if (Files.isRegularFile(model)) {
      return model;
    }
    if (!Files.isDirectory(model)) {
      throw new TrainingJobException("no ONNX model at " + model);
    }
    List<Path> found;
    try (Stream<Path> files = Files.list(model)) {
      found = files.filter(p -> p.getFileName().toString().toLowerCase().endsWith(".onnx")).sorted().toList();
    }
    if (found.size() != 1) {
      throw new TrainingJobException("channel " + MODEL + " (" + model + ") must hold exactly one .onnx file, it holds "
          + found.size() + (found.isEmpty() ? "" : ": " + found));
    }
    return found.get(0);
  }

  private InputPreprocessing preprocessing(Optional<ImageShape> image) throws TrainingJobException {
    if (image.isEmpty()) {
      if (request.inputNormalize().isPresent()) {
        throw new TrainingJobException("hyperparameter input_normalize describes image preprocessing, but the"
            + " calibration data are CSV rows; drop it (a scikit-learn pipeline scales inside its graph)");
      }
      return InputPreprocessing.none();
    }
    return request.inputNormalize().isPresent()
        ? InputPreprocessing.pixels(request.normalizeMeans(), request.normalizeStds())
        : InputPreprocessing.pixels();
  }

  /**
   * The class names in the model's score order: the model's labels when the data use the same ones
   * (in any order), the data's names when the model has none (scores by index).
   */
  private List<String> classes(ImportedNetwork net, Dataset data, String source) throws TrainingJobException {
    List<String> model = net.classNames();
    List<String> given = data.classNames();
    boolean indices = true;
    for (int k = 0; k < model.size(); k++) {
      indices &= model.get(k).equals(Integer.toString(k));
    }
    if (model.containsAll(given) && given.size() <= model.size()) {
      return model;
    }
    if (indices && given.size() == model.size()) {
      log.println("the model names no classes: score k is the data's class k " + given);
      return given;
    }
    throw new TrainingJobException(source + " labels rows " + given + ", the model's scores are for classes "
        + model + "; give data labelled with the model's classes");
  }

  /** The same rows with labels indexing {@code classes}. */
  private static Dataset relabel(Dataset data, List<String> classes) {
    if (data.classNames().equals(classes)) {
      return data;
    }
    int[] labels = new int[data.size()];
    float[] features = new float[data.size() * data.numFeatures()];
    for (int r = 0; r < data.size(); r++) {
      labels[r] = classes.indexOf(data.classNames().get(data.label(r)));
      data.copyRow(r, features, r * data.numFeatures());
    }
    return Dataset.of(features, labels, data.featureNames(), classes);
  }

  private QuantizedModel finetune(FloatModel start, Dataset rows, Optional<ImageShape> image)
      throws TrainingJobException {
    BootstrapNoise noise = BootstrapNoise.defaults().withSigmaPositions(request.trainNoise() ? request.noisePositions()
        : 0);
    TrainingConfig.Builder b = TrainingConfig.builder().initialModel(start).bits(request.bits()).noise(noise)
        .epochs(request.finetuneEpochs()).batchSize(request.batchSize()).learningRate(request.learningRate())
        .weightDecay(request.weightDecay()).floatWarmupEpochs(0).validationFraction(0.1).seed(request.seed())
        .threads(request.threads());
    boolean augment = request.augment().orElse(image.isPresent());
    if (augment) {
      if (image.isEmpty()) {
        throw new TrainingJobException("hyperparameter augment: augmentation distorts images, but the calibration"
            + " data are CSV rows; drop augment");
      }
      ImageAugmentation mnist = ImageAugmentation.mnistDefaults();
      b.augmentation(new ImageAugmentation(image.get().width(), image.get().height(), mnist.maxShift(),
          mnist.maxRotationDegrees(), mnist.maxScaleDelta(), TrainingRequest.builder().build().elastic(),
          TrainingRequest.ELASTIC_GRID));
    }
    TrainingConfig config = b.build();
    log.printf("fine-tuning %d epochs from the imported weights (quantization-aware%s)%n", request.finetuneEpochs(),
        augment ? ", augmented images" : "");
    TrainingResult result = new Trainer(config, ProgressListener.printingTo(log)).train(rows);
    log.printf("fine-tuned in %.1f s (best epoch %d)%n", result.duration().toMillis() / 1e3, result.bestEpoch());
    return result.quantizedModel();
  }

  private static double[] unclipped(int hidden) {
    double[] clips = new double[hidden];
    Arrays.fill(clips, Double.POSITIVE_INFINITY);
    return clips;
  }
}
