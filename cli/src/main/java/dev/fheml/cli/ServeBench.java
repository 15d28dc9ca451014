package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.inference.KeyCache;
import dev.fheml.local.LocalStack;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code fhe-ml bench serve}: a bounded load run through the whole local serving path (client
 * encrypt → S3 → async invoke → HTTP server → FHE → S3 → client decrypt), several clients with
 * distinct keys under a key-cache bound. Reports throughput, latency percentiles, errors, the
 * process's peak RSS and the key cache's counters.
 */
final class ServeBench {
    /** What to run. */
    record Settings(String model, int requests, int concurrency, int clients, long keyCacheBytes) {
        Settings {
            if (requests < 1 || concurrency < 1 || clients < 1 || keyCacheBytes < 0) {
                throw new IllegalArgumentException("--requests, --concurrency and --clients must be >= 1, --key-cache-mb >= 0");
            }
            if (!model.equals("tiny") && !model.equals("mlp")) {
                throw new IllegalArgumentException("bench serve: --model must be tiny or mlp, got '" + model + "'");
            }
        }
    }

    private ServeBench() {}

    static Map<String, Object> run(Settings s, PrintStream log) throws Exception {
        Path work = Files.createTempDirectory("fhe-ml-bench-serve-");
        Path modelDir = s.model().equals("tiny") ? TinyModel.write(work.resolve("model")).dir()
                : MnistModels.ensure(List.of(64), null, 1, FheParameters.PBS_L2, false, log).directory();
        int cores = Runtime.getRuntime().availableProcessors();
        LocalStack.Options options = LocalStack.Options.of(modelDir).withKeyCacheBytes(s.keyCacheBytes())
                .withConcurrency(cores, s.concurrency());
        log.printf("bench serve: model %s, %d requests, %d concurrent, %d clients, key cache %d MiB%n", s.model(),
                s.requests(), s.concurrency(), s.clients(), s.keyCacheBytes() >> 20);
        List<FheClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(s.concurrency());
        try (LocalStack stack = LocalStack.start(options)) {
            Progress progress = new Progress(log);
            for (int c = 0; c < s.clients(); c++) {
                Path keys = work.resolve("keys-" + c);
                int id = c;
                clients.add(progress.stepChecked("client " + c + ": keys + upload", () -> {
                    FheClient client = stack.clientBuilder().keyStore(keys).clientId("bench-" + id).build();
                    client.uploadEvaluationKey();
                    return client;
                }).value());
            }
            List<Sample> samples = clients.get(0).samples();
            // One request per client first: downloads and expands every key, reported apart.
            double[] warmup = new double[clients.size()];
            for (int c = 0; c < clients.size(); c++) {
                Sample sample = samples.get(c % samples.size());
                FheClient client = clients.get(c);
                warmup[c] = progress.stepChecked("client " + c + ": first request (key download + expansion)",
                        () -> client.predict(sample.features())).ms();
            }
            long evalBefore = stack.server().evaluationStats().count();
            AtomicInteger next = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            double[] latency = new double[s.requests()];
            boolean[] failed = new boolean[s.requests()];
            boolean[] wrong = new boolean[s.requests()];
            List<String> firstErrors = new ArrayList<>();
            long start = System.nanoTime();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < s.concurrency(); w++) {
                workers.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < s.requests(); i = next.getAndIncrement()) {
                        Sample sample = samples.get(i % samples.size());
                        long t0 = System.nanoTime();
                        try {
                            wrong[i] = clients.get(i % clients.size()).predict(sample.features()).classIndex()
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
                        if (d % Math.max(1, s.requests() / 10) == 0) {
                            log.printf("  %d/%d requests, %.1f s%n", d, s.requests(), (System.nanoTime() - start) / 1e9);
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

            Map<String, Object> r = new LinkedHashMap<>();
            r.put("benchmark", "serve");
            r.put("model", s.model());
            r.put("model_id", stack.modelId());
            r.put("bootstraps_per_request", stack.server().bootstrapsPerQuery());
            r.put("requests", s.requests());
            r.put("concurrency", s.concurrency());
            r.put("clients", s.clients());
            r.put("server_slots", cores);
            r.put("threads", cores);
            r.put("wall_s", EngineBench.round(seconds));
            r.put("throughput_per_s", EngineBench.round(s.requests() / seconds));
            Map<String, Object> lat = new LinkedHashMap<>();
            lat.put("p50", EngineBench.round(EvaluationStats.percentile(sorted, 0.5)));
            lat.put("p90", EngineBench.round(EvaluationStats.percentile(sorted, 0.9)));
            lat.put("p99", EngineBench.round(EvaluationStats.percentile(sorted, 0.99)));
            lat.put("max", EngineBench.round(sorted[sorted.length - 1]));
            r.put("latency_ms", lat);
            Map<String, Object> server = new LinkedHashMap<>();
            server.put("evaluations", stack.server().evaluationStats().count() - evalBefore);
            server.put("p50", EngineBench.round(EvaluationStats.percentile(eval, 0.5)));
            server.put("p99", EngineBench.round(EvaluationStats.percentile(eval, 0.99)));
            r.put("server_eval_ms", server);
            r.put("first_request_ms", Arrays.stream(warmup).map(EngineBench::round).boxed().toList());
            r.put("errors", count(failed));
            r.put("wrong_predictions", count(wrong));
            if (!firstErrors.isEmpty()) {
                r.put("first_errors", firstErrors);
            }
            r.put("peak_rss_bytes", peakRssBytes());
            r.put("rss_note", "one JVM holds the clients, s3proxy, the invoker and the inference server");
            Map<String, Object> cache = new LinkedHashMap<>();
            cache.put("limit_bytes", keys.limitBytes());
            cache.put("peak_resident_bytes", keys.peakResidentBytes());
            cache.put("resident_bytes", keys.residentBytes());
            cache.put("within_limit_when_idle", keys.residentBytes() <= keys.limitBytes());
            cache.put("downloads", keys.downloads());
            cache.put("expansions", keys.expansions());
            cache.put("hits", keys.hits());
            cache.put("evictions", keys.evictions());
            r.put("key_cache", cache);
            r.put("machine", Machine.describe());
            return r;
        } finally {
            pool.shutdownNow();
            for (FheClient c : clients) {
                c.close();
            }
            MnistModels.deleteRecursively(work);
        }
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
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: reported as -1
        }
        return -1;
    }
}
