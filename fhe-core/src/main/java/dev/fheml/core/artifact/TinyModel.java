package dev.fheml.core.artifact;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.LookupTables;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitCodec;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.InputEncoding;
import dev.fheml.core.circuit.Stage;
import dev.fheml.protocol.ArtifactNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny hand-built model for smoke-testing a serving path (the local stack, the server's and the
 * container's tests, the serving benchmark) without training one: a random
 * {@code inputs → hidden (ReLU bootstrap) → 4} integer network on inputs 0..3 that decrypts
 * exactly, also with the fast level-1 bootstrap (hidden accumulators within [−12, 12] read from a
 * 32-value table, ±1 output weights, output scale 2^55 leaving > 10σ of noise margin). It is not
 * trained: its classes are whatever the random weights say.
 */
public final class TinyModel {
    public static final int DEFAULT_INPUTS = 64;
    public static final int DEFAULT_HIDDEN = 8;
    public static final int CLASSES = 4;
    private static final int DOMAIN = 32;
    private static final int OFFSET = 16;
    private static final long DELTA_OUT = 1L << 55;

    /** Where {@link #write} put the artifacts. */
    public record Artifacts(Path dir, Path serverZip, Path clientZip, String modelId) {}

    private TinyModel() {}

    public static Circuit circuit(FheParameters p, int inputs, int hidden, long seed) {
        if (inputs < 4 || inputs > p.polynomialSize() || hidden < 1 || hidden > 4096) {
            throw new IllegalArgumentException("inputs must be in [4, N] and hidden in [1, 4096]");
        }
        SplittableRandom r = new SplittableRandom(seed);
        long deltaIn = p.inputDelta(DOMAIN);
        long[] w1 = new long[inputs * hidden];
        for (int j = 0; j < hidden; j++) {
            for (int t = 0; t < 4; t++) { // 4 taps of ±1 on inputs in [0, 3]: |acc| <= 12
                w1[j * inputs + r.nextInt(inputs)] += r.nextBoolean() ? 1 : -1;
            }
        }
        long[] b1 = new long[hidden];
        Arrays.fill(b1, OFFSET);
        long[] relu = new long[DOMAIN];
        for (int v = 0; v < DOMAIN; v++) {
            relu[v] = Math.max(0, v - OFFSET);
        }
        long[] w2 = r.ints((long) hidden * CLASSES, -1, 2).asLongStream().toArray();
        long[] b2 = r.ints(CLASSES, -4, 5).asLongStream().toArray();
        return new Circuit(p, inputs, deltaIn, List.of(
                new Stage.InputDense(new DenseLayer(inputs, hidden, w1, b1, deltaIn)),
                new Stage.Bootstrap(LookupTables.shared(relu, DELTA_OUT)),
                new Stage.LevelledDense(new DenseLayer(hidden, CLASSES, w2, b2, DELTA_OUT)),
                new Stage.Compact(false, 16)));
    }

    /** The client side of {@code circuit}: inputs 0..3 encode to themselves (2 bits over [0, 3]). */
    public static ClientSpec clientSpec(Circuit circuit) {
        double[] min = new double[circuit.inputLength()];
        double[] max = new double[circuit.inputLength()];
        Arrays.fill(max, 3);
        List<String> names = new ArrayList<>();
        for (int k = 0; k < CLASSES; k++) {
            names.add("class-" + k);
        }
        double[] scales = new double[CLASSES];
        Arrays.fill(scales, 1.0);
        // Output range: the worst case of the last layer over hidden activations in [0, 15].
        DenseLayer last = ((Stage.LevelledDense) circuit.stages().get(2)).layer();
        long[] lo = last.bias();
        long[] hi = last.bias();
        long[] w = last.weights();
        for (int k = 0; k < CLASSES; k++) {
            for (int j = 0; j < last.inputs(); j++) {
                long term = w[k * last.inputs() + j] * (OFFSET - 1);
                lo[k] += Math.min(0, term);
                hi[k] += Math.max(0, term);
            }
        }
        return new ClientSpec(circuit.parameters(), CircuitCodec.modelId(circuit), new InputEncoding(min, max, 2),
                circuit.inputDelta(), circuit.outputDelta(), names, scales, lo, hi);
    }

    /** Random inputs in 0..3 with the class the plaintext-integer simulation predicts. */
    public static List<Sample> samples(Circuit circuit, int count, long seed) {
        FheParameters p = circuit.parameters();
        CircuitSimulator sim = CircuitSimulator.of(circuit);
        ClientSpec spec = clientSpec(circuit);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5eed);
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double[] x = r.ints(circuit.inputLength(), 0, 4).asDoubleStream().toArray();
            out.add(new Sample(x, spec.decode(sim.evaluate(spec.quantize(x))).classIndex()));
        }
        return out;
    }

    /** Writes {@code server.zip} and {@code client.zip} (with {@code samples} smoke-test samples) into {@code dir}. */
    public static Artifacts write(Path dir, String parameters, int inputs, int hidden, long seed, int samples)
            throws IOException {
        Files.createDirectories(dir);
        Circuit c = circuit(FheParameters.byName(parameters), inputs, hidden, seed);
        Map<String, Object> info = Map.of("model", "tiny random network (not trained)", "inputs", inputs,
                "hidden", hidden, "seed", seed);
        Path server = dir.resolve(ArtifactNames.SERVER_ZIP);
        Path client = dir.resolve(ArtifactNames.CLIENT_ZIP);
        ModelArtifacts.writeServer(server, c, info);
        ModelArtifacts.writeClient(client, clientSpec(c), samples(c, samples, seed), info);
        return new Artifacts(dir, server, client, CircuitCodec.modelId(c));
    }

    /** The default tiny model: 64 inputs, 8 hidden, level-1 bootstrap, 8 samples. */
    public static Artifacts write(Path dir) throws IOException {
        return write(dir, FheParameters.PBS_L1, DEFAULT_INPUTS, DEFAULT_HIDDEN, 1, 8);
    }
}
