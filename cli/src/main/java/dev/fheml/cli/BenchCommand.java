package dev.fheml.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fheml.core.FheParameters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fhe-ml bench engine --json FILE}: one run, one JSON object. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that report numbers as JSON (targets are checked against these, never in tests).")
final class BenchCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "WHAT", description = "What to benchmark: engine")
    String what;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the JSON result here (also printed).")
    Path json;

    @Option(names = "--params", description = "Parameter set (default: ${DEFAULT-VALUE}).")
    String params = FheParameters.PBS_L1;

    @Option(names = "--threads", description = "Evaluation threads, 0 = all cores (default: ${DEFAULT-VALUE}).")
    int threads = 0;

    @Override
    public Integer call() throws IOException {
        if (!"engine".equals(what)) {
            throw new IllegalArgumentException("unknown benchmark '" + what + "'; available: engine");
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        System.err.println("fhe-ml bench engine: " + FheParameters.byName(params) + ", " + n + " threads");
        Map<String, Object> result = new EngineBench(FheParameters.byName(params), n, System.err).run();
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
