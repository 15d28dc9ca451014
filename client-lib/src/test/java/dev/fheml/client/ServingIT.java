package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.local.LocalStack;
import dev.fheml.client.local.TinyModel;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitEvaluator;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.inference.InferenceServer;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.sync.RequestBody;

/** The serving path through the local stack: results equal the engine's, and the whole error table. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private LocalStack stack;
    private FheClient client;
    private Circuit circuit;
    private List<Sample> samples;

    @BeforeAll
    void start() throws Exception {
        TinyModel.Artifacts model = Fixtures.model();
        stack = LocalStack.start(model.dir());
        client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("serving-it").build();
        circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        samples = client.samples();
    }

    @AfterAll
    void stop() {
        client.close();
        stack.close();
    }

    @Test
    void pingSaysReadyWithTheModelId() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(stack.serverUri().resolve("/ping")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals(stack.modelId(), JSON.readTree(r.body()).path("model_id").asText());
    }

    @Test
    void predictionsEqualTheEngineInProcess() throws Exception {
        long[][] x = samples.stream().map(s -> client.spec().quantize(s.features())).toArray(long[][]::new);
        long[][] remote = client.evaluate(x);
        // The same key, in this process: encrypt, evaluate, decrypt.
        FheParameters p = FheParameters.byName(circuit.parameters());
        try (KeyStore.Keys keys = new KeyStore(Fixtures.sharedKeyStore()).load(client.modelId(), p);
                EvaluationKey eval = EvaluationKey.fromBytes(p, keys.evaluationKeyBytes(), 1L << 30);
                ServerContext server = ServerContext.expand(eval, 0);
                GlweBatch in = keys.clientKey().encrypt(x, circuit.inputDelta());
                CompactBatch out = CircuitEvaluator.evaluate(circuit, server, in)) {
            long[][] local = keys.clientKey().decrypt(out, circuit.outputDelta());
            CircuitSimulator sim = new CircuitSimulator(circuit, p.polynomialSize());
            for (int q = 0; q < x.length; q++) {
                assertArrayEquals(local[q], remote[q], "query " + q + ": endpoint vs in-process engine");
                assertArrayEquals(sim.evaluate(x[q]), remote[q], "query " + q + ": endpoint vs plaintext simulation");
            }
        }
        List<Prediction> predictions = client.predictBatch(samples.stream().map(Sample::features).toList());
        for (int i = 0; i < samples.size(); i++) {
            assertEquals(samples.get(i).expectedClass(), predictions.get(i).classIndex(), "sample " + i);
        }
        assertEquals(samples.get(0).expectedClass(), client.predict(samples.get(0).features()).classIndex());
    }

    /** One bad request per row of the error table. */
    Iterable<Arguments> badInputs() {
        return List.of(
                Arguments.of("truncated envelope", 400, "malformed_envelope",
                        (Function<byte[], byte[]>) good -> java.util.Arrays.copyOf(good, 60)),
                Arguments.of("garbled envelope", 400, "malformed_envelope",
                        (Function<byte[], byte[]>) good -> randomBytes(good.length, 1)),
                Arguments.of("trailing bytes", 400, "malformed_envelope",
                        (Function<byte[], byte[]>) good -> java.util.Arrays.copyOf(good, good.length + 3)),
                Arguments.of("wrong format version", 400, "unsupported_version",
                        (Function<byte[], byte[]>) good -> patched(good, 5, (byte) 9)),
                Arguments.of("model id mismatch", 409, "model_mismatch",
                        (Function<byte[], byte[]>) good -> patched(good, 8, (byte) (good[8] ^ 1))),
                Arguments.of("unknown key id", 404, "unknown_key",
                        (Function<byte[], byte[]>) good -> patched(good, 40, (byte) (good[40] ^ 1))),
                Arguments.of("corrupted ciphertext", 422, "invalid_ciphertext",
                        (Function<byte[], byte[]>) good -> corruptPayload(good)),
                Arguments.of("count differs from the payload", 422, "invalid_ciphertext",
                        (Function<byte[], byte[]>) good -> patched(good, 75, (byte) 2)));
    }

    @ParameterizedTest(name = "{0} -> {1} {2}")
    @MethodSource("badInputs")
    void badInputGetsItsCodeAndTheServerKeepsServing(String what, int status, String code,
            Function<byte[], byte[]> spoil) throws Exception {
        byte[] good = goodRequest();
        assertError(post(spoil.apply(good)), status, code);
        assertGoodRequestSucceeds();
    }

    @Test
    void keyHashMismatch() throws Exception {
        byte[] stored = randomBytes(1000, 2);
        String claimedId = Ids.sha256(randomBytes(1000, 3));
        putKey(claimedId, stored);
        assertError(post(withKeyId(goodRequest(), claimedId)), 422, "key_hash_mismatch");
        assertGoodRequestSucceeds();
    }

    @Test
    void storedBytesThatAreNotAKey() throws Exception {
        byte[] stored = randomBytes(5000, 4);
        String id = Ids.sha256(stored);
        putKey(id, stored);
        assertError(post(withKeyId(goodRequest(), id)), 422, "invalid_key");
        assertGoodRequestSucceeds();
    }

    @Test
    void bodyOverTheLimit() throws Exception {
        long limit = stack.server().config().maxBodyBytes();
        assertError(post(new byte[(int) limit + 1]), 413, "payload_too_large");
        assertGoodRequestSucceeds();
    }

    @Test
    void busyWhenEverySlotIsTaken() throws Exception {
        // A second server with one slot and a short queue; a slow upload holds the slot.
        InferenceServer small = InferenceServer.start(stack.server().config().toBuilder().port(0).concurrency(1)
                .queueTimeout(Duration.ofMillis(300)).build());
        try {
            assertTrue(small.awaitReady(Duration.ofMinutes(1)));
            byte[] good = goodRequest();
            try (java.net.Socket slow = new java.net.Socket("127.0.0.1", small.port())) {
                var out = slow.getOutputStream();
                out.write(("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + good.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.write(good, 0, 100);
                out.flush();
                Thread.sleep(300); // the slow request now holds the only slot
                HttpResponse<String> busy = post(small.uri(), good);
                assertError(busy, 503, "busy");
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(null));
                out.write(good, 100, good.length - 100);
                out.flush();
                String head = new String(slow.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 200", head, "the slow request itself completes");
            }
            assertEquals(200, post(small.uri(), good).statusCode(), "after busy, the next request succeeds");
        } finally {
            small.close();
        }
    }

    @Test
    void failuresReachTheClientWithTheServersCode() throws Exception {
        Path otherDir = Files.createTempDirectory("fhe-ml-it-other-");
        TinyModel.Artifacts other = TinyModel.write(otherDir, FheParameters.PBS_L1, 64, 8, 99, 2);
        try (FheClient wrong = stack.clientBuilder().clientZip(other.clientZip()).keyStore(Fixtures.sharedKeyStore())
                .clientId("wrong-model").build()) {
            InferenceFailedException e = assertThrows(InferenceFailedException.class,
                    () -> wrong.predict(wrong.samples().get(0).features()));
            assertEquals("model_mismatch", e.errorCode());
        }
        assertThrows(ModelMismatchException.class, () -> stack.clientBuilder().expectedModelId("0".repeat(64))
                .keyStore(Fixtures.sharedKeyStore()).build());
        assertGoodRequestSucceeds();
    }

    @Test
    void concurrentRequestsForANewKeyDownloadAndExpandItOnce() throws Exception {
        Path keys = Files.createTempDirectory("fhe-ml-it-single-flight-");
        try (FheClient fresh = stack.clientBuilder().keyStore(keys).clientId("single-flight").build()) {
            fresh.uploadEvaluationKey();
            var before = stack.keyCacheStats();
            var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
            try {
                List<java.util.concurrent.Future<Prediction>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    Sample s = samples.get(i % samples.size());
                    results.add(pool.submit(() -> fresh.predict(s.features())));
                }
                for (int i = 0; i < 6; i++) {
                    assertEquals(samples.get(i % samples.size()).expectedClass(), results.get(i).get().classIndex());
                }
            } finally {
                pool.shutdownNow();
            }
            var after = stack.keyCacheStats();
            assertEquals(1, after.downloads() - before.downloads(), "one download for 6 concurrent requests");
            assertEquals(1, after.expansions() - before.expansions(), "one expansion for 6 concurrent requests");
        }
    }

    @Test
    void unknownPathsAndMethods() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(stack.serverUri().resolve("/invocations")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(r, 405, "method_not_allowed");
        r = http.send(HttpRequest.newBuilder(stack.serverUri().resolve("/nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(r, 404, "not_found");
    }

    private void assertGoodRequestSucceeds() throws Exception {
        Sample s = samples.get(1);
        assertEquals(s.expectedClass(), client.predict(s.features()).classIndex(), "a good request after the bad one");
    }

    private byte[] goodRequest() throws Exception {
        client.uploadEvaluationKey();
        long[][] x = {client.spec().quantize(samples.get(0).features())};
        FheParameters p = FheParameters.byName(circuit.parameters());
        try (KeyStore.Keys keys = new KeyStore(Fixtures.sharedKeyStore()).load(client.modelId(), p);
                GlweBatch in = keys.clientKey().encrypt(x, circuit.inputDelta())) {
            return Envelope.request(client.modelId(), client.keyId(), 1, in.toBytes()).toBytes();
        }
    }

    private HttpResponse<String> post(byte[] body) throws IOException, InterruptedException {
        return post(stack.serverUri(), body);
    }

    private HttpResponse<String> post(URI server, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(server.resolve("/invocations"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(code, body.path("error").asText(), r.body());
        assertNotNull(body.get("message"));
    }

    private void putKey(String keyId, byte[] bytes) {
        stack.s3().putObject(b -> b.bucket(stack.bucket()).key("keys/" + stack.modelId() + "/" + keyId),
                RequestBody.fromBytes(bytes));
    }

    private static byte[] withKeyId(byte[] envelope, String keyId) {
        byte[] out = envelope.clone();
        System.arraycopy(java.util.HexFormat.of().parseHex(keyId), 0, out, 40, 32);
        return out;
    }

    private static byte[] patched(byte[] bytes, int at, byte value) {
        byte[] out = bytes.clone();
        out[at] = value;
        return out;
    }

    private static byte[] corruptPayload(byte[] envelope) {
        byte[] out = envelope.clone();
        byte[] noise = randomBytes(64, 5);
        System.arraycopy(noise, 0, out, Envelope.HEADER_BYTES, noise.length);
        return out;
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
