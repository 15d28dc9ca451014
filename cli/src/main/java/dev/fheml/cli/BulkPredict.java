package dev.fheml.cli;

import dev.fheml.client.BulkOptions;
import dev.fheml.client.BulkOutputFile;
import dev.fheml.client.BulkScorer;
import dev.fheml.client.BulkScoringException;
import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code fhe-ml predict --bulk}: scores every input of a file through {@link BulkScorer}, appending
 * each request's results to the output file as they arrive and printing progress (done/total, rate,
 * ETA) to the log; an existing output file is resumed.
 */
final class BulkPredict {
    private BulkPredict() {}

    /** @return 0 when every input has a result, 1 otherwise (the file holds the others; run again to resume) */
    static int run(FheClient client, List<double[]> rows, Path output, BulkOptions options, PrintStream log)
            throws IOException {
        BulkOutputFile.Format format = BulkOutputFile.Format.of(output);
        try (BulkOutputFile out = BulkOutputFile.open(output, format, rows.size(), client.spec().outputs())) {
            BulkScorer scorer = new BulkScorer(client, options);
            int batch = scorer.batchSize(rows.get(0));
            log.printf("bulk: %d inputs, %d already in %s (%s), %d per request, %d requests in flight%n", rows.size(),
                    out.done().size(), output, format, batch, options.inFlight());
            BulkScorer.Summary s = scorer.score(rows, out.done(), out, new Printer(log));
            log.printf("bulk: %d scored in %.1f s (%d requests, %d resubmitted), %d of %d inputs in %s%n", s.scored(),
                    s.seconds(), s.requests(), s.resubmitted(), s.skipped() + s.scored(), s.total(), output);
            if (!s.complete()) {
                log.println(new BulkScoringException(s).getMessage());
                log.println("run the same command again to score the missing inputs (the file is resumed)");
                return 1;
            }
            return 0;
        }
    }

    /** One progress line per request, one line per resubmission. */
    private record Printer(PrintStream log) implements BulkScorer.Listener {
        @Override
        public void progress(BulkScorer.Progress p) {
            log.printf("  %d/%d done%s, %.2f inputs/s, ETA %s%n", p.done(), p.total(),
                    p.failed() > 0 ? " (" + p.failed() + " failed)" : "", p.inputsPerS(), eta(p.eta()));
        }

        @Override
        public void resubmitting(String requestId, int inputs, FheClientException cause) {
            log.printf("  resubmitting %s (%d inputs) after: %s%n", requestId, inputs, cause.getMessage());
        }

        private static String eta(Duration d) {
            if (d == null) {
                return "-";
            }
            long s = d.toSeconds();
            return s >= 3600 ? String.format("%dh%02dm", s / 3600, s % 3600 / 60) : String.format("%dm%02ds", s / 60, s % 60);
        }
    }
}
