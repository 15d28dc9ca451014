package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResultNotificationsTest {
    private static final String SUCCESS = "{\"awsRegion\":\"us-east-1\",\"eventTime\":\"2026-01-25T22:46:00.608Z\","
            + "\"receivedTime\":\"2026-01-25T22:46:00.455Z\",\"invocationStatus\":\"Completed\",\"requestParameters\":"
            + "{\"contentType\":\"application/octet-stream\",\"endpointName\":\"e\",\"inputLocation\":\"s3://b/queries/c/1\"},"
            + "\"responseParameters\":{\"contentType\":\"application/octet-stream\",\"outputLocation\":\"s3://b/results/1.out\"},"
            + "\"inferenceId\":\"1\",\"eventVersion\":\"1.0\",\"eventSource\":\"aws:sagemaker\",\"eventName\":\"InferenceResult\"}";

    @Test
    void rawDelivery() {
        ResultNotifications.Notification n = ResultNotifications.parse(SUCCESS);
        assertEquals("1", n.inferenceId());
        assertTrue(n.success());
        assertEquals("s3://b/results/1.out", n.outputLocation());
    }

    @Test
    void snsEnvelope() {
        String quoted = SUCCESS.replace("\\", "\\\\").replace("\"", "\\\"");
        String failed = quoted.replace("Completed", "Failed").replace("\\\"responseParameters\\\"",
                "\\\"failureReason\\\":\\\"ClientError: 409\\\",\\\"responseParameters\\\"");
        ResultNotifications.Notification n = ResultNotifications.parse(
                "{\"Type\":\"Notification\",\"MessageId\":\"m\",\"TopicArn\":\"arn:aws:sns:us-east-1:1:t\",\"Message\":\""
                        + failed + "\"}");
        assertEquals("1", n.inferenceId());
        assertFalse(n.success());
        assertEquals("ClientError: 409", n.failureReason());
    }

    @Test
    void anythingElseIsIgnored() {
        assertNull(ResultNotifications.parse("not json"));
        assertNull(ResultNotifications.parse("{\"Type\":\"SubscriptionConfirmation\",\"Message\":\"hello\"}"));
        assertNull(ResultNotifications.parse("{\"inferenceId\": 5}"));
        assertNull(ResultNotifications.parse("{\"a\":\"" + "x".repeat(70_000) + "\"}"));
        assertNull(ResultNotifications.parse(null));
    }
}
