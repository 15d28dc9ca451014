package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import dev.fheml.training.pipeline.TrainingMetrics;
import dev.fheml.training.train.ModelKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fhe-ml train} on the user's own paths: what it reads, where it writes, whose files its errors name. */
class TrainIT {
    @TempDir
    static Path tmp;

    /** Writes {@code data}'s 28x28 images and labels as an uncompressed IDX pair into {@code dir}. */
    static Path idxFolder(Path dir, Dataset data) throws IOException {
        int n = data.size();
        byte[] pixels = new byte[n * data.numFeatures()];
        byte[] labels = new byte[n];
        for (int r = 0; r < n; r++) {
            float[] row = data.row(r);
            for (int i = 0; i < row.length; i++) {
                pixels[r * row.length + i] = (byte) row[i];
            }
            labels[r] = (byte) data.label(r);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("images-idx3-ubyte"), idx(new int[] {n, 28, 28}, pixels));
        Files.write(dir.resolve("labels-idx1-ubyte"), idx(new int[] {n}, labels));
        return dir;
    }

    static byte[] idx(int[] dims, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0, 0, 0x08, (byte) dims.length}); // unsigned bytes, rank
        for (int d : dims) {
            out.writeBytes(new byte[] {(byte) (d >>> 24), (byte) (d >>> 16), (byte) (d >>> 8), (byte) d});
        }
        out.writeBytes(data);
        return out.toByteArray();
    }

    /** The bug this guards: a linked channel folder read as "holds no data files". */
    @Test
    void trainsASmallMlpFromALinkedIdxFolder() throws IOException {
        BundledData bundled = BundledData.locate();
        Path train = idxFolder(tmp.resolve("datasets/train"), bundled.mnistTrain().head(3000));
        Path linked = Files.createSymbolicLink(tmp.resolve("train-link"), train);
        Path test = idxFolder(tmp.resolve("datasets/test"), bundled.mnistTest().head(500));
        Path out = tmp.resolve("model");

        CliIT.Run r = CliIT.run("train", "--train", linked.toString(), "--test", test.toString(), "--out",
                out.toString(), "-p", "hidden=16", "-p", "epochs=2", "-p", "threads=2");

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("channel train: Dataset[3000 rows x 784 features, 10 classes], 28x28 images"),
                r.out());
        TrainingMetrics m = ModelPipeline.readMetrics(out).orElseThrow();
        assertEquals(ModelKind.MLP, m.model());
        assertEquals(TrainCommand.JOB_NAME, m.name());
        assertEquals(3000, m.trainRows());
        assertEquals(500, m.testRows());
        assertEquals(2, m.epochs());
        assertEquals(16 + 10, m.pbsCount()); // 16 hidden neurons and a sanitizing bootstrap per class
        // Two epochs of 2,700 rows with augmentation and noise: far from the recipe's 0.97, far above 0.1 by chance.
        assertTrue(m.accuracyQuantized() > 0.4, "accuracy " + m.accuracyQuantized());
        assertTrue(r.out().contains("metric: accuracy_quantized="
                + BigDecimal.valueOf(m.accuracyQuantized()).toPlainString() + "\n"), r.out());
    }

    @Test
    void errorsNameTheFilesGiven() throws IOException {
        Path csv = Files.writeString(tmp.resolve("gappy.csv"), "a,b,label\n1,2,0\n1,,1\n");
        CliIT.Run r = CliIT.run("train", "--train", csv.toString(), "--out", tmp.resolve("m1").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(csv + ": line 3, column 2 (b): empty cell"), r.err());

        Path images = idxFolder(tmp.resolve("lonely"), BundledData.locate().mnistTest().head(5))
                .resolve("images-idx3-ubyte");
        r = CliIT.run("train", "--train", images.toString(), "--out", tmp.resolve("m2").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("channel train: found [" + images + "] but no IDX labels file"), r.err());

        r = CliIT.run("train", "--train", tmp.resolve("nowhere").toString(), "--out", tmp.resolve("m3").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(tmp.resolve("nowhere") + " does not exist"), r.err());
    }
}
