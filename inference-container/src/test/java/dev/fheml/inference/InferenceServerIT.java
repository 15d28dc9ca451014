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
import java.io.OutputStream;
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
        assertError(t.post(new byte[(int) t.config.maxBodyBytes() + 1]), ErrorCode.PAYLOAD_TOO_LARGE);
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

    @Test
    void busyWhenEverySlotStaysTaken() throws Exception {
        // A second server with one slot and a short queue; a slow upload holds the slot.
        try (TestServer small = TestServer.start(b -> b.concurrency(1).queueTimeout(Duration.ofMillis(300)))) {
            byte[] good = small.request(new long[][] {small.randomInput(5)});
            try (Socket slow = new Socket("127.0.0.1", small.server.port())) {
                OutputStream out = slow.getOutputStream();
                out.write(("POST " + HostingContract.INVOCATIONS + " HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        + HostingContract.ENVELOPE_CONTENT_TYPE + "\r\nContent-Length: " + good.length + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.write(good, 0, 100);
                out.flush();
                Thread.sleep(300); // the slow request now holds the only slot
                HttpResponse<byte[]> busy = small.post(good);
                assertError(busy, ErrorCode.BUSY);
                assertEquals("1", busy.headers().firstValue("Retry-After").orElse(null));
                out.write(good, 100, good.length - 100);
                out.flush();
                String head = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                assertEquals("HTTP/1.1 200", head, "the slow request itself completes");
            }
            assertEquals(200, small.post(good).statusCode(), "after busy, the next request succeeds");
        }
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
