package dev.fheml.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.EvaluationKey;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inference server over real HTTP with its keys in a real S3 API: results, the whole error
 * table (each bad request followed by a good one), limits, the key cache's single flight and the
 * graceful stop.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InferenceServerIT {
    private TestServer t;

    @BeforeAll
    void start() throws Exception {
        t = TestServer.start();
    }

    @AfterAll
    void stop() {
        t.close();
    }

    @Test
    void pingSaysReadyWithTheModelId() throws Exception {
        HttpResponse<String> r = t.get(HostingContract.PING);
        assertEquals(200, r.statusCode());
        assertEquals(t.modelId, new ObjectMapper().readTree(r.body()).path(HostingContract.MODEL_ID_FIELD).asText());
    }

    @Test
    void aBatchDecryptsToWhatTheCircuitComputes() throws Exception {
        long[][] x = {t.randomInput(1), t.randomInput(2), t.randomInput(3)};
        HttpResponse<byte[]> r = t.post(t.request(x));
        assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        assertEquals(HostingContract.ENVELOPE_CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(""));
        long[][] out = t.decrypt(r.body(), 3);
        for (int q = 0; q < 3; q++) {
            assertArrayEquals(t.expected(x[q]), out[q], "query " + q);
        }
    }

    /** One bad request per row of the error table. */
    Iterable<Arguments> badRequests() {
        return List.of(
                Arguments.of("truncated envelope", ErrorCode.MALFORMED_ENVELOPE,
                        (UnaryOperator<byte[]>) good -> Arrays.copyOf(good, 60)),
                Arguments.of("garbled envelope", ErrorCode.MALFORMED_ENVELOPE,
                        (UnaryOperator<byte[]>) good -> randomBytes(good.length, 1)),
                Arguments.of("trailing bytes", ErrorCode.MALFORMED_ENVELOPE,
                        (UnaryOperator<byte[]>) good -> Arrays.copyOf(good, good.length + 3)),
                Arguments.of("a response sent as a request", ErrorCode.MALFORMED_ENVELOPE,
                        (UnaryOperator<byte[]>) good -> patched(good, 3, (byte) 'R')),
                Arguments.of("wrong format version", ErrorCode.UNSUPPORTED_VERSION,
                        (UnaryOperator<byte[]>) good -> patched(good, 5, (byte) 9)),
                Arguments.of("model id mismatch", ErrorCode.MODEL_MISMATCH,
                        (UnaryOperator<byte[]>) good -> patched(good, 8, (byte) (good[8] ^ 1))),
                Arguments.of("unknown key id", ErrorCode.UNKNOWN_KEY,
                        (UnaryOperator<byte[]>) good -> patched(good, 40, (byte) (good[40] ^ 1))),
                Arguments.of("corrupted ciphertext", ErrorCode.INVALID_CIPHERTEXT,
                        (UnaryOperator<byte[]>) InferenceServerIT::corruptPayload),
                Arguments.of("count differs from the payload", ErrorCode.INVALID_CIPHERTEXT,
                        (UnaryOperator<byte[]>) good -> patched(good, 75, (byte) 2)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("badRequests")
    void aBadRequestGetsItsCodeAndTheServerKeepsServing(String what, ErrorCode code, UnaryOperator<byte[]> spoil)
            throws Exception {
        assertError(t.post(spoil.apply(t.request(new long[][] {t.randomInput(7)}))), code);
        assertAGoodRequestSucceeds();
    }

    @Test
    void aStoredKeyWhoseHashIsNotItsIdIsRefused() throws Exception {
        String claimed = Ids.sha256(randomBytes(1000, 3));
        t.putKey(t.modelId, claimed, randomBytes(1000, 2));
        assertError(t.post(withKeyId(t.request(new long[][] {t.randomInput(1)}), claimed)), ErrorCode.KEY_HASH_MISMATCH);
        assertAGoodRequestSucceeds();
    }

    @Test
    void storedBytesThatAreNotAnEvaluationKeyAreRefused() throws Exception {
        byte[] stored = randomBytes(5000, 4);
        String id = Ids.sha256(stored);
        t.putKey(t.modelId, id, stored);
        assertError(t.post(withKeyId(t.request(new long[][] {t.randomInput(1)}), id)), ErrorCode.INVALID_KEY);
        assertAGoodRequestSucceeds();
    }

    @Test
    void aBodyOverTheLimitIsRefused() throws Exception {
        // Refused on its Content-Length, before any body byte is read (sent as headers only: through a
        // client that uploads the body, the answer races the upload and the close can swallow it).
        TestServer.RawResponse r = t.postHeadersOnly(t.config.maxBodyBytes() + 1);
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(ErrorCode.PAYLOAD_TOO_LARGE.status(), r.status(), body);
        assertEquals(ErrorCode.PAYLOAD_TOO_LARGE.code(), TestServer.errorCode(r.body()), body);
        assertAGoodRequestSucceeds();
    }

    @Test
    void unknownPathsAndMethodsGetJsonErrors() throws Exception {
        HttpResponse<String> r = t.get(HostingContract.INVOCATIONS);
        assertEquals(405, r.statusCode());
        assertEquals(ErrorCode.METHOD_NOT_ALLOWED.code(), TestServer.errorCode(r.body().getBytes(StandardCharsets.UTF_8)));
        r = t.get("/nope");
        assertEquals(404, r.statusCode());
        assertEquals(ErrorCode.NOT_FOUND.code(), TestServer.errorCode(r.body().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void concurrentRequestsForANewKeyDownloadAndExpandItOnce() throws Exception {
        try (dev.fheml.core.ClientKey other = dev.fheml.core.ClientKey.generate(t.parameters);
                EvaluationKey eval = other.evaluationKey()) {
            byte[] bytes = eval.toBytes();
            String id = Ids.sha256(bytes);
            t.putKey(t.modelId, id, bytes);
            KeyCache.Stats before = t.server.keyCacheStats();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<HttpResponse<byte[]>>> results = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    long[] x = t.randomInput(100 + i);
                    byte[] body;
                    try (var in = other.encrypt(new long[][] {x}, t.circuit.inputDelta())) {
                        body = Envelope.request(t.modelId, id, 1, in.toBytes()).toBytes();
                    }
                    results.add(pool.submit(() -> t.post(body)));
                }
                for (Future<HttpResponse<byte[]>> f : results) {
                    assertEquals(200, f.get().statusCode());
                }
            } finally {
                pool.shutdownNow();
            }
            KeyCache.Stats after = t.server.keyCacheStats();
            assertEquals(1, after.downloads() - before.downloads(), "one download for 6 concurrent requests");
            assertEquals(1, after.expansions() - before.expansions(), "one expansion for 6 concurrent requests");
        }
    }

    /** A batch that keeps the only slot busy for many seconds (tiny model: 8 bootstraps a query). */
    private static byte[] longRequest(TestServer s, int queries) {
        long[][] x = new long[queries][];
        for (int q = 0; q < queries; q++) {
            x[q] = s.randomInput(1000 + q);
        }
        return s.request(x);
    }

    private static TestServer oneSlotServer(Duration requestTimeout) throws Exception {
        return TestServer.start(b -> b.concurrency(1).queueTimeout(Duration.ofMillis(300)).requestTimeout(requestTimeout)
                .maxBodyBytes(32L << 20).requestMaxBootstraps(1_000_000).bodyTimeout(Duration.ofSeconds(3)));
    }

    @Test
    void busyWhenEverySlotStaysTakenByAnEvaluation() throws Exception {
        try (TestServer small = oneSlotServer(Duration.ofSeconds(4))) {
            byte[] good = small.request(new long[][] {small.randomInput(5)});
            warm(small, good);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<HttpResponse<byte[]>> slow = pool.submit(() -> small.post(longRequest(small, 400)));
                awaitEvaluations(small, 2);
                HttpResponse<byte[]> busy = small.post(good);
                assertError(busy, ErrorCode.BUSY);
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(null));
                assertError(slow.get(), ErrorCode.TIMEOUT);
            } finally {
                pool.shutdownNow();
            }
            assertEquals(200, small.post(good).statusCode(), "after busy, the next request succeeds");
        }
    }

    @Test
    void aRequestPastItsDeadlineIsCancelledAndFreesItsSlotWithinASecond() throws Exception {
        try (TestServer small = oneSlotServer(Duration.ofSeconds(2))) {
            byte[] good = small.request(new long[][] {small.randomInput(6)});
            warm(small, good);
            long start = System.nanoTime();
            HttpResponse<byte[]> timedOut = small.post(longRequest(small, 400)); // ~3200 bootstraps: far over 2 s
            long answeredMs = (System.nanoTime() - start) / 1_000_000;
            assertError(timedOut, ErrorCode.TIMEOUT);
            assertTrue(answeredMs < 2000 + 1500, "answered " + answeredMs + " ms after it was sent (deadline 2000 ms)");
            // The slot is free: the next request is evaluated, not refused as busy after 300 ms in the queue.
            HttpResponse<byte[]> next = small.post(good);
            assertEquals(200, next.statusCode(), new String(next.body(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void slowBodiesHoldNoSlotAndEndInRequestTimeout() throws Exception {
        try (TestServer small = oneSlotServer(Duration.ofSeconds(30))) {
            byte[] good = small.request(new long[][] {small.randomInput(7)});
            List<Socket> slow = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket socket = new Socket("127.0.0.1", small.server.port());
                    socket.getOutputStream().write(head(good.length));
                    socket.getOutputStream().write(good, 0, 1);
                    slow.add(socket);
                }
                for (int i = 1; i < 4; i++) { // one byte a second on each: a slow drip
                    for (Socket socket : slow) {
                        socket.getOutputStream().write(good, i, 1);
                    }
                    if (i == 2) {
                        HttpResponse<byte[]> r = small.post(good);
                        assertEquals(200, r.statusCode(), "the only slot is free while bodies drip in: "
                                + new String(r.body(), StandardCharsets.UTF_8));
                    }
                    Thread.sleep(1000);
                }
                for (Socket socket : slow) {
                    socket.setSoTimeout(10_000);
                    String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
                    assertTrue(answer.contains("\"" + ErrorCode.REQUEST_TIMEOUT.code() + "\""), answer);
                }
            } finally {
                for (Socket socket : slow) {
                    socket.close();
                }
            }
        }
    }

    @Test
    void pingAnswersWhileManyConnectionsSendHeadersAndNoBody() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                Socket socket = new Socket("127.0.0.1", t.server.port());
                socket.getOutputStream().write(head(100_000));
                idle.add(socket);
            }
            Thread.sleep(500); // every one of them has reached the server
            long start = System.nanoTime();
            HttpResponse<String> ping = t.get(HostingContract.PING);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, ping.statusCode());
            System.out.println("/ping under 24 header-only connections: " + ms + " ms");
            assertTrue(ms < 1000, "/ping took " + ms + " ms");
            assertAGoodRequestSucceeds();
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    @Test
    void aRequestOverTheBootstrapOrMemoryBudgetIsRefusedNamingTheLimit() throws Exception {
        // 8 bootstraps a query; a few MiB of memory: 1 query fits, 100 do not.
        try (TestServer limited = TestServer.start(b -> b.requestMaxBootstraps(8 * 50).requestMemoryBytes(8L << 20))) {
            HttpResponse<byte[]> r = limited.post(longRequest(limited, 51));
            assertError(r, ErrorCode.TOO_LARGE);
            assertTrue(new String(r.body(), StandardCharsets.UTF_8).contains("limit of 400"), new String(r.body()));
            ServerConfig c = limited.config;
            try (TestServer memory = TestServer.start(b -> b.requestMaxBootstraps(1_000_000).requestMemoryBytes(8L << 20))) {
                HttpResponse<byte[]> m = memory.post(longRequest(memory, 100));
                assertError(m, ErrorCode.TOO_LARGE);
                assertTrue(new String(m.body(), StandardCharsets.UTF_8).contains("limit of " + (8L << 20)),
                        new String(m.body()));
                // 20 queries fit, evaluated in chunks smaller than the batch: every result is right.
                long[][] x = new long[20][];
                for (int q = 0; q < x.length; q++) {
                    x[q] = memory.randomInput(300 + q);
                }
                RequestCost cost = new RequestCost.Model(memory.circuit).of(20, memory.request(x).length, 8L << 20);
                assertTrue(cost.chunkQueries() < 20 && cost.memoryBytes() <= 8L << 20, cost.toString());
                HttpResponse<byte[]> ok = memory.post(memory.request(x));
                assertEquals(200, ok.statusCode(), new String(ok.body(), StandardCharsets.UTF_8));
                long[][] out = memory.decrypt(ok.body(), x.length);
                for (int q = 0; q < x.length; q++) {
                    assertArrayEquals(memory.expected(x[q]), out[q], "query " + q);
                }
            }
            assertEquals(200, limited.post(limited.request(new long[][] {limited.randomInput(9)})).statusCode());
            assertTrue(c.requestBootstrapBudget() == 400);
        }
    }

    @Test
    void jettysOwnErrorsAndOtherContentTypesGetJsonErrors() throws Exception {
        String bad = raw(t, "GARBAGE\r\n\r\n");
        assertTrue(bad.startsWith("HTTP/1.1 400"), bad);
        assertTrue(bad.contains("application/json") && bad.contains("\"" + ErrorCode.BAD_REQUEST.code() + "\""), bad);
        String big = raw(t, "GET " + HostingContract.PING + " HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000)
                + "\r\n\r\n");
        assertTrue(big.startsWith("HTTP/1.1 431"), big);
        assertTrue(big.contains("\"" + ErrorCode.HEADERS_TOO_LARGE.code() + "\""), big);
        byte[] good = t.request(new long[][] {t.randomInput(8)});
        HttpResponse<byte[]> r = t.http().send(java.net.http.HttpRequest.newBuilder(
                t.server.uri().resolve(HostingContract.INVOCATIONS)).header("Content-Type", "text/plain")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(good)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertError(r, ErrorCode.UNSUPPORTED_MEDIA_TYPE);
        assertAGoodRequestSucceeds();
    }

    @Test
    void aStopShorterThanARequestAnswersItShuttingDown() throws Exception {
        TestServer s = TestServer.start(b -> b.concurrency(1).requestTimeout(Duration.ofSeconds(60))
                .shutdownGrace(Duration.ofSeconds(4)).maxBodyBytes(32L << 20).requestMaxBootstraps(1_000_000));
        try {
            assertEquals(200, s.post(s.request(new long[][] {s.randomInput(1)})).statusCode());
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<HttpResponse<byte[]>> inFlight = pool.submit(() -> s.post(longRequest(s, 600)));
                awaitEvaluations(s, 2);
                long start = System.nanoTime();
                s.server.close();
                long stopMs = (System.nanoTime() - start) / 1_000_000;
                HttpResponse<byte[]> r = inFlight.get();
                assertError(r, ErrorCode.SHUTTING_DOWN);
                assertTrue(ErrorCode.SHUTTING_DOWN.retryable());
                assertTrue(stopMs < 4000 + 2000, "the stop took " + stopMs + " ms with a grace of 4000 ms");
            } finally {
                pool.shutdownNow();
            }
        } finally {
            s.close();
        }
    }

    private static byte[] head(int contentLength) {
        return ("POST " + HostingContract.INVOCATIONS + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                + HostingContract.ENVELOPE_CONTENT_TYPE + "\r\nContent-Length: " + contentLength + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends {@code request} as it is and returns the whole answer (the server closes after an error). */
    private static String raw(TestServer s, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", s.server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Expands the key: the first request may meet a short deadline while the key expands (it stays cached). */
    private static void warm(TestServer s, byte[] good) throws Exception {
        int status = 0;
        for (int i = 0; i < 5 && status != 200; i++) {
            status = s.post(good).statusCode();
        }
        assertEquals(200, status, "warm: the key is expanded");
    }

    /** Waits until {@code n} evaluations have started (the first one warms the key). */
    private static void awaitEvaluations(TestServer s, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (keyLookups(s) < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread.sleep(200); // past the key lookup, into the native evaluation
    }

    @Test
    void aGracefulStopFinishesTheRequestInFlightThenRefusesConnections() throws Exception {
        TestServer s = TestServer.start();
        try {
            long[][] x = new long[24][];
            for (int q = 0; q < x.length; q++) {
                x[q] = s.randomInput(200 + q);
            }
            byte[] body = s.request(x); // ~24 x 8 bootstraps: long enough to stop the server meanwhile
            java.net.URI address = s.server.uri();
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<HttpResponse<byte[]>> inFlight = pool.submit(() -> s.post(body));
                while (keyLookups(s) == 0 && !inFlight.isDone()) {
                    Thread.sleep(5); // until the request has reached the key cache: it is being evaluated
                }
                Thread.sleep(100);
                s.server.close(); // drains: returns once the request in flight has its answer
                HttpResponse<byte[]> r = inFlight.get();
                assertEquals(200, r.statusCode(), "the request in flight completed during the stop");
                long[][] out = s.decrypt(r.body(), x.length);
                for (int q = 0; q < x.length; q++) {
                    assertArrayEquals(s.expected(x[q]), out[q], "query " + q);
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(!s.server.ready());
            assertThrows(ConnectException.class, () -> s.post(address, body), "the listener is closed after the stop");
        } finally {
            s.close();
        }
    }

    private static long keyLookups(TestServer s) {
        KeyCache.Stats stats = s.server.keyCacheStats();
        return stats == null ? 0 : stats.hits() + stats.downloads();
    }

    private void assertAGoodRequestSucceeds() throws Exception {
        long[] x = t.randomInput(42);
        HttpResponse<byte[]> r = t.post(t.request(new long[][] {x}));
        assertEquals(200, r.statusCode(), "a good request after the bad one: " + new String(r.body(), StandardCharsets.UTF_8));
        assertArrayEquals(t.expected(x), t.decrypt(r.body(), 1)[0]);
    }

    private static void assertError(HttpResponse<byte[]> r, ErrorCode code) throws IOException {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        assertEquals(code.status(), r.statusCode(), body);
        assertEquals(HostingContract.JSON_CONTENT_TYPE, r.headers().firstValue("Content-Type").orElse(""), body);
        assertEquals(code.code(), TestServer.errorCode(r.body()), body);
        assertNotEquals("", r.headers().firstValue(HostingContract.REQUEST_ID_HEADER).orElse(""));
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
        System.arraycopy(randomBytes(64, 5), 0, out, Envelope.HEADER_BYTES, 64);
        return out;
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
