package dev.fheml.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContractTest {
    private static final String MODEL = "0123456789abcdef".repeat(4);
    private static final String KEY = "fedcba9876543210".repeat(4);

    @Test
    void objectNamesFollowTheLayout() {
        assertEquals("keys/" + MODEL + "/" + KEY, ExchangeLayout.keyObject(MODEL, KEY));
        assertEquals("other/" + MODEL + "/" + KEY, ExchangeLayout.keyObject("other/", MODEL, KEY));
        assertEquals("queries/alice/r-1", ExchangeLayout.queryObject("alice", "r-1"));
        assertEquals("results/r-1.out", ExchangeLayout.resultObject("r-1"));
        assertEquals("failures/r-1-error.out", ExchangeLayout.failureObject("r-1"));
        assertEquals("client/" + MODEL + "/client.zip", ExchangeLayout.clientZipObject(MODEL));
        assertEquals("s3://b/k", ExchangeLayout.s3Uri("b", "k"));
    }

    @Test
    void objectNamesRefuseIdsThatCouldEscapeTheirPrefix() {
        assertThrows(IllegalArgumentException.class, () -> ExchangeLayout.keyObject("../x", KEY));
        assertThrows(IllegalArgumentException.class, () -> ExchangeLayout.queryObject("a/b", "r"));
        assertThrows(IllegalArgumentException.class, () -> ExchangeLayout.resultObject(""));
        assertThrows(IllegalArgumentException.class, () -> ExchangeLayout.clientZipObject(MODEL.toUpperCase()));
    }

    @Test
    void errorCodesAreUniqueAndTheRetryableSetIsTheTransientOne() {
        Set<String> codes = new HashSet<>();
        for (ErrorCode e : ErrorCode.values()) {
            assertTrue(codes.add(e.code()), "duplicate code " + e.code());
            assertTrue(e.status() >= 400 && e.status() < 600, e + " has status " + e.status());
            assertEquals(e, ErrorCode.fromCode(e.code()).orElseThrow());
        }
        List<ErrorCode> retryable = Arrays.stream(ErrorCode.values()).filter(ErrorCode::retryable).toList();
        assertEquals(List.of(ErrorCode.REQUEST_TIMEOUT, ErrorCode.BUSY, ErrorCode.NOT_READY, ErrorCode.SHUTTING_DOWN,
                ErrorCode.TIMEOUT, ErrorCode.KEY_STORE_UNAVAILABLE, ErrorCode.ENDPOINT_UNAVAILABLE,
                ErrorCode.OUTPUT_WRITE_FAILED), retryable);
        List<ErrorCode> reupload = Arrays.stream(ErrorCode.values())
                .filter(e -> e.recovery() == ErrorCode.Recovery.UPLOAD_KEY).toList();
        assertEquals(List.of(ErrorCode.UNKNOWN_KEY, ErrorCode.KEY_HASH_MISMATCH), reupload);
        assertTrue(ErrorCode.fromCode("no_such_code").isEmpty());
    }

    @Test
    void everyStatusTheHttpLayerWritesHasACode() {
        assertEquals(ErrorCode.BAD_REQUEST, ErrorCode.forStatus(400));
        assertEquals(ErrorCode.HEADERS_TOO_LARGE, ErrorCode.forStatus(431));
        assertEquals(ErrorCode.BAD_REQUEST, ErrorCode.forStatus(414));
        assertEquals(ErrorCode.BUSY, ErrorCode.forStatus(503));
        assertEquals(ErrorCode.INTERNAL, ErrorCode.forStatus(500));
        assertEquals(ErrorCode.NOT_FOUND, ErrorCode.forStatus(404));
    }

    @Test
    void theManifestsModelIdFieldIsTheRecordComponent() {
        // The publish function reads the model id by this name from manifest.json (Jackson writes
        // record components under their names).
        assertTrue(Arrays.stream(Manifest.class.getRecordComponents())
                .anyMatch(c -> c.getName().equals(Manifest.MODEL_ID_FIELD)));
    }

    @Test
    void idsAreLowercaseSha256Hex() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Ids.sha256(new byte[0]));
        assertTrue(Ids.isId(MODEL));
        assertTrue(!Ids.isId(MODEL.substring(1)) && !Ids.isId(null) && !Ids.isId(MODEL.toUpperCase()));
        assertTrue(Ids.isRequestId("abc-1.2:3_x") && !Ids.isRequestId("a b") && !Ids.isRequestId("x".repeat(129)));
        assertEquals("0123456789ab", Ids.shortId(MODEL));
        assertEquals("-", Ids.shortId(null));
    }
}
