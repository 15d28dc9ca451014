package dev.fheml.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fheml.core.FheParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fhe-ml bench engine|mnist|serve --json FILE}: one run, one JSON object. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that report numbers as JSON (targets are checked against these, never in tests).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "What to benchmark: engine, mnist, serve")
    String what;

    @Option(names = "--model", description = "mnist: mlp or logreg (default mlp); serve: tiny or mlp (default tiny).")
    String model;

    @Option(names = "--hidden", split = ",", description = "mnist: hidden widths of the MLP (default: 64).")
    List<Integer> hidden = List.of(64);

    @Option(names = "--samples", description = "mnist: encrypted test images (default: ${DEFAULT-VALUE}).")
    int samples = 100;

    @Option(names = "--epochs", description = "mnist: training epochs (default: the recipe's).")
    Integer epochs;

    @Option(names = "--seed", description = "mnist: training seed (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--requests", description = "serve: requests in the load run (default: ${DEFAULT-VALUE}).")
    int requests = 200;

    @Option(names = "--concurrency", description = "serve: requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 8;

    @Option(names = "--clients", description = "serve: clients with distinct keys (default: ${DEFAULT-VALUE}).")
    int clients = 3;

    @Option(names = "--key-cache-mb", description = "serve: the server's key-cache bound, MiB (default: ${DEFAULT-VALUE}).")
    long keyCacheMb = 512;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON result here (also printed).")
    Path json;

    @Option(names = "--params", description = "Parameter set (default: L1 for engine, L2 for mnist).")
    String params;

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Override
    public Integer call() throws Exception {
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        Map<String, Object> result;
        switch (what) {
            case "engine" -> {
                FheParameters p = FheParameters.byName(params != null ? params : FheParameters.PBS_L1);
                System.err.println("fhe-ml bench engine: " + p + ", " + n + " threads");
                result = new EngineBench(p, n, System.err).run();
            }
            case "mnist" -> {
                String m = model == null ? "mlp" : model;
                if (!m.equals("mlp") && !m.equals("logreg")) {
                    throw new IllegalArgumentException("--model must be mlp or logreg, got '" + m + "'");
                }
                List<Integer> widths = m.equals("logreg") ? List.of() : hidden;
                result = MnistBench.run(widths, epochs, seed, params != null ? params : FheParameters.PBS_L2, samples,
                        n, System.err);
            }
            case "serve" -> result = ServeBench.run(new ServeBench.Settings(model == null ? "tiny" : model, requests,
                    concurrency, clients, keyCacheMb << 20), System.err);
            default -> throw new IllegalArgumentException("unknown benchmark '" + what + "'; available: engine, mnist, serve");
        }
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        String text = mapper.writeValueAsString(result);
        System.out.println(text);
        if (json != null) {
            mapper.writeValue(json.toFile(), result);
            System.err.println("wrote " + json);
        }
        return 0;
    }
}
