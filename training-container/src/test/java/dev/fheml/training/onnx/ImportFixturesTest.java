package dev.fheml.training.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The importer against models really exported by PyTorch and scikit-learn ({@code data/onnx}, made by
 * {@code scripts/fixtures/make_onnx_fixtures.py}): the reduced network must compute what ONNX Runtime
 * computed on the reference rows, and reach the exporter's float accuracy on the whole test set.
 */
class ImportFixturesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** ONNX Runtime computes in float32, we in double: logits of magnitude ~20 agree to ~1e-5. */
  private static final double SCORE_TOLERANCE = 2e-4;

  private static Path onnxDir() throws IOException {
    return BundledData.locate().root().resolve("onnx");
  }

  private static ImportedNetwork load(String model) throws IOException {
    Path file = onnxDir().resolve(model + ".onnx");
    return OnnxImporter.importModel(OnnxFile.read(file, OnnxFile.DEFAULT_MAX_BYTES), file.getFileName().toString(),
        null);
  }

  private static JsonNode reference(String model) throws IOException {
    return JSON.readTree(onnxDir().resolve(model + ".reference.json").toFile());
  }

  /** The torch models' input: pixel/255, then (x - mean) / std when the reference says so. */
  private static double[] pixels(JsonNode row, JsonNode pre) {
    double scale = pre.path("scale").asDouble();
    double mean = pre.path("mean").asDouble(0);
    double std = pre.path("std").asDouble(1);
    double[] x = new double[row.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = (row.get(i).asDouble() * scale - mean) / std;
    }
    return x;
  }

  private static double[] doubles(JsonNode row) {
    double[] x = new double[row.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = row.get(i).asDouble();
    }
    return x;
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int k = 1; k < v.length; k++) {
      if (v[k] > v[best]) {
        best = k;
      }
    }
    return best;
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist-mlp-128-64", "mnist-mlp-128-64-opset13", "mnist-mlp-128-64-opset21",
      "mnist-mlp-128-64-float-data", "mnist-cnn"})
  void torchModelsComputeOnnxRuntimesLogits(String model) throws IOException {
    ImportedNetwork net = load(model);
    JsonNode ref = reference(model);
    assertEquals(784, net.inputSize());
    assertEquals(10, net.classNames().size());
    for (int r = 0; r < ref.get("inputs").size(); r++) {
      double[] scores = net.scores(pixels(ref.get("inputs").get(r), ref.get("input_preprocessing")));
      double[] expected = doubles(ref.get("outputs").get(r));
      for (int k = 0; k < expected.length; k++) {
        assertEquals(expected[k], scores[k], SCORE_TOLERANCE, model + " row " + r + " logit " + k);
      }
      assertEquals(ref.get("predicted").get(r).asInt(), argmax(scores), model + " row " + r);
    }
  }

  @Test
  void theBenchmarksMlpAndTheCnnCostTheirReluCount() throws IOException {
    assertEquals(128 + 64, load("mnist-mlp-128-64").bootstraps());
    assertEquals(reference("mnist-cnn").get("relu_count_per_image").asInt(), load("mnist-cnn").bootstraps());
  }

  /**
   * scikit-learn's binary classifiers: LinearClassifier writes [-z, z] (its coefficients are [-w, w]),
   * the MLP's single logistic unit becomes [0, z]; either way z is scikit-learn's decision function.
   */
  @ParameterizedTest
  @ValueSource(strings = {"breast-cancer-logreg", "breast-cancer-mlp"})
  void sklearnModelsComputeTheDecisionFunction(String model) throws IOException {
    ImportedNetwork net = load(model);
    JsonNode ref = reference(model);
    assertEquals(30, net.inputSize());
    assertEquals(2, net.classNames().size());
    assertEquals(model.endsWith("mlp") ? 16 : 0, net.bootstraps());
    for (int r = 0; r < ref.get("inputs").size(); r++) {
      double[] scores = net.scores(doubles(ref.get("inputs").get(r)));
      double z = ref.get("decision_function").get(r).asDouble();
      // float32 weights and scaling in the graph, float64 in scikit-learn
      double tolerance = 1e-4 * Math.max(1, Math.abs(z));
      assertEquals(z, scores[1] - (model.endsWith("mlp") ? scores[0] : 0), tolerance, model + " row " + r);
      assertEquals(model.endsWith("mlp") ? 0 : -z, scores[0], tolerance, model + " row " + r + " score 0");
      assertEquals(ref.get("predicted").get(r).asInt(), argmax(scores), model + " row " + r);
    }
  }

  @Test
  void theCnnReachesItsFloatAccuracyOnTheWholeTestSet() throws IOException {
    ImportedNetwork net = load("mnist-cnn");
    JsonNode ref = reference("mnist-cnn");
    Dataset test = BundledData.locate().mnistTest();
    int correct = 0;
    double[] x = new double[784];
    double scale = ref.get("input_preprocessing").get("scale").asDouble();
    for (int r = 0; r < test.size(); r++) {
      for (int i = 0; i < x.length; i++) {
        x[i] = test.feature(r, i) * scale;
      }
      if (argmax(net.scores(x)) == test.label(r)) {
        correct++;
      }
    }
    double accuracy = correct / (double) test.size();
    // float64 here, float32 there: a borderline image or two may flip
    assertEquals(ref.get("float_test_accuracy").asDouble(), accuracy, 3e-4, "float accuracy on 10,000 images");
    assertTrue(accuracy >= 0.985, "the CNN fixture is the ≥ 98.5 % acceptance model: " + accuracy);
  }
}
