package dev.fheml.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.BulkOptions;
import dev.fheml.client.FheClient;
import dev.fheml.core.circuit.Prediction;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fhe-ml predict FILE}: encrypts each input of the file, sends it through the endpoint,
 * decrypts and prints the class and scores. Progress goes to stderr, results to stdout.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Encrypted predictions for a file of inputs (CSV/text rows of numbers, or an IDX image file).")
final class PredictCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    TargetOptions target;

    @Parameters(index = "0", paramLabel = "FILE", description = "Inputs: one row of raw feature values per line, or IDX.")
    Path input;

    @Option(names = "--batch", description = "Inputs per request (one ciphertext each, default: ${DEFAULT-VALUE});"
            + " with --bulk: at most this many (default: as many as the limits allow).")
    int batch = 1;

    @Option(names = "--json", description = "Print one JSON object per input instead of a table.")
    boolean json;

    @Option(names = "--bulk", description = "Score the whole file in pipelined requests sized within the endpoint's"
            + " limits, each failed request resubmitted once; results go to --output as they arrive, and an existing"
            + " --output is resumed.")
    boolean bulk;

    @Option(names = "--output", paramLabel = "OUT", description = "--bulk: results file (.csv: CSV, otherwise JSON lines).")
    Path output;

    @Option(names = "--in-flight", description = "--bulk: requests submitted and unanswered at most (default: ${DEFAULT-VALUE}).")
    int inFlight = 4;

    @Option(names = "--seconds-per-input", description = "--bulk: measured evaluation time of one input on one instance"
            + " (default: ${DEFAULT-VALUE}, the MNIST MLP on 2 vCPUs).")
    double secondsPerInput = BulkOptions.MEASURED_TIME_PER_IMAGE.toMillis() / 1000.0;

    @Option(names = "--max-request-seconds", description = "--bulk: longest evaluation the endpoint allows one request"
            + " (default: ${DEFAULT-VALUE}, the inference container's default request timeout; SageMaker allows up to"
            + " 3600); a request uses half of it at --seconds-per-input.")
    long maxRequestSeconds = 120;

    @Option(names = "--max-request-mb", description = "--bulk: largest request body the endpoint accepts, MiB (default:"
            + " ${DEFAULT-VALUE}, the inference container's default; SageMaker allows up to 1 GB); a request uses half.")
    long maxRequestMb = 16;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        PrintStream log = System.err;
        if (!java.nio.file.Files.isRegularFile(input)) {
            throw new IllegalArgumentException("input file " + input + " does not exist"); // before starting anything
        }
        if (batch < 1 || batch > 4096) {
            throw new IllegalArgumentException("--batch must be in [1, 4096], got " + batch);
        }
        BulkOptions options = bulk ? bulkOptions() : null;
        try (TargetOptions.Session session = target.open(log)) {
            FheClient client = session.client();
            List<double[]> rows = InputFile.read(input, client.spec().layout(), log::println);
            if (bulk) {
                return BulkPredict.run(client, rows, output, options, log);
            }
            log.printf("predict: %d inputs from %s, model %s (input %s), %d per request%n", rows.size(), input,
                    client.modelId().substring(0, 12), client.spec().layout(), batch);
            ObjectMapper mapper = new ObjectMapper();
            if (!json) {
                out.printf("%6s  %-16s %s%n", "input", "class", "scores");
            }
            long start = System.nanoTime();
            for (int first = 0; first < rows.size(); first += batch) {
                List<double[]> chunk = rows.subList(first, Math.min(rows.size(), first + batch));
                List<Prediction> predictions = client.predictBatch(chunk);
                for (int k = 0; k < predictions.size(); k++) {
                    Prediction p = predictions.get(k);
                    int index = first + k;
                    if (json) {
                        Map<String, Object> line = new LinkedHashMap<>();
                        line.put("input", index);
                        line.put("class_index", p.classIndex());
                        line.put("class", p.className());
                        line.put("scores", p.scores());
                        out.println(mapper.writeValueAsString(line));
                    } else {
                        out.printf("%6d  %-16s %s%n", index, p.className(), scores(p.scores()));
                    }
                }
                log.printf("  %d/%d done, %.1f s%n", first + chunk.size(), rows.size(), (System.nanoTime() - start) / 1e9);
            }
        }
        return 0;
    }

    /** Checked before anything starts. */
    private BulkOptions bulkOptions() {
        if (output == null) {
            throw new IllegalArgumentException("--bulk writes its results to a file: give --output OUT (.csv or .jsonl)");
        }
        if (json) {
            throw new IllegalArgumentException("--bulk writes --output, whose format follows its name (.csv: CSV,"
                    + " otherwise JSON lines): drop --json");
        }
        if (secondsPerInput <= 0 || maxRequestSeconds < 1 || maxRequestMb < 1) {
            throw new IllegalArgumentException("--seconds-per-input, --max-request-seconds and --max-request-mb must be"
                    + " positive");
        }
        BulkOptions o = BulkOptions.defaults().withLimits(maxRequestMb << 20, Duration.ofSeconds(maxRequestSeconds))
                .withTimePerInput(Duration.ofNanos((long) (secondsPerInput * 1e9))).withInFlight(inFlight);
        return batchGiven() ? o.withMaxBatch(batch) : o;
    }

    private boolean batchGiven() {
        return spec.commandLine().getParseResult().hasMatchedOption("--batch");
    }

    private static String scores(double[] s) {
        StringBuilder b = new StringBuilder();
        for (double v : s) {
            b.append(b.length() == 0 ? "" : " ").append(String.format("%.3f", v));
        }
        return b.toString();
    }
}
