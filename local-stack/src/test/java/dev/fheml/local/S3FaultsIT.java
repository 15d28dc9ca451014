package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.EncryptionSession;
import dev.fheml.client.FheClient;
import dev.fheml.client.KeyStore;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.inference.InferenceServer;
import dev.fheml.inference.ServerConfig;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.HostingContract;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real network faults between the SDK clients and a real S3 API (s3proxy behind {@link FaultProxy}):
 * the server's key download and the client's result polling each meet a hang, resets, latency and a
 * bandwidth limit. Every S3 call is bounded by the SDK's attempt and call timeouts, so a fault costs
 * at most a call timeout, never a slot or a lost prediction.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class S3FaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private LocalStack stack;
    private FaultProxy proxy;
    private InferenceServer server; // its keys through the proxy, none kept: every request downloads its key
    private EncryptionSession session;
    private byte[] request;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    void start() throws Exception {
        stack = LocalStack.start(LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 2));
        proxy = FaultProxy.start();
        proxy.upstream(stack.s3Endpoint());
        server = InferenceServer.start(ServerConfig.builder().host("127.0.0.1").port(0).modelDir(Fixtures.model().dir())
                .keyBucket(stack.bucket()).s3Endpoint(proxy.uri()).region(stack.region())
                .credentials(LocalStack.ACCESS_KEY, LocalStack.SECRET_KEY).concurrency(2).keyCacheBytes(0)
                .s3Timeouts(Duration.ofSeconds(4), Duration.ofSeconds(8)).build());
        assertTrue(server.awaitReady(Duration.ofMinutes(1)));
        try (FheClient client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("faults").build()) {
            client.uploadEvaluationKey();
        }
        session = EncryptionSession.open(ModelArtifacts.readClient(stack.clientZip()), new KeyStore(Fixtures.sharedKeyStore()));
        Sample sample = session.samples().get(0);
        request = session.encryptRequest(new long[][] {session.spec().quantize(sample.features())});
    }

    @AfterEach
    void heal() {
        proxy.heal();
    }

    @AfterAll
    void stop() throws Exception {
        session.close();
        server.close();
        proxy.close();
        stack.close();
    }

    private HttpResponse<byte[]> post() throws Exception {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(HostingContract.INVOCATIONS))
                .header("Content-Type", HostingContract.ENVELOPE_CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String code(HttpResponse<byte[]> r) throws Exception {
        return r.statusCode() == 200 ? "ok" : JSON.readTree(r.body()).path(HostingContract.ERROR_FIELD).asText();
    }

    /** The request's answer and how long it took. */
    private record Answer(String code, long millis) {}

    private Answer timed() throws Exception {
        long start = System.nanoTime();
        HttpResponse<byte[]> r = post();
        return new Answer(code(r), (System.nanoTime() - start) / 1_000_000);
    }

    @Test
    void aHangingS3CostsTheServerOneCallTimeoutAndPingStaysUp() throws Exception {
        proxy.hang();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Answer> hung = pool.submit(this::timed);
            Thread.sleep(500);
            HttpResponse<String> ping = http.send(HttpRequest.newBuilder(server.uri().resolve(HostingContract.PING)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ping.statusCode(), "the server answers /ping while its S3 hangs");
            Answer a = hung.get();
            assertEquals(ErrorCode.KEY_STORE_UNAVAILABLE.code(), a.code());
            assertTrue(a.millis() < 8000 + 4000, "answered after " + a.millis() + " ms with a call timeout of 8000 ms");
        } finally {
            pool.shutdownNow();
        }
        proxy.heal();
        assertEquals("ok", timed().code(), "served again once S3 answers");
    }

    @Test
    void resetsAreKeyStoreUnavailableThenTheKeyIsServed() throws Exception {
        proxy.reset();
        assertEquals(ErrorCode.KEY_STORE_UNAVAILABLE.code(), timed().code());
        proxy.heal();
        assertEquals("ok", timed().code());
    }

    @Test
    void latencyAndAModestBandwidthSlowTheDownloadWhichSucceeds() throws Exception {
        proxy.latency(300);
        assertEquals("ok", timed().code());
        proxy.bandwidth(64L << 20);
        assertEquals("ok", timed().code());
    }

    @Test
    void aTricklingDownloadIsCutAtTheCallTimeout() throws Exception {
        proxy.bandwidth(256 * 1024); // a 30 MB key would take two minutes
        Answer a = timed();
        assertEquals(ErrorCode.KEY_STORE_UNAVAILABLE.code(), a.code());
        assertTrue(a.millis() < 8000 + 4000, "answered after " + a.millis() + " ms with a call timeout of 8000 ms");
    }

    @Test
    void theClientRidesOutAHangAndResetsWhileItPollsForTheResult() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FheClient client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("faulty-s3")
                .s3Endpoint(proxy.uri()).awsTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .pollInterval(Duration.ofMillis(50), Duration.ofMillis(500)).timeout(Duration.ofMinutes(2)).build()) {
            client.uploadEvaluationKey();
            Sample sample = client.samples().get(1);
            long accepted = stack.invoker().accepted();
            Future<Integer> prediction = pool.submit(() -> client.predict(sample.features()).classIndex());
            while (stack.invoker().accepted() == accepted) {
                Thread.sleep(5);
            }
            proxy.hang(); // the client's polls time out; the result is written meanwhile (the invoker is not behind the proxy)
            Thread.sleep(4000);
            proxy.reset();
            Thread.sleep(2000);
            proxy.heal();
            assertEquals(sample.expectedClass(), prediction.get(), "the prediction arrives after the faults");
            long results = stack.s3().listObjectsV2(b -> b.bucket(stack.bucket()).prefix(ExchangeLayout.RESULTS))
                    .contents().size();
            assertTrue(results >= 1);
        } finally {
            pool.shutdownNow();
        }
    }
}
