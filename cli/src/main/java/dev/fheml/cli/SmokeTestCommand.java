package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.client.InferenceFailedException;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.Prediction;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml smoke-test}: right after a deploy, sends the known samples shipped in
 * {@code client.zip} through the endpoint, one request each, and compares the decrypted classes
 * with the expected ones. Prints a table; exits 1 if any sample fails.
 */
@Command(name = "smoke-test", mixinStandardHelpOptions = true,
        description = "Send the known samples shipped with the model through the endpoint and check the decrypted predictions.")
final class SmokeTestCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Option(names = "--samples", description = "How many of the shipped samples to send (default: all).")
    Integer samples;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (TargetOptions.Session session = target.open(out)) {
            FheClient client = session.client();
            List<Sample> shipped = client.samples();
            if (shipped.isEmpty()) {
                throw new IllegalArgumentException("this client.zip ships no samples to test with");
            }
            int n = samples == null ? shipped.size() : samples;
            if (n < 1 || n > shipped.size()) {
                throw new IllegalArgumentException("--samples must be in [1, " + shipped.size() + "], got " + n);
            }
            out.printf("smoke test: model %s, endpoint %s, %d samples%n", client.modelId(), client.config().endpointName(), n);
            out.println("uploading the evaluation key (once, skipped when already there) ...");
            client.uploadEvaluationKey();
            out.printf("%4s  %-14s %-14s %10s  %s%n", "#", "expected", "predicted", "ms", "result");
            int passed = 0;
            for (int i = 0; i < n; i++) {
                Sample s = shipped.get(i);
                String expected = client.spec().classNames().get(s.expectedClass());
                long start = System.nanoTime();
                String predicted;
                boolean ok;
                try {
                    Prediction p = client.predict(s.features());
                    predicted = p.className();
                    ok = p.classIndex() == s.expectedClass();
                } catch (FheClientException e) {
                    predicted = "error: " + (e instanceof InferenceFailedException f ? f.errorCode()
                            : e.getClass().getSimpleName());
                    ok = false;
                    out.println("      " + e.getMessage());
                }
                double ms = (System.nanoTime() - start) / 1e6;
                passed += ok ? 1 : 0;
                out.printf("%4d  %-14s %-14s %10.0f  %s%n", i + 1, expected, predicted, ms, ok ? "PASS" : "FAIL");
            }
            boolean pass = passed == n;
            out.printf("smoke test %s: %d of %d samples decrypted to the expected class%n", pass ? "PASSED" : "FAILED",
                    passed, n);
            return pass ? 0 : 1;
        }
    }
}
