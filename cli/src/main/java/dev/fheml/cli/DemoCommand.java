package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.client.KeyStore;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.local.LocalStack;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import dev.fheml.training.pipeline.ModelPipeline;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml demo}: trains (or reuses) an FHE-ready MNIST model, starts the local serving stack
 * (S3 API, inference server, async invoker), and sends encrypted test images through it with the
 * same client code as against AWS; reports accuracy, per-stage timings and sizes.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Encrypted MNIST end to end on this machine, through the local S3 + async endpoint stack.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--samples", description = "Test images to send encrypted (default: ${DEFAULT-VALUE}).")
    int samples = 20;

    @Mixin
    MnistModelOptions modelOptions = new MnistModelOptions();

    @Option(names = "--retrain", description = "Train again even if a cached model exists.")
    boolean retrain;

    @Option(names = "--key-store", paramLabel = "DIR", description = "Key store (default: $FHEML_KEY_STORE or ~/.fhe-ml/keys).")
    Path keyStore;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.println("=== fhe-ml demo: encrypted MNIST inference through a local SageMaker-style async endpoint ===");
        Dataset test = BundledData.locate().mnistTest();
        if (samples < 1 || samples > test.size()) {
            throw new IllegalArgumentException("--samples must be in [1, " + test.size() + "], got " + samples);
        }
        List<Integer> widths = modelOptions.widths();
        out.println("[1/5] model");
        MnistModels.Model trained = modelOptions.ensure(retrain, out);
        Circuit circuit = ModelArtifacts.readServer(trained.serverZip()).circuit();
        Progress progress = new Progress(out);
        out.println("[2/5] local stack: S3 API (s3proxy), inference server (HTTP, /ping + /invocations), async invoker,"
                + " result notifications (SQS API)");
        try (LocalStack stack = progress.stepChecked("start and load server.zip",
                () -> LocalStack.start(LocalStack.Options.of(trained.directory()).withNotifications(true))).value()) {
            out.printf("  S3 %s, server %s, SageMaker runtime %s, SQS %s%n", stack.s3Endpoint(), stack.serverUri(),
                    stack.sageMakerEndpoint(), stack.notifications().endpoint());
            Path keys = keyStore != null ? keyStore : KeyStore.defaultRoot();
            out.println("[3/5] client: keys in " + keys + " (the secret key never leaves this machine)");
            try (FheClient client = progress.stepChecked("load or generate keys",
                    () -> stack.clientBuilder().keyStore(keys).clientId("demo").build()).value()) {
                progress.stepChecked("upload the evaluation key to keys/" + client.modelId().substring(0, 8) + ".../"
                        + client.keyId().substring(0, 8) + "...", () -> {
                            client.uploadEvaluationKey();
                            return null;
                        });
                out.printf("[4/5] %d test images: encrypt -> S3 queries/ -> InvokeEndpointAsync -> server (%d bootstraps)"
                        + " -> S3 results/ + notification -> decrypt%n", samples, circuit.bootstrapCount());
                DemoRun.Stats s = DemoRun.run(client, CircuitSimulator.of(circuit), test, samples, out);
                double[] server = stack.server().evaluationStats().sortedMillis();
                report(out, trained, widths, client.spec(), s, EvaluationStats.percentile(server, 0.5),
                        Files.size(client.evaluationKeyFile()));
            }
        }
        return 0;
    }

    private static void report(PrintStream out, MnistModels.Model model, List<Integer> hidden, ClientSpec spec,
            DemoRun.Stats s, double serverMs, long evalKeyBytes) {
        String shape = hidden.isEmpty() ? "784-10 (linear)"
                : "784-" + hidden.stream().map(String::valueOf).collect(Collectors.joining("-")) + "-10";
        out.println("[5/5] report");
        out.printf("  model                %s, %s, model id %s...%n", model.metrics().model(), shape,
                spec.modelId().substring(0, 12));
        out.printf("  accuracy plain       %.4f  (float model, 10,000 test images)%n", model.metrics().accuracyPlain());
        out.printf("  accuracy quantized   %.4f  (integer model, 10,000 test images)%n",
                model.metrics().accuracyQuantized());
        out.printf("  accuracy encrypted   %.4f  (%d images under FHE; agreement with the integer model %.4f)%n",
                s.accuracy(), s.samples(), s.agreement());
        out.printf("  time per image       encrypt %.1f ms, server evaluation %.0f ms, round trip %.0f ms (S3, invoke,"
                + " evaluation, notification), decrypt %.2f ms (medians)%n", MnistRun.median(s.encryptMs()), serverMs, MnistRun.median(s.roundTripMs()),
                MnistRun.median(s.decryptMs()));
        out.printf("  sizes                evaluation key %.1f MB (once), request %.1f KB, response %.1f KB%n",
                evalKeyBytes / 1e6, s.requestBytes() / 1e3, s.responseBytes() / 1e3);
        out.printf("  parameters           %s (128-bit, tfhe-rs)%n", spec.parameters().name());
        out.println("  the server saw only ciphertexts; plaintext and secret key stayed in this client");
    }

    /** Raw pixels of test row {@code i}. */
    static double[] pixels(Dataset test, int i) {
        return ModelPipeline.toDoubles(test.row(i));
    }
}
