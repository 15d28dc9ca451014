package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.protocol.ErrorCode;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FailureBodyTest {
    private static InferenceFailedException parse(String body) {
        return FailureBody.parse("inf-1", body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theServersOwnBody() {
        InferenceFailedException e = parse("{\"error\":\"model_mismatch\",\"message\":\"this endpoint serves model x\"}");
        assertEquals("model_mismatch", e.errorCode());
        assertEquals(ErrorCode.MODEL_MISMATCH, e.code());
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("this endpoint serves model x"), e.getMessage());
        assertEquals("inf-1", e.inferenceId());
    }

    @Test
    void aBodyQuotedInSageMakersText() {
        // Braces inside the message must not confuse the reader: it parses JSON, it does not cut text.
        InferenceFailedException e = parse("Received server error (503) from primary with message "
                + "\"{\"error\":\"busy\",\"message\":\"all {2} slots busy\"}\". See the logs.");
        assertEquals(ErrorCode.BUSY, e.code());
        assertTrue(e.retryable());
        assertTrue(e.getMessage().contains("all {2} slots busy"), e.getMessage());
    }

    @Test
    void aBodyInsideAJsonStringField() {
        InferenceFailedException e = parse("{\"ErrorCode\":\"ModelError\",\"Message\":"
                + "\"{\\\"error\\\":\\\"unknown_key\\\",\\\"message\\\":\\\"upload it first\\\"}\"}");
        assertEquals(ErrorCode.UNKNOWN_KEY, e.code());
        assertTrue(e.getMessage().contains("upload it first"), e.getMessage());
    }

    @Test
    void aCodeThisBuildDoesNotKnowIsKeptAsSent() {
        InferenceFailedException e = parse("{\"error\":\"brand_new_code\",\"message\":\"m\"}");
        assertEquals("brand_new_code", e.errorCode());
        assertEquals(ErrorCode.UNKNOWN, e.code());
        assertFalse(e.retryable());
    }

    @Test
    void plainTextIsReportedAsItIsAndShortened() {
        InferenceFailedException e = parse("the container crashed " + "x".repeat(2000));
        assertEquals(ErrorCode.UNKNOWN.code(), e.errorCode());
        assertTrue(e.getMessage().contains("the container crashed"), e.getMessage());
        assertTrue(e.getMessage().length() < 700, "shortened: " + e.getMessage().length());
    }

    @Test
    void jsonWithoutAnErrorFieldAndUnbalancedBracesAreUnknown() {
        assertEquals(ErrorCode.UNKNOWN, parse("{\"status\":\"failed\"}").code());
        assertEquals(ErrorCode.UNKNOWN, parse("{{{{{\"error\"").code());
        assertEquals(ErrorCode.UNKNOWN, parse("").code());
        assertEquals(ErrorCode.UNKNOWN, parse("{\"error\": 42}").code(), "the code must be a string");
    }

    @Test
    void aBodyMadeOfBracesIsReadQuickly() {
        long start = System.nanoTime();
        assertEquals(ErrorCode.UNKNOWN, parse("{".repeat(FailureBody.MAX_BYTES)).code());
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "bounded work on a hostile body");
    }
}
