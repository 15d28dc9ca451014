package dev.fheml.training.onnx;

import static dev.fheml.training.onnx.Graphs.f;
import static dev.fheml.training.onnx.Graphs.fs;
import static dev.fheml.training.onnx.Graphs.i;
import static dev.fheml.training.onnx.Graphs.in;
import static dev.fheml.training.onnx.Graphs.is;
import static dev.fheml.training.onnx.Graphs.random;
import static dev.fheml.training.onnx.Graphs.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every supported operator against a plain reference computation written here (not the importer's
 * own code), and every refusal against its message.
 */
class OnnxImporterTest {
  private static final double TOLERANCE = 1e-9;
  private final SplittableRandom r = new SplittableRandom(7);

  // ------------------------------------------------------------------ references

  /** x (K) times w (K x M, row-major) plus b. */
  static double[] matmul(double[] x, double[] w, int k, int m, double[] b) {
    double[] y = new double[m];
    for (int j = 0; j < m; j++) {
      double s = b == null ? 0 : b[j];
      for (int i = 0; i < k; i++) {
        s += x[i] * w[i * m + j];
      }
      y[j] = s;
    }
    return y;
  }

  static double[] relu(double[] x) {
    double[] y = x.clone();
    for (int i = 0; i < y.length; i++) {
      y[i] = Math.max(0, y[i]);
    }
    return y;
  }

