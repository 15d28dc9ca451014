package dev.fheml.cli;

import dev.fheml.client.BulkOptions;
import dev.fheml.client.BulkResults;
import dev.fheml.client.BulkScorer;
import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.inference.InferenceServer;
import dev.fheml.local.FleetStats;
import dev.fheml.local.LocalStack;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One measurement of {@code bench scale}: a local stack with K inference servers (instances), a
 * warm-up that lets every server download and expand the key, then the images scored through the
 * bulk scorer with enough requests in flight to keep every slot busy. Reports throughput, what
 * each instance did, the time requests queued, and whether every image came back exactly once.
 */
final class ScaleRun {
    /** One instance during the measured run. */
    record Instance(int index, int deliveries, double busyS, double busyFraction, long keyExpansions) {}

    /** Queueing delay of the measured run's requests, from acceptance to an instance taking them (ms). */
    record Queue(double p50, double p90, double max) {}

    /** One K. */
    record Result(int servers, int requests, double wallS, double imagesPerS, Double efficiency, double boundImagesPerS,
            double fractionOfBound, int lostResults, int duplicateDeliveries, int wrongPredictions, int resubmitted,
            Queue queueMs, List<Instance> instances) {}

    /** What every K shares. */
    record Setup(Path modelDir, Path keyStore, List<double[]> images, int[] expected, int batch, int slots,
            int threadsPerServer, double boundPerThread) {}

    private ScaleRun() {}

    static Result measure(Setup setup, int servers, PrintStream log) throws Exception {
        LocalStack.Options options = LocalStack.Options.of(setup.modelDir()).withConcurrency(setup.slots(), setup.slots())
                .withServers(servers, setup.threadsPerServer());
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = stack.clientBuilder().keyStore(setup.keyStore()).clientId("bench-scale").build()) {
            client.uploadEvaluationKey();
            int slots = servers * setup.slots();
            // Warm-up: one single-image request per slot at once, so each instance expands the key before timing.
            List<double[]> warm = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                warm.add(setup.images().get(i % setup.images().size()));
            }
            long t0 = System.nanoTime();
            new BulkScorer(client, options(1, slots)).score(warm, new BulkResults.InMemory(warm.size()),
                    BulkScorer.Listener.NONE);
            log.printf("  K=%d: warm-up of %d requests %.1f s%n", servers, slots, (System.nanoTime() - t0) / 1e9);

            FleetStats before = stack.invoker().fleetStats();
            BulkResults.InMemory results = new BulkResults.InMemory(setup.images().size());
            BulkScorer.Summary s = new BulkScorer(client, options(setup.batch(), 2 * slots))
                    .score(setup.images(), results, new Printer(log, servers));
            FleetStats after = stack.invoker().fleetStats();

            List<Instance> instances = new ArrayList<>();
            List<InferenceServer> running = stack.servers();
            for (int i = 0; i < servers; i++) {
                FleetStats.InstanceStats a = after.instances().get(i);
                FleetStats.InstanceStats b = before.instances().get(i);
                double busy = (a.busyMillis() - b.busyMillis()) / 1000;
                instances.add(new Instance(i, a.deliveries() - b.deliveries(), round(busy), round(busy / s.seconds()),
                        running.get(i).keyCacheStats().expansions()));
            }
            double[] queued = Arrays.copyOfRange(after.queueMillis(), before.queueMillis().length,
                    after.queueMillis().length);
            Arrays.sort(queued);
            int wrong = 0;
            int lost = 0;
            List<Prediction> predictions = results.snapshot();
            for (int i = 0; i < predictions.size(); i++) {
                if (predictions.get(i) == null) {
                    lost++;
                } else if (predictions.get(i).classIndex() != setup.expected()[i]) {
                    wrong++;
                }
            }
            double rate = setup.images().size() / s.seconds();
            double bound = Math.min(servers * setup.threadsPerServer(), Runtime.getRuntime().availableProcessors())
                    * setup.boundPerThread();
            return new Result(servers, s.requests(), round(s.seconds()), round(rate), null, round(bound),
                    round(rate / bound), lost, after.duplicateDeliveries() - before.duplicateDeliveries(), wrong,
                    s.resubmitted(), new Queue(round(EvaluationStats.percentile(queued, 0.5)),
                            round(EvaluationStats.percentile(queued, 0.9)),
                            round(queued.length == 0 ? 0 : queued[queued.length - 1])), instances);
        }
    }

    /** Requests of {@code batch} images, {@code inFlight} at a time, with no time limit in the way. */
    private static BulkOptions options(int batch, int inFlight) {
        return BulkOptions.defaults().withMaxBatch(batch).withInFlight(inFlight);
    }

    /** {@code r} with its efficiency relative to the reference throughput per server. */
    static Result withEfficiency(Result r, double referencePerServer) {
        return new Result(r.servers(), r.requests(), r.wallS(), r.imagesPerS(),
                round(r.imagesPerS() / (r.servers() * referencePerServer)), r.boundImagesPerS(), r.fractionOfBound(),
                r.lostResults(), r.duplicateDeliveries(), r.wrongPredictions(), r.resubmitted(), r.queueMs(),
                r.instances());
    }

    private static double round(double v) {
        return BenchOutput.round(v);
    }

    /** A progress line every tenth of the images. */
    private record Printer(PrintStream log, int servers) implements BulkScorer.Listener {
        @Override
        public void progress(BulkScorer.Progress p) {
            if (p.done() == p.total() || p.done() % Math.max(1, p.total() / 10) == 0) {
                log.printf("  K=%d: %d/%d images, %.2f images/s%n", servers, p.done(), p.total(), p.inputsPerS());
            }
        }

        @Override
        public void resubmitting(String requestId, int inputs, FheClientException cause) {
            log.printf("  K=%d: resubmitting %s: %s%n", servers, requestId, cause.getMessage());
        }
    }
}
