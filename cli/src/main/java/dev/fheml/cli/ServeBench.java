package dev.fheml.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fheml.client.FheClient;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.inference.KeyCache;
import dev.fheml.local.LocalStack;
import dev.fheml.training.compile.ParameterChoice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml bench serve}: a bounded load run through the whole local serving path (client
 * encrypt → S3 → async invoke → HTTP server → FHE → S3 → client decrypt), several clients with
 * distinct keys under a key-cache bound. Reports throughput, latency percentiles, errors, the
 * process's peak RSS and the key cache's counters.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Load through the local serving path: throughput, latency, errors, RSS, key cache.")
final class ServeBench implements Callable<Integer> {
    /** Which model the server runs. */
    enum ServedModel { tiny, mlp }

    @Option(names = "--model", description = "tiny (8 bootstraps) or mlp (the demo's MNIST model) (default: ${DEFAULT-VALUE}).")
    ServedModel model = ServedModel.tiny;

    @Option(names = "--requests", description = "Requests in the load run (default: ${DEFAULT-VALUE}).")
    int requests = 200;

    @Option(names = "--concurrency", description = "Requests in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency = 8;

    @Option(names = "--clients", description = "Clients with distinct keys (default: ${DEFAULT-VALUE}).")
    int clients = 3;

    @Option(names = "--key-cache-mb", description = "The server's key-cache bound, MiB (default: ${DEFAULT-VALUE}).")
    long keyCacheMb = 512;

    @Mixin
    BenchOutput output = new BenchOutput();

    /** Client-side latency of the load run. */
    record Latency(double p50, double p90, double p99, double max) {}

    /** The server's own evaluation times during the load run. */
    record ServerEval(long evaluations, double p50, double p99) {}

    /** The key cache after the run. */
    record KeyCacheReport(long limitBytes, long peakResidentBytes, long residentBytes, boolean withinLimitWhenIdle,
            long downloads, long expansions, long hits, long evictions) {}

    /** The JSON of one run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(String benchmark, String model, String modelId, int bootstrapsPerRequest, int requests, int concurrency,
            int clients, int serverSlots, int threads, double wallS, double throughputPerS, Latency latencyMs,
            ServerEval serverEvalMs, List<Double> firstRequestMs, int errors, int wrongPredictions,
            List<String> firstErrors, long peakRssBytes, String rssNote, KeyCacheReport keyCache, MachineInfo machine) {}

    @Override
    public Integer call() throws Exception {
        if (requests < 1 || concurrency < 1 || clients < 1 || keyCacheMb < 0) {
            throw new IllegalArgumentException("--requests, --concurrency and --clients must be >= 1, --key-cache-mb >= 0");
        }
        output.emit(run(System.err), System.out, System.err);
        return 0;
    }

    private Result run(PrintStream log) throws Exception {
        Path work = Files.createTempDirectory("fhe-ml-bench-serve-");
        Path modelDir = model == ServedModel.tiny ? TinyModel.write(work.resolve("model")).dir()
                : MnistModels.ensure(List.of(64), null, 1, ParameterChoice.AUTO, false, log).directory();
        int cores = Runtime.getRuntime().availableProcessors();
        LocalStack.Options options = LocalStack.Options.of(modelDir).withKeyCacheBytes(keyCacheMb << 20)
                .withConcurrency(cores, concurrency);
        log.printf("bench serve: model %s, %d requests, %d concurrent, %d clients, key cache %d MiB%n", model,
                requests, concurrency, clients, keyCacheMb);
        List<FheClient> clientList = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try (LocalStack stack = LocalStack.start(options)) {
            Progress progress = new Progress(log);
            for (int c = 0; c < clients; c++) {
                Path keys = work.resolve("keys-" + c);
                int id = c;
                clientList.add(progress.stepChecked("client " + c + ": keys + upload", () -> {
                    FheClient client = stack.clientBuilder().keyStore(keys).clientId("bench-" + id).build();
                    client.uploadEvaluationKey();
                    return client;
                }).value());
            }
            List<Sample> samples = clientList.get(0).samples();
            // One request per client first: downloads and expands every key, reported apart.
            double[] warmup = new double[clientList.size()];
            for (int c = 0; c < clientList.size(); c++) {
                Sample sample = samples.get(c % samples.size());
                FheClient client = clientList.get(c);
                warmup[c] = progress.stepChecked("client " + c + ": first request (key download + expansion)",
                        () -> client.predict(sample.features())).ms();
            }
            long evalBefore = stack.server().evaluationStats().count();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            double[] latency = new double[requests];
            boolean[] failed = new boolean[requests];
            boolean[] wrong = new boolean[requests];
            List<String> firstErrors = new ArrayList<>();
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        Sample sample = samples.get(i % samples.size());
                        long t0 = System.nanoTime();
                        try {
                            wrong[i] = clientList.get(i % clientList.size()).predict(sample.features()).classIndex()
                                    != sample.expectedClass();
                        } catch (Exception e) {
                            failed[i] = true;
                            synchronized (firstErrors) {
                                if (firstErrors.size() < 5) {
                                    firstErrors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
                                }
                            }
                        }
                        latency[i] = (System.nanoTime() - t0) / 1e6;
                        int d = done.incrementAndGet();
                        if (d % Math.max(1, requests / 10) == 0) {
                            log.printf("  %d/%d requests, %.1f s%n", d, requests, (System.nanoTime() - start) / 1e9);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double[] sorted = latency.clone();
            Arrays.sort(sorted);
            double[] eval = stack.server().evaluationStats().sortedMillis();
            KeyCache.Stats keys = stack.keyCacheStats();

            return new Result("serve", model.name(), stack.modelId(), stack.server().bootstrapsPerQuery(), requests,
                    concurrency, clients, cores, cores, round(seconds), round(requests / seconds),
                    new Latency(round(EvaluationStats.percentile(sorted, 0.5)), round(EvaluationStats.percentile(sorted, 0.9)),
                            round(EvaluationStats.percentile(sorted, 0.99)), round(sorted[sorted.length - 1])),
                    new ServerEval(stack.server().evaluationStats().count() - evalBefore,
                            round(EvaluationStats.percentile(eval, 0.5)), round(EvaluationStats.percentile(eval, 0.99))),
                    Arrays.stream(warmup).map(ServeBench::round).boxed().toList(), count(failed), count(wrong),
                    firstErrors.isEmpty() ? null : firstErrors, peakRssBytes(),
                    "one JVM holds the clients, s3proxy, the invoker and the inference server",
                    new KeyCacheReport(keys.limitBytes(), keys.peakResidentBytes(), keys.residentBytes(),
                            keys.residentBytes() <= keys.limitBytes(), keys.downloads(), keys.expansions(), keys.hits(),
                            keys.evictions()),
                    MachineInfo.describe());
        } finally {
            pool.shutdownNow();
            for (FheClient c : clientList) {
                c.close();
            }
            Folders.deleteQuietly(work);
        }
    }

    private static double round(double v) {
        return BenchOutput.round(v);
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }

    /** VmHWM of this process: the peak resident set, native memory (expanded keys) included. */
    static long peakRssBytes() {
        return procStatusBytes("VmHWM:");
    }

    /** VmRSS of this process now: heap, native memory and code. */
    static long rssBytes() {
        return procStatusBytes("VmRSS:");
    }

    /** A {@code kB} field of /proc/self/status in bytes, or -1 where there is none (not Linux). */
    private static long procStatusBytes(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: reported as -1
        }
        return -1;
    }
}
