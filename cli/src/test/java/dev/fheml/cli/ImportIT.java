package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.InputLayout;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.pipeline.TrainingMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fhe-ml import} on the committed PyTorch and scikit-learn exports ({@code data/onnx}), then
 * {@code smoke-test --local}: the imported model's shipped samples, encrypted, evaluated by the local
 * stack with real tfhe-rs, decrypted to the expected classes.
 */
class ImportIT {
    @TempDir
    static Path tmp;
    static Path onnx;
    static Path keys;
    static Path mnistCalibration;
    static Path mnistTest;

    @BeforeAll
    static void data() throws IOException {
        BundledData bundled = BundledData.locate();
        onnx = bundled.root().resolve("onnx");
        keys = tmp.resolve("keys");
        mnistCalibration = TrainIT.idxFolder(tmp.resolve("calibration"), bundled.mnistTrain().head(2000));
        mnistTest = TrainIT.idxFolder(tmp.resolve("test"), bundled.mnistTest().head(1000));
    }

    private static void smokeTest(Path model, int samples) {
        CliIT.Run r = CliIT.run("smoke-test", "--local", "--model-dir", model.toString(), "--key-store", keys.toString(),
                "--samples", Integer.toString(samples));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("smoke test PASSED: " + samples + " of " + samples), r.out());
    }

    private static final java.util.regex.Pattern REDUCTION =
            java.util.regex.Pattern.compile("-> range reduction +bootstraps +(\\d+)");

    /** Bootstraps of the compiler's range-reduction stages (imports have them where they pay). */
    static int reductions(TrainingMetrics m) {
        int n = 0;
        for (String stage : m.stages()) {
            java.util.regex.Matcher b = REDUCTION.matcher(stage);
            n += b.find() ? Integer.parseInt(b.group(1)) : 0;
        }
        return n;
    }

    @Test
    void scikitLearnMlpImportsAndServes() throws IOException {
        Path out = tmp.resolve("breast-cancer-mlp");
        CliIT.Run r = CliIT.run("import", onnx.resolve("breast-cancer-mlp.onnx").toString(), "--calibration",
                onnx.resolve("breast-cancer-train.csv").toString(), "--test", onnx.resolve("breast-cancer-test.csv").toString(),
                "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        TrainingMetrics m = ModelPipeline.readMetrics(out).orElseThrow();
        assertEquals(16 + 2 + reductions(m), m.pbsCount(), "16 hidden units, a sanitizing bootstrap per class and"
                + " the range reductions");
        assertEquals(114, m.testRows());
        assertEquals(111 / 114.0, m.importDetails().floatAccuracy(), 1e-9, "scikit-learn's own test accuracy");
        assertTrue(m.accuracyQuantized() >= 108 / 114.0, "quantized accuracy " + m.accuracyQuantized());
        assertTrue(r.out().contains("next: ./fhe-ml smoke-test --local --model-dir " + out), r.out());
        smokeTest(out, 4);
    }

    /** The benchmark's MLP, normalized as torchvision's Normalize((0.1307,), (0.3081,)) in its training. */
    @Test
    void pytorchMlpImportsWithItsNormalizationAndServes() throws IOException {
        Path out = tmp.resolve("mnist-mlp");
        CliIT.Run r = CliIT.run("import", onnx.resolve("mnist-mlp-128-64.onnx").toString(), "--calibration",
                mnistCalibration.toString(), "--test", mnistTest.toString(), "--input-normalize", "0.1307,0.3081",
                "--out", out.toString(), "-p", "threads=2");
        assertEquals(0, r.exit(), r.err());
        TrainingMetrics m = ModelPipeline.readMetrics(out).orElseThrow();
        assertEquals(128 + 64 + 10 + reductions(m), m.pbsCount(), "the hidden units, a sanitizing bootstrap per"
                + " class and the range reductions");
        assertTrue(reductions(m) >= 128, "784 8-bit inputs leave the first layer's steps few positions: " + m.stages());
        // On the first 1,000 test images the float graph scores about as on all 10,000 (94.8 %).
        assertTrue(m.importDetails().floatAccuracy() > 0.93, "float accuracy " + m.importDetails().floatAccuracy());
        assertTrue(m.accuracyQuantized() > m.importDetails().floatAccuracy() - 0.01,
                "quantization loses at most a point: " + m.accuracyQuantized());
        smokeTest(out, 2);
        predictsImagesOfItsLayoutOnly(out, "pixel / 255, then Normalize(mean [0.1307], std [0.3081])");
    }

    /**
     * client.zip carries the input layout and preprocessing; {@code predict} feeds IDX images of that
     * size (raw pixels: the normalization is folded into the model) and refuses any other size.
     */
    private static void predictsImagesOfItsLayoutOnly(Path model, String preprocessing) throws IOException {
        ModelArtifacts.ClientModel client = ModelArtifacts.readClient(model.resolve("client.zip"));
        assertEquals(InputLayout.image(1, 28, 28, preprocessing), client.spec().layout());
        List<Sample> samples = client.samples().subList(0, 2);
        byte[] pixels = new byte[samples.size() * 784];
        for (int s = 0; s < samples.size(); s++) {
            for (int i = 0; i < 784; i++) {
                pixels[s * 784 + i] = (byte) samples.get(s).features()[i];
            }
        }
        Path images = Files.write(model.resolve("samples-idx3-ubyte"), TrainIT.idx(new int[] {2, 28, 28}, pixels));
        CliIT.Run r = CliIT.run("predict", "--local", "--model-dir", model.toString(), "--key-store", keys.toString(),
                "--json", images.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("(input 1×28×28 image, " + preprocessing + ")"), r.err());
        List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(2, json.size(), r.out());
        ObjectMapper mapper = new ObjectMapper();
        for (int s = 0; s < 2; s++) {
            assertEquals(samples.get(s).expectedClass(), mapper.readTree(json.get(s)).get("class_index").asInt(), r.out());
        }

        // The same 784 values per image, arranged 2×392: refused, named, before anything is encrypted.
        Path wide = Files.write(model.resolve("wide-idx3-ubyte"), TrainIT.idx(new int[] {1, 2, 392}, new byte[784]));
        CliIT.Run refused = CliIT.run("predict", "--local", "--model-dir", model.toString(), "--key-store",
                keys.toString(), wide.toString());
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.err().contains(wide + ": images are 2×392, the model takes 1×28×28 (channels×height×width)"
                + " images, " + preprocessing), refused.err());
    }

    @Test
    void pytorchCnnImportsAndServes() throws IOException {
        Path out = tmp.resolve("mnist-cnn");
        CliIT.Run r = CliIT.run("import", onnx.resolve("mnist-cnn.onnx").toString(), "--calibration",
                mnistCalibration.toString(), "--test", mnistTest.toString(), "--out", out.toString(), "-p", "threads=2");
        assertEquals(0, r.exit(), r.err());
        TrainingMetrics m = ModelPipeline.readMetrics(out).orElseThrow();
        assertEquals(512 + 128 + 10 + reductions(m), m.pbsCount(), "512 convolution outputs, 128 hidden units, 10"
                + " sanitizing, and the range reductions");
        assertTrue(reductions(m) <= 800 - 650, "at most 800 bootstraps per image: " + m.stages());
        assertTrue(r.out().contains("Conv '"), r.out());
        assertTrue(m.accuracyQuantized() > m.importDetails().floatAccuracy() - 0.01,
                "quantization loses at most a point: " + m.accuracyQuantized() + " vs " + m.importDetails().floatAccuracy());
        smokeTest(out, 1);
        assertEquals(InputLayout.image(1, 28, 28, "pixel / 255"),
                ModelArtifacts.readClient(out.resolve("client.zip")).spec().layout(), "ToTensor without Normalize");
    }

    @Test
    void errorsNameTheProblemAndLeaveNothingBehind() throws IOException {
        Path out = tmp.resolve("refused");
        CliIT.Run missing = CliIT.run("import", tmp.resolve("nope.onnx").toString(), "--calibration",
                onnx.resolve("breast-cancer-train.csv").toString(), "--out", out.toString());
        assertEquals(1, missing.exit());
        assertTrue(missing.err().contains("no ONNX model"), missing.err());

        CliIT.Run wrongData = CliIT.run("import", onnx.resolve("mnist-cnn.onnx").toString(), "--calibration",
                onnx.resolve("breast-cancer-train.csv").toString(), "--out", out.toString());
        assertEquals(1, wrongData.exit());
        assertTrue(wrongData.err().contains("has 30 features per row, the model's input [1, 28, 28] takes 784"),
                wrongData.err());
        assertTrue(!Files.exists(out.resolve("server.zip")));

        CliIT.Run badSetting = CliIT.run("import", onnx.resolve("breast-cancer-mlp.onnx").toString(), "--calibration",
                onnx.resolve("breast-cancer-train.csv").toString(), "--out", out.toString(), "-p", "epochs=3");
        assertEquals(1, badSetting.exit());
        assertTrue(badSetting.err().contains("hyperparameter epochs chooses what the trainer builds"), badSetting.err());
    }
}
