package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.BulkOptions;
import dev.fheml.client.BulkOutputFile;
import dev.fheml.client.BulkResults;
import dev.fheml.client.BulkScorer;
import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.protocol.ExchangeLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Bulk scoring through the whole local serving path: a large input set split into requests,
 * pipelined, a request that fails resubmitted once with no result lost or counted twice, and a run
 * resumed from its partial output file. The expected classes are the plaintext circuit's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkScoringIT {
    private static final int INPUTS = 24;
    private List<Sample> samples;
    private List<double[]> rows;

    @TempDir
    Path dir;

    @BeforeAll
    void inputs() throws Exception {
        samples = TinyModel.samples(ModelArtifacts.readServer(Fixtures.model().serverZip()).circuit(), INPUTS, 14);
        rows = samples.stream().map(Sample::features).toList();
    }

    private FheClient client(LocalStack stack, String id, int maxAttempts) throws FheClientException {
        FheClient c = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId(id).maxAttempts(maxAttempts)
                .build();
        c.uploadEvaluationKey();
        return c;
    }

    /** Every input of the file once, with the class the plaintext circuit gives it. */
    private void assertEveryInputOnceAndRight(Path file, int count) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertEquals("input,class_index,class,score_0,score_1,score_2,score_3", lines.get(0));
        Set<Integer> seen = new TreeSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            int input = Integer.parseInt(f[0]);
            assertTrue(seen.add(input), "input " + input + " written twice");
            assertEquals(samples.get(input).expectedClass(), Integer.parseInt(f[1]), "input " + input);
        }
        assertEquals(count, seen.size(), "inputs written: " + seen);
    }

    @Test
    void requestsAreSplitPipelinedAndEveryResultWrittenOnce() throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 2));
                FheClient client = client(stack, "bulk-split", 5)) {
            long acceptedBefore = stack.invoker().accepted();
            Path file = dir.resolve("split.csv");
            List<BulkScorer.Progress> progress = Collections.synchronizedList(new ArrayList<>());
            BulkScorer.Summary s;
            try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.CSV, INPUTS, 4)) {
                s = new BulkScorer(client, BulkOptions.defaults().withMaxBatch(5).withInFlight(3))
                        .score(rows, out.done(), out, new Recorder(progress));
            }
            assertTrue(s.complete(), "failed: " + s.failed());
            assertEquals(5, s.batchSize());
            assertEquals(5, s.requests(), "24 inputs in requests of at most 5");
            assertEquals(5, stack.invoker().accepted() - acceptedBefore, "one submission per request");
            assertEquals(INPUTS, s.scored());
            assertEquals(0, s.resubmitted());
            assertTrue(s.maxInFlight() >= 2 && s.maxInFlight() <= 3, "bounded pipelining: " + s);
            assertTrue(s.encryptedAhead() >= 1, "the next request was encrypted while others ran: " + s);
            BulkScorer.Progress last = progress.get(progress.size() - 1);
            assertEquals(INPUTS, last.done());
            assertEquals(INPUTS, last.total());
            assertEquals(5, progress.size(), "one progress report per request");
            assertEveryInputOnceAndRight(file, INPUTS);
        }
    }

    @Test
    void aRequestThatFailsOnceIsResubmittedWithNoResultLostOrCountedTwice() throws Exception {
        LocalStack.Options options = LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 2)
                .withRetryWindow(Duration.ofMillis(500));
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = client(stack, "bulk-resubmit", 1)) { // no resubmission inside the transport
            stack.stopServer(); // the first submissions meet no server: endpoint_unavailable after the window
            AtomicBoolean restarted = new AtomicBoolean();
            Recorder listener = new Recorder(new ArrayList<>()) {
                @Override
                public synchronized void resubmitting(String requestId, int inputs, FheClientException cause) {
                    super.resubmitting(requestId, inputs, cause);
                    if (restarted.compareAndSet(false, true)) {
                        try {
                            stack.startServer();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }
                }
            };
            BulkResults.InMemory results = new BulkResults.InMemory(INPUTS); // refuses a second result for an input
            BulkScorer.Summary s = new BulkScorer(client, BulkOptions.defaults().withMaxBatch(6).withInFlight(2))
                    .score(rows, results, listener);
            assertTrue(s.complete(), "failed: " + s.failed());
            assertTrue(s.resubmitted() >= 1, "a request was resubmitted: " + s);
            assertTrue(listener.causes.stream().allMatch(c -> c.contains("endpoint_unavailable")), listener.causes.toString());
            List<Prediction> predictions = results.predictions();
            for (int i = 0; i < INPUTS; i++) {
                assertEquals(samples.get(i).expectedClass(), predictions.get(i).classIndex(), "input " + i);
            }
            // In the bucket: the first submissions failed for real, and each request has exactly one result.
            Map<String, Integer> resultsPerRequest = new HashMap<>();
            for (S3Object o : list(stack, ExchangeLayout.RESULTS)) {
                String id = o.key().substring(ExchangeLayout.RESULTS.length(), o.key().length() - ExchangeLayout.RESULT_SUFFIX.length());
                resultsPerRequest.merge(id.replaceAll("-r[0-9]+$", ""), 1, Integer::sum);
            }
            assertEquals(4, resultsPerRequest.size(), "results: " + resultsPerRequest);
            assertTrue(resultsPerRequest.values().stream().allMatch(n -> n == 1), "one result per request: " + resultsPerRequest);
            assertEquals(s.resubmitted(), list(stack, ExchangeLayout.FAILURES).size(), "one failure per resubmission");
        }
    }

    @Test
    void aRequestThatFailsTwiceIsReportedAndAResumedRunCompletesTheFile() throws Exception {
        LocalStack.Options options = LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 2)
                .withRetryWindow(Duration.ofMillis(300));
        Path file = dir.resolve("resume.csv");
        List<double[]> eight = rows.subList(0, 8);
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = client(stack, "bulk-resume", 1)) {
            Recorder stopAfterFirst = new Recorder(new ArrayList<>()) {
                @Override
                public void progress(BulkScorer.Progress p) {
                    super.progress(p);
                    if (p.done() == 4) {
                        stack.stopServer(); // the second request meets no server, twice
                    }
                }
            };
            BulkScorer.Summary first;
            try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.CSV, 8, 4)) {
                first = new BulkScorer(client, BulkOptions.defaults().withMaxBatch(4).withInFlight(1))
                        .score(eight, out.done(), out, stopAfterFirst);
            }
            assertEquals(1, first.failed().size(), "the second request failed for good: " + first);
            BulkScorer.FailedRequest failed = first.failed().get(0);
            assertEquals(4, failed.firstInput());
            assertEquals(7, failed.lastInput());
            assertTrue(failed.cause().contains("endpoint_unavailable"), failed.cause());
            assertEquals(1, first.resubmitted());
            assertEveryInputOnceAndRight(file, 4);

            // Interrupted while writing a line: the partial line is no result and goes.
            Files.writeString(file, "5,2,cl", StandardOpenOption.APPEND);
            stack.startServer();
            long acceptedBefore = stack.invoker().accepted();
            BulkScorer.Summary resumed;
            try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.CSV, 8, 4)) {
                assertEquals(Set.of(0, 1, 2, 3), out.done());
                resumed = new BulkScorer(client, BulkOptions.defaults().withMaxBatch(4).withInFlight(1))
                        .score(eight, out.done(), out, BulkScorer.Listener.NONE);
            }
            assertTrue(resumed.complete(), "failed: " + resumed.failed());
            assertEquals(4, resumed.skipped());
            assertEquals(4, resumed.scored());
            assertEquals(1, stack.invoker().accepted() - acceptedBefore, "only the missing request was sent");
            assertEveryInputOnceAndRight(file, 8);
        }
    }

    private static List<S3Object> list(LocalStack stack, String prefix) {
        return stack.s3().listObjectsV2(b -> b.bucket(stack.bucket()).prefix(prefix)).contents();
    }

    /** Keeps the progress reports and the causes of resubmissions. */
    private static class Recorder implements BulkScorer.Listener {
        final List<BulkScorer.Progress> progress;
        final List<String> causes = Collections.synchronizedList(new ArrayList<>());

        Recorder(List<BulkScorer.Progress> progress) {
            this.progress = progress;
        }

        @Override
        public void progress(BulkScorer.Progress p) {
            progress.add(p);
        }

        @Override
        public void resubmitting(String requestId, int inputs, FheClientException cause) {
            causes.add(cause.getMessage());
        }
    }
}
