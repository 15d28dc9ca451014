package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.FheClient;
import dev.fheml.client.InferenceFailedException;
import dev.fheml.core.artifact.Sample;
import dev.fheml.protocol.ExchangeLayout;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Nothing is lost: predictions submitted while the serving path fails end, each, in exactly one
 * result or one failure object per submission (inference id), and every prediction ends in an answer
 * the client reports. The stack's S3 is behind a {@link FaultProxy} for every component (client,
 * invoker, server) and the server runs in a JVM of its own. Cases: the server killed with SIGKILL
 * mid-request, a 25 s S3 outage, result writes refused by the store for longer than the invoker's
 * retry window, and a hanging S3.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {
    private static final int SUBMISSIONS = 3;
    private static final int QUERIES = 16; // per submission: a second or two of evaluation
    private static final Duration RETRY_WINDOW = Duration.ofSeconds(30);

    private FaultProxy proxy;
    private LocalStack stack;
    private ServerProcess server;
    private FheClient client;
    private final List<String> table = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        proxy = FaultProxy.start();
        int port = ServerProcess.freePort();
        stack = LocalStack.start(LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 4)
                .withRetryWindow(RETRY_WINDOW).withS3Route(proxy::upstream)
                .withExternalServer(URI.create("http://127.0.0.1:" + port)));
        Path log = Files.createTempFile("fhe-ml-chaos-server-", ".log");
        server = ServerProcess.start(port, Fixtures.model().dir(), stack.s3Endpoint(), log);
        client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("chaos").maxAttempts(10)
                .awsTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(6)).timeout(Duration.ofMinutes(4)).build();
        client.uploadEvaluationKey();
        assertEquals(client.samples().get(0).expectedClass(), client.predict(client.samples().get(0).features()).classIndex());
    }

    @AfterAll
    void stop() throws Exception {
        System.out.println("chaos test (case -> outcome):");
        table.forEach(row -> System.out.println("  " + row));
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (stack != null) {
            stack.close();
        }
        proxy.close();
    }

    /** A fault applied once the submissions are accepted. */
    private interface Fault {
        void apply() throws Exception;
    }

    /** Submits, applies the fault, and checks that every submission ended exactly once. */
    private void chaos(String name, Fault fault) throws Exception {
        List<Sample> samples = client.samples();
        long acceptedBefore = stack.invoker().accepted();
        ExecutorService pool = Executors.newFixedThreadPool(SUBMISSIONS);
        List<Future<String>> outcomes = new ArrayList<>();
        try {
            for (int i = 0; i < SUBMISSIONS; i++) {
                int first = i;
                outcomes.add(pool.submit(() -> {
                    List<double[]> batch = new ArrayList<>();
                    List<Integer> expected = new ArrayList<>();
                    for (int q = 0; q < QUERIES; q++) {
                        Sample s = samples.get((first + q) % samples.size());
                        batch.add(s.features());
                        expected.add(s.expectedClass());
                    }
                    try {
                        List<Integer> got = client.predictBatch(batch).stream().map(p -> p.classIndex()).toList();
                        return got.equals(expected) ? "result" : "WRONG result";
                    } catch (InferenceFailedException e) {
                        return "failure " + e.errorCode();
                    } catch (Exception e) {
                        return "error " + e.getClass().getSimpleName() + ": " + e.getMessage();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stack.invoker().accepted() < acceptedBefore + SUBMISSIONS && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            fault.apply();
            Map<String, Integer> ended = new HashMap<>();
            for (Future<String> f : outcomes) {
                ended.merge(f.get(5, TimeUnit.MINUTES), 1, Integer::sum);
            }
            Objects objects = objects();
            long accepted = stack.invoker().accepted();
            Set<String> unaccounted = new TreeSet<>(stack.invoker().acceptedIds());
            unaccounted.removeAll(objects.ids);
            Set<String> unknown = new TreeSet<>(objects.ids);
            unknown.removeAll(stack.invoker().acceptedIds());
            table.add(name + " -> " + ended + "; since start: " + accepted + " submissions accepted, "
                    + objects.results + " results + " + objects.failures + " failures written, " + objects.both
                    + " with both");
            assertEquals(Map.of("result", SUBMISSIONS), ended, name + ": every prediction ends in its right result");
            assertEquals(0, objects.both, name + ": no submission has both a result and a failure");
            assertEquals(Set.of(), unaccounted, name + ": accepted submissions without a result or failure");
            assertEquals(Set.of(), unknown, name + ": objects of no accepted submission");
            assertEquals(accepted, objects.results + objects.failures, name + ": one object per accepted submission");
        } finally {
            pool.shutdownNow();
            proxy.heal();
        }
    }

    private record Objects(long results, long failures, long both, List<String> ids) {}

    private Objects objects() {
        List<String> results = ids(ExchangeLayout.RESULTS, ExchangeLayout.RESULT_SUFFIX);
        List<String> failures = ids(ExchangeLayout.FAILURES, ExchangeLayout.FAILURE_SUFFIX);
        List<String> all = new ArrayList<>(results);
        all.addAll(failures);
        return new Objects(results.size(), failures.size(), results.stream().filter(failures::contains).count(), all);
    }

    private List<String> ids(String prefix, String suffix) {
        // s3proxy's file store may leave the temp file of an upload cut mid-way ("<key>-<uuid>"): not an object.
        return stack.s3().listObjectsV2Paginator(b -> b.bucket(stack.bucket()).prefix(prefix)).contents().stream()
                .map(o -> o.key()).filter(k -> k.endsWith(suffix))
                .map(k -> k.substring(prefix.length(), k.length() - suffix.length())).toList();
    }

    @Test
    @Order(1)
    void theServerKilledMidRequest() throws Exception {
        chaos("server kill -9 mid-request, restarted after 2 s", () -> {
            Thread.sleep(300); // the deliveries reach the server and its evaluation
            server.kill();
            Thread.sleep(2000);
            server.launch();
        });
        assertTrue(stack.invoker().retries() > 0, "the invoker delivered again");
    }

    @Test
    @Order(2)
    void aTwentyFiveSecondS3Outage() throws Exception {
        chaos("S3 outage of 25 s (every connection reset)", () -> {
            proxy.reset();
            Thread.sleep(25_000);
            proxy.heal();
        });
    }

    @Test
    @Order(3)
    void resultWritesRefusedLongerThanTheRetryWindow() throws Exception {
        // The store itself refuses results/: a file where its folder should be.
        Path results = stack.storage().resolve(LocalStack.BUCKET).resolve(ExchangeLayout.RESULTS);
        Path aside = results.resolveSibling("results-aside");
        chaos("result writes refused for 35 s (retry window 30 s)", () -> {
            Files.move(results, aside, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(results.resolveSibling(results.getFileName().toString()), "not a folder");
            try {
                Thread.sleep(RETRY_WINDOW.plusSeconds(5).toMillis());
            } finally {
                Files.delete(results);
                Files.move(aside, results, StandardCopyOption.ATOMIC_MOVE);
            }
        });
    }

    @Test
    @Order(4)
    void aHangingS3() throws Exception {
        chaos("S3 hangs for 12 s (connections accepted, nothing answered)", () -> {
            proxy.hang();
            Thread.sleep(12_000);
            proxy.heal();
        });
    }
}
