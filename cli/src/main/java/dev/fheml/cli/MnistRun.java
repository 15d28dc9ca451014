package dev.fheml.cli;

import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.CompiledCircuit;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encrypts test images one by one, evaluates them under FHE, decrypts, and compares with the
 * labels and with the plaintext-integer simulator. Times each stage.
 */
final class MnistRun {
    record Stats(int samples, int correct, int agreeing, double[] serverMs, double[] encryptMs, double[] decryptMs,
            int queryBytes, int responseBytes, double[] probeMs) {
        double accuracy() {
            return (double) correct / samples;
        }

        double agreement() {
            return (double) agreeing / samples;
        }
    }

    private MnistRun() {}

    /**
     * Runs the test images {@code offset .. offset + samples - 1}.
     *
     * @param probe timed between images (before the first and after every ⌈samples / 25⌉th), so whatever
     *              else loads the machine weighs on it as on the images; its times are in {@link Stats#probeMs}
     */
    static Stats run(Circuit circuit, ClientSpec spec, ClientKey client, ServerContext server, Dataset test, int offset,
            int samples, Runnable probe, PrintStream log) {
        CircuitSimulator sim = CircuitSimulator.of(circuit);
        // Compiled once, as the inference server does when it loads the model.
        CompiledCircuit compiled = CompiledCircuit.compile(circuit);
        double[] serverMs = new double[samples];
        double[] encryptMs = new double[samples];
        double[] decryptMs = new double[samples];
        int correct = 0;
        int agreeing = 0;
        int queryBytes = 0;
        int responseBytes = 0;
        int probeEvery = Math.max(1, (samples + 24) / 25);
        List<Double> probes = new ArrayList<>();
        probes.add(Stopwatch.millis(probe));
        long start = System.nanoTime();
        for (int i = 0; i < samples; i++) {
            int row = offset + i;
            double[] raw = ModelPipeline.toDoubles(test.row(row));
            long[] x = spec.quantize(raw);
            double[] t = new double[1];
            GlweBatch query = Stopwatch.time(() -> client.encrypt(new long[][] {x}, spec.inputDelta()), t);
            encryptMs[i] = t[0];
            if (i == 0) {
                queryBytes = query.toBytes().length;
            }
            CompactBatch response = Stopwatch.time(() -> compiled.evaluate(server, query), t);
            serverMs[i] = t[0];
            if (i == 0) {
                responseBytes = response.toBytes().length;
            }
            long[] outputs = Stopwatch.time(() -> client.decrypt(response, spec.outputDelta())[0], t);
            decryptMs[i] = t[0];
            query.close();
            response.close();
            int predicted = spec.decode(outputs).classIndex();
            correct += predicted == test.label(row) ? 1 : 0;
            agreeing += predicted == spec.decode(sim.evaluate(x)).classIndex() ? 1 : 0;
            if ((i + 1) % probeEvery == 0) {
                probes.add(Stopwatch.millis(probe));
            }
            if ((i + 1) % Math.max(1, samples / 10) == 0 || i + 1 == samples) {
                log.printf("  %4d/%d images  accuracy %.4f  agreement with simulator %.4f  %.1f s%n", i + 1, samples,
                        (double) correct / (i + 1), (double) agreeing / (i + 1), (System.nanoTime() - start) / 1e9);
            }
        }
        compiled.close();
        return new Stats(samples, correct, agreeing, serverMs, encryptMs, decryptMs, queryBytes, responseBytes,
                probes.stream().mapToDouble(Double::doubleValue).toArray());
    }

    static double percentile(double[] values, double p) {
        double[] s = values.clone();
        Arrays.sort(s);
        return EvaluationStats.percentile(s, p);
    }

    static double median(double[] values) {
        return percentile(values, 0.5);
    }
}
