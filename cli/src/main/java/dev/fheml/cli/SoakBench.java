package dev.fheml.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.EncryptionSession;
import dev.fheml.client.FheClient;
import dev.fheml.client.KeyStore;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.inference.EvaluationStats;
import dev.fheml.local.LocalStack;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml bench soak}: a bounded run of mixed traffic through the local serving path, to
 * show that nothing leaks. Several clients with distinct keys send good predictions through the
 * whole async path while bad requests (garbled envelopes, another model, an unknown key, a wrong
 * content type, a batch over the budget) go straight to the server. The process's RSS is sampled
 * every few seconds; the report gives unexpected errors (a good request that failed, a bad one
 * answered with another code than its own), latency percentiles of the good requests, and the RSS
 * slope after warm-up (least squares), which must be flat. Local only; stops by itself. Run it with a
 * fixed heap touched at start ({@code FHEML_JAVA_OPTS="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"}): a JVM
 * otherwise grows its heap towards a quarter of the machine's memory and touches its pages as it
 * goes, which is RSS growth without a leak. Exit 1 on unexpected errors.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Mixed good and bad traffic for N minutes through the local stack: errors, p99, RSS slope.")
final class SoakBench implements Callable<Integer> {
    @Option(names = "--minutes", description = "Duration of the run (default: ${DEFAULT-VALUE}).")
    double minutes = 10;

    @Option(names = "--clients", description = "Clients with distinct keys, each sending good requests (default: ${DEFAULT-VALUE}).")
    int clients = 3;

    @Option(names = "--bad-every", description = "One bad request per this many good ones (default: ${DEFAULT-VALUE}).")
    int badEvery = 2;

    @Option(names = "--key-cache-mb", description = "The server's key-cache bound, MiB; the default keeps every"
            + " client's key resident, so the run measures steady state, not key churn (default: ${DEFAULT-VALUE}).")
    long keyCacheMb = 1024;

    @Option(names = "--sample-seconds", description = "RSS sampling period (default: ${DEFAULT-VALUE}).")
    int sampleSeconds = 5;

    @Mixin
    BenchOutput output = new BenchOutput();

    /** Good requests' client-side latency. */
    record Latency(double p50, double p99, double max) {}

    /** The RSS samples after warm-up and their trend. */
    record Rss(long firstBytes, long lastBytes, long minBytes, long maxBytes, double slopeMbPerMin,
            double flatLimitMbPerMin, boolean flat, int samples, double warmupS, List<long[]> secondsAndBytes) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(String benchmark, double minutes, int clients, long goodRequests, long badRequests,
            long unexpectedErrors, List<String> firstUnexpected, Map<String, Long> badAnsweredBy, Latency goodLatencyMs,
            Rss rss, long maxHeapBytes, MachineInfo machine) {}

