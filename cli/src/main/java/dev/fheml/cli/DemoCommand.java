package dev.fheml.cli;

import dev.fheml.core.ClientKey;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.ServerContext;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.training.data.BundledData;
import dev.fheml.training.data.Dataset;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml demo}: trains (or reuses) an FHE-ready MNIST model, compiles it, generates keys,
 * encrypts test images, evaluates them under FHE, decrypts, and reports accuracy, timings and sizes.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Encrypted MNIST end to end on this machine: train or reuse, compile, encrypt, evaluate, decrypt.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--samples", description = "Test images to evaluate under encryption (default: ${DEFAULT-VALUE}).")
    int samples = 20;

    @Option(names = "--hidden", split = ",", description = "Hidden layer widths; empty for logistic regression "
            + "(default: 64).")
    List<Integer> hidden = List.of(64);

    @Option(names = "--epochs", description = "Training epochs (default: 100 for the MLP, 30 for logreg).")
    Integer epochs;

    @Option(names = "--seed", description = "Training seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--params", description = "Parameter set (default: ${DEFAULT-VALUE}).")
    String params = FheParameters.PBS_L2;

    @Option(names = "--retrain", description = "Train again even if a cached model exists.")
    boolean retrain;

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        out.println("=== fhe-ml demo: encrypted MNIST inference, end to end on this machine ===");
        out.println("[1/4] model");
        MnistModels.Model model = MnistModels.ensure(hidden, epochs, seed, params, retrain, out);
        Circuit circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        ClientSpec spec = ModelArtifacts.readClient(model.clientZip()).spec();
        FheParameters p = FheParameters.byName(circuit.parameters());
        Dataset test = BundledData.locate().mnistTest();
        if (samples < 1 || samples > test.size()) {
            throw new IllegalArgumentException("--samples must be in [1, " + test.size() + "], got " + samples);
        }
        Progress progress = new Progress(out);
        out.println("[2/4] client: keys (secret keys stay here; only the evaluation key is shared)");
        try (ClientKey client = progress.step("generate secret keys", () -> ClientKey.generate(p)).value();
                EvaluationKey eval = progress.step("generate evaluation key", client::evaluationKey).value()) {
            int evalBytes = eval.toBytes().length;
            out.println("[3/4] server: expand the evaluation key");
            try (ServerContext server = progress.step("expand (" + (threads == 0 ? "all cores" : threads + " threads")
                    + ")", () -> ServerContext.expand(eval, threads)).value()) {
                out.printf("[4/4] encrypted inference on %d test images (%d bootstraps each)%n", samples,
                        circuit.bootstrapCount());
                MnistRun.Stats s = MnistRun.run(circuit, spec, client, server, test, samples, out);
                out.println();
                out.println("report");
                out.printf("  model                %s, %s, model id %s...%n", model.metrics().get("model"),
                        hidden.isEmpty() ? "linear" : "784-" + hidden + "-10", spec.modelId().substring(0, 12));
                out.printf("  accuracy plain       %.4f  (float model, 10,000 test images)%n",
                        model.metrics().get("accuracy_plain"));
                out.printf("  accuracy quantized   %.4f  (integer model, 10,000 test images)%n",
                        model.metrics().get("accuracy_quantized"));
                out.printf("  accuracy encrypted   %.4f  (%d images under FHE; agreement with the integer model %.4f)%n",
                        s.accuracy(), samples, s.agreement());
                out.printf("  time per image       encrypt %.1f ms, server %.0f ms (median), decrypt %.2f ms%n",
                        MnistRun.median(s.encryptMs()), MnistRun.median(s.serverMs()), MnistRun.median(s.decryptMs()));
                out.printf("  sizes                evaluation key %.1f MB (once), query %.1f KB, response %.1f KB%n",
                        evalBytes / 1e6, s.queryBytes() / 1e3, s.responseBytes() / 1e3);
                out.printf("  parameters           %s (128-bit, tfhe-rs)%n", p.name());
            }
        }
        return 0;
    }
}
