package dev.fheml.training.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.InputLayout;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.pipeline.ModelPipeline;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Importing the committed scikit-learn fixtures: fine-tuning, and the errors a model owner can run into. */
class ImportJobTest {
  @TempDir
  Path dir;
  private Path onnx;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  @BeforeEach
  void locate() throws IOException {
    onnx = BundledData.locate().root().resolve("onnx");
  }

  private ImportJob job(ImportRequest request) {
    return new ImportJob(request, "import-test", new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  private String fails(ImportRequest request, Path model, Path calibration) {
    TrainingJobException e = assertThrows(TrainingJobException.class,
        () -> job(request).run(model, calibration, Optional.empty(), dir.resolve("out")));
    assertFalse(Files.exists(dir.resolve("out/server.zip")), "nothing is written on failure");
    return e.getMessage();
  }

  @Test
  void fineTuningStartsFromTheImportedWeights() throws Exception {
    ImportRequest request = ImportRequest.builder().finetuneEpochs(3).batchSize(32).seed(4).build();
    ModelPipeline.Result result = job(request).run(onnx.resolve("breast-cancer-mlp.onnx"),
        onnx.resolve("breast-cancer-train.csv"), Optional.of(onnx.resolve("breast-cancer-test.csv")), dir);
    String text = log.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("fine-tuning 3 epochs from the imported weights"), text);
    assertEquals(3, result.metrics().importDetails().finetuneEpochs());
    assertEquals(List.of(30, 16, 2), result.metrics().importDetails().layers());
    assertEquals(16 + 2, result.metrics().pbsCount(), "16 hidden units and a sanitizing bootstrap per class");
    // three epochs from the trained weights cannot lose much: the float model is at 111/114
    assertTrue(result.metrics().accuracyQuantized() >= 105 / 114.0, result.metrics().toString());
    assertEquals(result.metrics().modelId(),
        ModelArtifacts.readServer(dir.resolve("server.zip")).manifest().modelId());
    // A scikit-learn pipeline scales in its own graph: the client sends the 30 CSV features as they are.
    assertEquals(InputLayout.flat(30), ModelArtifacts.readClient(dir.resolve("client.zip")).spec().layout());
  }

  @Test
  void dataWithTheWrongNumberOfFeaturesIsNamed() throws Exception {
    new ChannelFolder(dir.resolve("images")).mnist(50);
    String message = fails(ImportRequest.defaults(), onnx.resolve("breast-cancer-logreg.onnx"), dir.resolve("images"));
    assertTrue(message.startsWith("channel train "), message);
    assertTrue(message.endsWith(" has 784 features per row, the model's input [30] takes 30"), message);
  }

  @Test
  void aFolderMustHoldExactlyOneModel() throws Exception {
    Path models = Files.createDirectories(dir.resolve("models"));
    Files.copy(onnx.resolve("breast-cancer-logreg.onnx"), models.resolve("a.onnx"));
    Files.copy(onnx.resolve("breast-cancer-mlp.onnx"), models.resolve("b.onnx"));
    String message = fails(ImportRequest.defaults(), models, onnx.resolve("breast-cancer-train.csv"));
    assertTrue(message.contains("must hold exactly one .onnx file, it holds 2"), message);
  }

  @Test
  void bytesThatAreNotAModelAreRefused() throws Exception {
    Path bad = Files.write(dir.resolve("model.onnx"), "not a protobuf at all".getBytes(StandardCharsets.UTF_8));
    String message = fails(ImportRequest.defaults(), bad, onnx.resolve("breast-cancer-train.csv"));
    assertTrue(message.contains("model.onnx"), message);
    assertTrue(message.contains("ONNX model"), message);
  }

  @Test
  void imagePreprocessingOnCsvRowsIsRefused() {
    ImportRequest request = ImportRequest.builder().inputNormalize(List.of(0.5, 0.25)).build();
    String message = fails(request, onnx.resolve("breast-cancer-logreg.onnx"), onnx.resolve("breast-cancer-train.csv"));
    assertTrue(message.startsWith("hyperparameter input_normalize describes image preprocessing"), message);
  }

  @Test
  void labelsTheModelDoesNotKnowAreRefused() throws Exception {
    List<String> lines = Files.readAllLines(onnx.resolve("breast-cancer-train.csv"));
    String extra = lines.get(1).substring(0, lines.get(1).lastIndexOf(',') + 1) + "other";
    Path file = Files.writeString(dir.resolve("three.csv"), String.join("\n", lines) + "\n" + extra + "\n");
    String message = fails(ImportRequest.defaults(), onnx.resolve("breast-cancer-logreg.onnx"), file);
    assertTrue(message.endsWith(" labels rows [benign, malignant, other], the model's scores are for classes [0, 1];"
        + " give data labelled with the model's classes"), message);
  }
}
