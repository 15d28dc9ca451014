package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.training.data.Dataset;
import java.io.PrintStream;

/**
 * Sends test images one request each through a {@link FheClient}, compares the decrypted classes
 * with the labels and with the plaintext-integer simulator, and keeps each stage's time.
 */
final class DemoRun {
    record Stats(int samples, int correct, int agreeing, double[] encryptMs, double[] roundTripMs, double[] decryptMs,
            int requestBytes, int responseBytes) {
        double accuracy() {
            return (double) correct / samples;
        }

        double agreement() {
            return (double) agreeing / samples;
        }
    }

    private DemoRun() {}

    static Stats run(FheClient client, CircuitSimulator sim, Dataset test, int samples, PrintStream log)
            throws FheClientException {
        ClientSpec spec = client.spec();
        double[] encrypt = new double[samples];
        double[] roundTrip = new double[samples];
        double[] decrypt = new double[samples];
        int correct = 0;
        int agreeing = 0;
        int requestBytes = 0;
        int responseBytes = 0;
        long start = System.nanoTime();
        for (int i = 0; i < samples; i++) {
            long[] x = spec.quantize(DemoCommand.pixels(test, i));
            FheClient.Evaluation e = client.evaluateTraced(new long[][] {x});
            encrypt[i] = e.trace().encryptNanos() / 1e6;
            roundTrip[i] = e.trace().roundTripNanos() / 1e6;
            decrypt[i] = e.trace().decryptNanos() / 1e6;
            requestBytes = e.trace().requestBytes();
            responseBytes = e.trace().responseBytes();
            int predicted = spec.decode(e.outputs()[0]).classIndex();
            correct += predicted == test.label(i) ? 1 : 0;
            agreeing += predicted == spec.decode(sim.evaluate(x)).classIndex() ? 1 : 0;
            if ((i + 1) % Math.max(1, samples / 10) == 0 || i + 1 == samples) {
                log.printf("  %4d/%d images  accuracy %.4f  agreement with the integer model %.4f  %.1f s%n", i + 1,
                        samples, (double) correct / (i + 1), (double) agreeing / (i + 1), (System.nanoTime() - start) / 1e9);
            }
        }
        return new Stats(samples, correct, agreeing, encrypt, roundTrip, decrypt, requestBytes, responseBytes);
    }
}