  /** Direct 2-D convolution over [C, H, W] with pads [t, l, b, r]. */
  static double[] conv(double[] x, int c, int h, int w, double[] k, int m, int kh, int kw, double[] b, int stride,
      int[] pads) {
    int oh = (h + pads[0] + pads[2] - kh) / stride + 1;
    int ow = (w + pads[1] + pads[3] - kw) / stride + 1;
    double[] y = new double[m * oh * ow];
    for (int f = 0; f < m; f++) {
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          double s = b == null ? 0 : b[f];
          for (int ch = 0; ch < c; ch++) {
            for (int ky = 0; ky < kh; ky++) {
              for (int kx = 0; kx < kw; kx++) {
                int iy = oy * stride + ky - pads[0];
                int ix = ox * stride + kx - pads[1];
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                  s += x[(ch * h + iy) * w + ix] * k[((f * c + ch) * kh + ky) * kw + kx];
                }
              }
            }
          }
          y[(f * oh + oy) * ow + ox] = s;
        }
      }
    }
    return y;
  }

  private static void assertClose(double[] expected, double[] actual) {
    assertEquals(expected.length, actual.length, "length");
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], TOLERANCE * (1 + Math.abs(expected[i])), "value " + i);
    }
  }

  // ------------------------------------------------------------------ operators

  @ParameterizedTest(name = "float_data = {0}")
  @ValueSource(booleans = {false, true})
  void gemmReluGemmWithBothWeightEncodings(boolean floatData) {
    double[] w1 = random(r, 6 * 4, 1);
    double[] b1 = random(r, 4, 1);
    double[] w2t = random(r, 3 * 4, 1); // [M, K] with transB
    double[] b2 = random(r, 3, 1);
    Graphs g = new Graphs("x", 6);
    g.floatData = floatData;
    g.init("w1", w1, 6, 4).init("b1", b1, 4).init("w2", w2t, 3, 4).init("b2", b2, 3)
        .node("Gemm", in("x", "w1", "b1"), in("h"))
        .node("Relu", in("h"), in("a"))
        .node("Gemm", in("a", "w2", "b2"), in("y"), i("transB", 1), f("alpha", 0.5), f("beta", 2))
        .output("y");
    ImportedNetwork net = Graphs.load(g);
    assertEquals(2, net.layerCount());
    assertEquals(4, net.bootstraps());
    double[] x = random(r, 6, 3);
    double[] w2 = new double[4 * 3];
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 4; i++) {
        w2[i * 3 + j] = 0.5 * w2t[j * 4 + i];
      }
    }
    double[] b2s = {2 * b2[0], 2 * b2[1], 2 * b2[2]};
    assertClose(matmul(relu(matmul(x, w1, 6, 4, b1)), w2, 4, 3, b2s), net.scores(x));
    assertEquals(List.of("0", "1", "2"), net.classNames());
  }

  @Test
  void matMulThenAddIsOneLayerAndIdentityAndDropoutAreRemoved() {
    double[] w = random(r, 5 * 3, 1);
    double[] b = random(r, 3, 1);
    Graphs g = new Graphs("x", 5).init("w", w, 5, 3).init("b", b, 3)
        .node("Identity", in("x"), in("x1"))
        .node("MatMul", in("x1", "w"), in("m"))
        .node("Dropout", in("m"), in("d", "mask"))
        .node("Add", in("d", "b"), in("y"))
        .output("y");
    ImportedNetwork net = Graphs.load(g);
    assertEquals(1, net.layerCount());
    double[] x = random(r, 5, 2);
    assertClose(matmul(x, w, 5, 3, b), net.scores(x));
    assertTrue(net.log().stream().anyMatch(l -> l.contains("Dropout") && l.contains("removed")), net.log().toString());
  }

  @Test
  void subMulDivWithBroadcastConstantsFold() {
    double[] w = random(r, 4 * 2, 1);
    Graphs g = new Graphs("x", 4).init("c", new double[] {1, 2, 3, 4}, 1, 4).init("two", new double[] {2}, 1)
        .init("w", w, 4, 2)
        .node("Sub", in("x", "c"), in("s"))
        .node("Mul", in("two", "s"), in("m"))
        .node("Div", in("m", "two"), in("d"))
        .node("Sub", in("two", "d"), in("n")) // 2 - d
        .node("MatMul", in("n", "w"), in("y"))
        .output("y");
    double[] x = random(r, 4, 5);
    double[] n = new double[4];
    for (int i = 0; i < 4; i++) {
      n[i] = 2 - (2 * (x[i] - (i + 1))) / 2;
    }
    assertClose(matmul(n, w, 4, 2, null), Graphs.load(g).scores(x));
  }

  @Test
  void flattenAndReshapeChangeOnlyTheShape() {
    double[] w = random(r, 12 * 2, 1);
    Graphs g = new Graphs("x", 1, 3, 4).ints("shape", -1, 12).init("w", w, 12, 2)
        .node("Reshape", in("x", "shape"), in("v"))
        .node("MatMul", in("v", "w"), in("y"))
        .output("y");
    double[] x = random(r, 12, 1);
    assertClose(matmul(x, w, 12, 2, null), Graphs.load(g).scores(x));
    Graphs h = new Graphs("x", 1, 3, 4).init("w", w, 12, 2)
        .node("Flatten", in("x"), in("v"), i("axis", 1))
        .node("MatMul", in("v", "w"), in("y"))
        .output("y");
    assertClose(matmul(x, w, 12, 2, null), Graphs.load(h).scores(x));
    Graphs zero = new Graphs("x", 1, 3, 4).ints("shape", 0, 12).init("w", w, 12, 2)
        .node("Reshape", in("x", "shape"), in("v"))
        .node("MatMul", in("v", "w"), in("y"))
        .output("y");
    assertClose(matmul(x, w, 12, 2, null), Graphs.load(zero).scores(x));
  }

  @ParameterizedTest(name = "stride {0}, pads {1}")
  @org.junit.jupiter.params.provider.CsvSource({"1, 0", "2, 0", "2, 1", "3, 2"})
  void convolutionMatchesADirectOne(int stride, int pad) {
    int c = 2;
    int h = 9;
    int w = 8;
    int m = 3;
    int k = 3;
    double[] kernel = random(r, m * c * k * k, 1);
    double[] bias = random(r, m, 1);
    int[] pads = {pad, pad, pad, pad};
    int oh = (h + 2 * pad - k) / stride + 1;
    int ow = (w + 2 * pad - k) / stride + 1;
    double[] dense = random(r, m * oh * ow * 2, 1);
    Graphs g = new Graphs("x", c, h, w).init("k", kernel, m, c, k, k).init("b", bias, m)
        .init("w", dense, (long) m * oh * ow, 2)
        .node("Conv", in("x", "k", "b"), in("c"), is("strides", stride, stride), is("pads", pad, pad, pad, pad),
            is("kernel_shape", k, k))
        .node("Flatten", in("c"), in("f"))
        .node("MatMul", in("f", "w"), in("y"))
        .output("y");
    double[] x = random(r, c * h * w, 1);
    double[] expected = matmul(conv(x, c, h, w, kernel, m, k, k, bias, stride, pads), dense, m * oh * ow, 2, null);
    assertClose(expected, Graphs.load(g).scores(x));
  }

  @Test
  void autoPadSameUpperKeepsTheSize() {
    double[] kernel = random(r, 1 * 1 * 3 * 3, 1);
    double[] dense = random(r, 25 * 1, 1);
    Graphs g = new Graphs("x", 1, 5, 5).init("k", kernel, 1, 1, 3, 3).init("w", dense, 25, 1)
        .node("Conv", in("x", "k"), in("c"), s("auto_pad", "SAME_UPPER"))
        .node("Flatten", in("c"), in("f"))
        .node("MatMul", in("f", "w"), in("y"))
        .output("y");
    double[] x = random(r, 25, 1);
    double[] expected = matmul(conv(x, 1, 5, 5, kernel, 1, 3, 3, null, 1, new int[] {1, 1, 1, 1}), dense, 25, 1, null);
    ImportedNetwork net = Graphs.load(g);
    double[] two = net.scores(x);
    assertEquals(0, two[0], TOLERANCE, "one score becomes [0, z]");
    assertEquals(expected[0], two[1], TOLERANCE);
  }

  @Test
  void batchNormalizationFoldsIntoTheConvolution() {
    double[] kernel = random(r, 2 * 1 * 2 * 2, 1);
    double[] gamma = {1.5, 0.5};
    double[] beta = {(float) 0.1, (float) -0.2}; // what a float tensor stores
    double[] mean = {(float) 0.3, (float) -0.4};
    double[] var = {2.0, 0.25};
    double[] dense = random(r, 2 * 3 * 3 * 2, 1);
    Graphs g = new Graphs("x", 1, 4, 4).init("k", kernel, 2, 1, 2, 2).init("g", gamma, 2).init("be", beta, 2)
        .init("mu", mean, 2).init("v", var, 2).init("w", dense, 18, 2)
        .node("Conv", in("x", "k"), in("c"))
        .node("BatchNormalization", in("c", "g", "be", "mu", "v"), in("n"), f("epsilon", 1e-3))
        .node("Relu", in("n"), in("a"))
        .node("Flatten", in("a"), in("f"))
        .node("Gemm", in("f", "w"), in("y"))
        .output("y");
    ImportedNetwork net = Graphs.load(g);
    assertEquals(2, net.layerCount(), "conv + batch norm are one layer");
    assertEquals(18, net.bootstraps());
    double[] x = random(r, 16, 1);
    double[] c = conv(x, 1, 4, 4, kernel, 2, 2, 2, null, 1, new int[4]);
    for (int ch = 0; ch < 2; ch++) {
      for (int p = 0; p < 9; p++) {
        c[ch * 9 + p] = gamma[ch] * (c[ch * 9 + p] - mean[ch]) / Math.sqrt(var[ch] + (float) 1e-3) + beta[ch];
      }
    }
    assertClose(matmul(relu(c), dense, 18, 2, null), net.scores(x));
  }

  @ParameterizedTest(name = "pad {0}, count_include_pad {1}, ceil {2}")
  @org.junit.jupiter.params.provider.CsvSource({"0, 0, 0", "1, 0, 0", "1, 1, 0", "0, 0, 1"})
  void averagePoolingFoldsIntoTheNextLayer(int pad, int includePad, int ceil) {
    int h = 5;
    Graphs g = new Graphs("x", 1, h, h);
    // ReLU first so that pooling sits between two layers, as after a convolution.
    double[] kernel = {1};
    int ph = ceil == 1 ? (h + 2 * pad - 2 + 1) / 2 + 1 : (h + 2 * pad - 2) / 2 + 1;
    double[] dense = random(r, ph * ph, 1);
    g.init("k", kernel, 1, 1, 1, 1).init("w", dense, (long) ph * ph, 1)
        .node("Conv", in("x", "k"), in("c"))
        .node("Relu", in("c"), in("a"))
        .node("AveragePool", in("a"), in("p"), is("kernel_shape", 2, 2), is("strides", 2, 2),
            is("pads", pad, pad, pad, pad), i("count_include_pad", includePad), i("ceil_mode", ceil))
        .node("Flatten", in("p"), in("f"))
        .node("MatMul", in("f", "w"), in("y"))
        .output("y");
    ImportedNetwork net = Graphs.load(g);
    assertEquals(h * h, net.bootstraps(), "pooling adds no bootstrap");
    double[] x = random(r, h * h, 1);
    double[] a = relu(x);
    double[] pooled = new double[ph * ph];
    for (int oy = 0; oy < ph; oy++) {
      for (int ox = 0; ox < ph; ox++) {
        double s = 0;
        int n = 0;
        int padded = 0;
        for (int ky = 0; ky < 2; ky++) {
          for (int kx = 0; kx < 2; kx++) {
            int iy = oy * 2 - pad + ky;
            int ix = ox * 2 - pad + kx;
            if (iy >= -pad && iy < h + pad && ix >= -pad && ix < h + pad) {
              padded++;
            }
            if (iy >= 0 && iy < h && ix >= 0 && ix < h) {
              s += a[iy * h + ix];
              n++;
            }
          }
        }
        pooled[oy * ph + ox] = s / (includePad == 1 ? padded : n);
      }
    }
    double[] two = net.scores(x);
    assertEquals(matmul(pooled, dense, ph * ph, 1, null)[0], two[1], 1e-9);
  }

  @Test
  void globalAveragePoolAveragesEachChannel() {
    double[] dense = {1, -1};
    Graphs g = new Graphs("x", 2, 3, 3).init("w", dense, 2, 1)
        .node("GlobalAveragePool", in("x"), in("p"))
        .node("Flatten", in("p"), in("f"))
        .node("MatMul", in("f", "w"), in("y"))
        .output("y");
    double[] x = random(r, 18, 1);
    double m0 = 0;
    double m1 = 0;
    for (int i = 0; i < 9; i++) {
      m0 += x[i] / 9;
      m1 += x[9 + i] / 9;
    }
    assertEquals(m0 - m1, Graphs.load(g).scores(x)[1], 1e-12);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"Softmax", "LogSoftmax", "Sigmoid", "ArgMax"})
  void outputTransformsAreDropped(String op) {
    double[] w = random(r, 3 * 4, 1);
    Graphs g = new Graphs("x", 3).init("w", w, 3, 4)
        .node("MatMul", in("x", "w"), in("logits"))
        .node(op, in("logits"), in("out"))
        .output("out");
    double[] x = random(r, 3, 1);
    ImportedNetwork net = Graphs.load(g);
    assertClose(matmul(x, w, 3, 4, null), net.scores(x));
    assertTrue(net.log().stream().anyMatch(l -> l.contains(op) && l.contains("dropped")), net.log().toString());
  }

  @Test
  void scikitLearnScalerAndLinearClassifier() {
    double[] offset = {1, 2, 3};
    double[] scale = {0.5, 0.25, 2};
    double[] coef = random(r, 3 * 3, 1); // 3 classes x 3 features
    double[] intercepts = random(r, 3, 1);
    Graphs g = new Graphs("x", 3).opset("ai.onnx.ml", 3)
        .node("ai.onnx.ml", "Scaler", in("x"), in("s"), fs("offset", offset), fs("scale", scale))
        .node("ai.onnx.ml", "LinearClassifier", in("s"), in("label", "probabilities"), fs("coefficients", coef),
            fs("intercepts", intercepts), is("classlabels_ints", 3, 5, 7), s("post_transform", "SOFTMAX"))
        .output("label").output("probabilities");
    ImportedNetwork net = Graphs.load(g);
    double[] x = random(r, 3, 4);
    double[] s = new double[3];
    for (int i = 0; i < 3; i++) {
      s[i] = (float) ((x[i] - offset[i]) * (float) scale[i]);
    }
    double[] wT = new double[9];
    for (int j = 0; j < 3; j++) {
      for (int i = 0; i < 3; i++) {
        wT[i * 3 + j] = coef[j * 3 + i];
      }
    }
    double[] expected = matmul(s, wT, 3, 3, intercepts);
    double[] actual = net.scores(x);
    for (int k = 0; k < 3; k++) {
      assertEquals(expected[k], actual[k], 1e-5);
    }
    assertEquals(List.of("3", "5", "7"), net.classNames());
  }

  @Test
  void aBinaryLinearClassifierWithOneRowGetsTwoScores() {
    double[] coef = {1, -2};
    Graphs g = new Graphs("x", 2).opset("ai.onnx.ml", 1)
        .node("ai.onnx.ml", "LinearClassifier", in("x"), in("label", "scores"), fs("coefficients", coef),
            fs("intercepts", 0.5), is("classlabels_ints", 0, 1), s("post_transform", "LOGISTIC"))
        .output("label").output("scores");
    ImportedNetwork net = Graphs.load(g);
    double[] scores = net.scores(new double[] {3, 1});
    assertEquals(0, scores[0], 0);
    assertEquals(3 - 2 + 0.5, scores[1], 1e-6);
    assertEquals(List.of("0", "1"), net.classNames());
  }

  @ParameterizedTest(name = "opset {0}")
  @ValueSource(ints = {13, 17, 21})
  void opsetsThirteenToTwentyOneAreRead(int opset) {
    Graphs g = new Graphs("x", 2);
    ModelProtoEdit.replaceOpset(g, opset);
    g.init("w", new double[] {1, 2}, 2, 1).node("MatMul", in("x", "w"), in("y")).output("y");
    assertEquals(2, Graphs.load(g).layerCount() + 1);
  }

  // ------------------------------------------------------------------ refusals

  private static String refusal(Graphs g) {
    return assertThrows(OnnxImportException.class, () -> Graphs.load(g)).getMessage();
  }

  @Test
  void anUnsupportedOperatorIsNamedWithItsNodeAndTheSupportedList() {
    Graphs g = new Graphs("x", 2).init("w", new double[] {1, 2, 3, 4}, 2, 2)
        .node("MatMul", in("x", "w"), in("m")).node("Tanh", in("m"), in("t")).output("t");
    String m = refusal(g);
    assertTrue(m.contains("Tanh") && m.contains("tanh_1") && m.contains("Gemm") && m.contains("Conv"), m);
  }

  @Test
  void maxPoolIsRefusedWithTheReason() {
    Graphs g = new Graphs("x", 1, 4, 4).node("MaxPool", in("x"), in("p"), is("kernel_shape", 2, 2)).output("p");
    String m = refusal(g);
    assertTrue(m.contains("MaxPool") && m.contains("AveragePool"), m);
  }

  @Test
  void groupedConvolutionsAndResidualConnectionsAreRefused() {
    Graphs grouped = new Graphs("x", 2, 4, 4).init("k", new double[2 * 1 * 3 * 3], 2, 1, 3, 3)
        .node("Conv", in("x", "k"), in("c"), i("group", 2)).output("c");
    assertTrue(refusal(grouped).contains("group = 2"));
    Graphs residual = new Graphs("x", 2).init("w", new double[] {1, 0, 0, 1}, 2, 2)
        .node("MatMul", in("x", "w"), in("m")).node("Add", in("m", "x"), in("y")).output("y");
    String m = refusal(residual);
    assertTrue(m.contains("chain"), m);
  }

  @Test
  void reluWithoutALinearLayerAndANetworkEndingInReluAreRefused() {
    Graphs first = new Graphs("x", 2).node("Relu", in("x"), in("a")).output("a");
    assertTrue(refusal(first).contains("must follow a linear layer"));
    Graphs last = new Graphs("x", 2).init("w", new double[] {1, 2}, 2, 1)
        .node("MatMul", in("x", "w"), in("m")).node("Relu", in("m"), in("y")).output("y");
    assertTrue(refusal(last).contains("linear layer"), refusal(last));
  }

  @ParameterizedTest(name = "opset {0}")
  @ValueSource(ints = {12, 22})
  void opsetsOutsideTheRangeAreRefused(int opset) {
    Graphs g = new Graphs("x", 2);
    ModelProtoEdit.replaceOpset(g, opset);
    g.init("w", new double[] {1, 2}, 2, 1).node("MatMul", in("x", "w"), in("y")).output("y");
    String m = refusal(g);
    assertTrue(m.contains("operator set " + opset) && m.contains("13 to 21"), m);
  }

  @Test
  void garbageAndEmptyFilesAreRefused() {
    assertThrows(OnnxImportException.class, () -> OnnxFile.parse(new byte[] {1, 2, 3, 4, 5}, "junk.onnx"));
    String m = assertThrows(OnnxImportException.class, () -> OnnxFile.parse(new byte[0], "empty.onnx")).getMessage();
    assertTrue(m.contains("no graph"), m);
  }

  @Test
  void weightsComputedAtRunTimeAreRefused() {
    Graphs g = new Graphs("x", 2).node("MatMul", in("x", "x"), in("y")).output("y");
    assertTrue(refusal(g).contains("chain") || refusal(g).contains("constant"), refusal(g));
  }
}