    /** A bad request, the code it must get, and how it is made from a good body. */
    private record Bad(String name, ErrorCode expected, String contentType, java.util.function.UnaryOperator<byte[]> spoil) {}

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0) || minutes > 24 * 60 || clients < 1 || badEvery < 1 || sampleSeconds < 1) {
            throw new IllegalArgumentException("--minutes in (0, 1440], --clients, --bad-every and --sample-seconds >= 1");
        }
        Result r = run(System.err);
        output.emit(r, System.out, System.err);
        return r.unexpectedErrors() == 0 ? 0 : 1; // the RSS trend is reported; judging it needs a long, quiet run
    }

    private Result run(PrintStream log) throws Exception {
        Path work = Files.createTempDirectory("fhe-ml-bench-soak-");
        Path modelDir = TinyModel.write(work.resolve("model")).dir();
        List<FheClient> clientList = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(clients + 2);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ObjectMapper json = new ObjectMapper();
        try (LocalStack stack = LocalStack.start(LocalStack.Options.of(modelDir).withKeyCacheBytes(keyCacheMb << 20));
                EncryptionSession session = EncryptionSession.open(ModelArtifacts.readClient(stack.clientZip()),
                        new KeyStore(work.resolve("keys-bad")))) {
            log.printf("bench soak: %.1f min, %d clients, one bad request per %d good ones%n", minutes, clients, badEvery);
            for (int c = 0; c < clients; c++) {
                FheClient client = stack.clientBuilder().keyStore(work.resolve("keys-" + c)).clientId("soak-" + c).build();
                client.uploadEvaluationKey();
                clientList.add(client);
            }
            List<Sample> samples = clientList.get(0).samples();
            byte[] good = session.encryptRequest(new long[][] {session.spec().quantize(samples.get(0).features())});
            long overBudget = stack.server().config().requestBootstrapBudget() / stack.server().bootstrapsPerQuery() + 1;
            List<Bad> bad = List.of(
                    new Bad("garbled", ErrorCode.MALFORMED_ENVELOPE, HostingContract.ENVELOPE_CONTENT_TYPE,
                            b -> Arrays.copyOf(b, 60)),
                    new Bad("another model", ErrorCode.MODEL_MISMATCH, HostingContract.ENVELOPE_CONTENT_TYPE,
                            b -> patched(b, 8)),
                    new Bad("unknown key", ErrorCode.UNKNOWN_KEY, HostingContract.ENVELOPE_CONTENT_TYPE, b -> patched(b, 40)),
                    new Bad("text body", ErrorCode.UNSUPPORTED_MEDIA_TYPE, "text/plain", b -> b),
                    new Bad("over the budget", ErrorCode.TOO_LARGE, HostingContract.ENVELOPE_CONTENT_TYPE,
                            b -> overBudget(b, (int) Math.min(Envelope.MAX_COUNT, overBudget))));
            URI invocations = stack.serverUri().resolve(HostingContract.INVOCATIONS);

            long start = System.nanoTime();
            long end = start + (long) (minutes * 60e9);
            List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
            List<String> unexpected = java.util.Collections.synchronizedList(new ArrayList<>());
            Map<String, Long> badAnswers = java.util.Collections.synchronizedMap(new TreeMap<>());
            long[] counts = new long[2];
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                FheClient client = clientList.get(c);
                workers.add(pool.submit(() -> {
                    for (long i = 0; System.nanoTime() < end; i++) {
                        Sample s = samples.get((int) (i % samples.size()));
                        long t0 = System.nanoTime();
                        try {
                            if (client.predict(s.features()).classIndex() != s.expectedClass()) {
                                unexpected.add("wrong prediction for sample " + i % samples.size());
                            }
                            latencies.add((System.nanoTime() - t0) / 1e6);
                        } catch (Exception e) {
                            unexpected.add("good request: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                        }
                        synchronized (counts) {
                            counts[0]++;
                        }
                        if (i % badEvery == 0) {
                            Bad b = bad.get(ThreadLocalRandom.current().nextInt(bad.size()));
                            String code = post(http, json, invocations, b.contentType(), b.spoil().apply(good));
                            badAnswers.merge(b.name() + " -> " + code, 1L, Long::sum);
                            if (!b.expected().code().equals(code)) {
                                unexpected.add(b.name() + ": expected " + b.expected().code() + ", got " + code);
                            }
                            synchronized (counts) {
                                counts[1]++;
                            }
                        }
                    }
                    return null;
                }));
            }
            List<long[]> rss = new ArrayList<>();
            while (System.nanoTime() < end) {
                rss.add(new long[] {(System.nanoTime() - start) / 1_000_000_000L, ServeBench.rssBytes()});
                log.printf("  %4d s  rss %d MiB  good %d  bad %d  unexpected %d%n", rss.get(rss.size() - 1)[0],
                        rss.get(rss.size() - 1)[1] >> 20, counts[0], counts[1], unexpected.size());
                Thread.sleep(Math.min(sampleSeconds * 1000L, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
            rss.add(new long[] {(System.nanoTime() - start) / 1_000_000_000L, ServeBench.rssBytes()});
            for (Future<?> f : workers) {
                f.get();
            }
            double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Result("soak", minutes, clients, counts[0], counts[1], unexpected.size(),
                    unexpected.isEmpty() ? null : List.copyOf(unexpected.subList(0, Math.min(5, unexpected.size()))),
                    badAnswers, new Latency(BenchOutput.round(EvaluationStats.percentile(sorted, 0.5)),
                            BenchOutput.round(EvaluationStats.percentile(sorted, 0.99)),
                            sorted.length == 0 ? Double.NaN : BenchOutput.round(sorted[sorted.length - 1])),
                    trend(rss, minutes * 60), Runtime.getRuntime().maxMemory(), MachineInfo.describe());
        } finally {
            pool.shutdownNow();
            for (FheClient c : clientList) {
                c.close();
            }
            Folders.deleteQuietly(work);
        }
    }

    /**
     * The RSS trend after warm-up (the first fifth of the run, at most two minutes: key expansion,
     * JIT, heap sizing): least-squares slope in MiB per minute. Flat means that over the measured
     * span the slope adds less than 5 % of the mean RSS, or less than 2 MiB a minute, whichever
     * allows more.
     */
    static Rss trend(List<long[]> samples, double seconds) {
        double warmup = Math.min(120, seconds / 5);
        List<long[]> after = samples.stream().filter(s -> s[0] >= warmup).toList();
        if (after.size() < 3) {
            after = samples;
        }
        double n = after.size();
        double mx = after.stream().mapToDouble(s -> s[0]).sum() / n;
        double my = after.stream().mapToDouble(s -> s[1]).sum() / n;
        double sxy = 0;
        double sxx = 0;
        for (long[] s : after) {
            sxy += (s[0] - mx) * (s[1] - my);
            sxx += (s[0] - mx) * (s[0] - mx);
        }
        double slope = sxx == 0 ? 0 : sxy / sxx * 60 / (1 << 20); // bytes/s -> MiB/min
        double spanMinutes = Math.max(1e-9, (after.get(after.size() - 1)[0] - after.get(0)[0]) / 60.0);
        double limit = Math.max(2, 0.05 * my / (1 << 20) / spanMinutes);
        long min = after.stream().mapToLong(s -> s[1]).min().orElse(-1);
        long max = after.stream().mapToLong(s -> s[1]).max().orElse(-1);
        return new Rss(after.get(0)[1], after.get(after.size() - 1)[1], min, max, BenchOutput.round(slope),
                BenchOutput.round(limit), slope <= limit, after.size(), warmup, samples);
    }

    private static String post(HttpClient http, ObjectMapper json, URI uri, String contentType, byte[] body) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).header("Content-Type", contentType)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 200 ? "ok" : json.readTree(r.body()).path(HostingContract.ERROR_FIELD).asText();
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }

    private static byte[] patched(byte[] envelope, int at) {
        byte[] out = envelope.clone();
        out[at] ^= 1;
        return out;
    }

    /** A well-formed envelope announcing {@code count} queries: refused by its cost before its payload is read. */
    private static byte[] overBudget(byte[] good, int count) {
        Envelope e = Envelope.parse(good, Envelope.Kind.REQUEST, Long.MAX_VALUE);
        byte[] payload = new byte[e.payload().length];
        return Envelope.request(e.modelId(), Ids.sha256(payload), count, payload).toBytes();
    }
}
