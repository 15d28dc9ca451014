package dev.fheml.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.protocol.HostingContract;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SageMaker's success/error SNS topics with SQS subscriptions, on 127.0.0.1: a real SQS API
 * (ElasticMQ) with one queue per subscribed client. Every result is published to every queue,
 * wrapped in an SNS envelope as SNS delivers to SQS, with the fields of SageMaker's async
 * notification ({@code inferenceId}, {@code invocationStatus}, {@code responseParameters}, ...).
 */
public final class LocalNotifications implements AutoCloseable, LocalAsyncInvoker.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNotifications.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SQSRestServer server;
    private final URI endpoint;
    private final SqsClient sqs;
    private final String endpointName;
    private final List<String> queues = new CopyOnWriteArrayList<>();
    private final AtomicInteger names = new AtomicInteger();

    private LocalNotifications(SQSRestServer server, URI endpoint, SqsClient sqs, String endpointName) {
        this.server = server;
        this.endpoint = endpoint;
        this.sqs = sqs;
        this.endpointName = endpointName;
    }

    /** Starts the SQS API on a free port of 127.0.0.1. */
    static LocalNotifications start(String endpointName, String region, String accessKey, String secretKey)
            throws IOException {
        SQSRestServer server;
        int port;
        try {
            server = SQSRestServerBuilder.withInterface("127.0.0.1").withDynamicPort().withAWSRegion(region).start();
            port = server.waitUntilStarted().localAddress().getPort();
        } catch (RuntimeException e) {
            throw new IOException("cannot start the local SQS API (ElasticMQ): " + e.getMessage(), e);
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        SqsClient sqs = SqsClient.builder().endpointOverride(endpoint).region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
                .overrideConfiguration(o -> o.apiCallAttemptTimeout(LocalStack.S3_ATTEMPT_TIMEOUT)
                        .apiCallTimeout(LocalStack.S3_CALL_TIMEOUT)) // it only publishes: no long polls
                .build();
        return new LocalNotifications(server, endpoint, sqs, endpointName);
    }

    /** The SQS endpoint override for clients. */
    public URI endpoint() {
        return endpoint;
    }

    /** Creates a queue subscribed to both topics and returns its URL (give one to each client). */
    public String subscribe(String prefix) {
        String name = (prefix.replaceAll("[^A-Za-z0-9_-]", "_") + "-" + names.incrementAndGet());
        String url = sqs.createQueue(b -> b.queueName(name.substring(Math.max(0, name.length() - 80)))).queueUrl();
        queues.add(url);
        return url;
    }

    @Override
    public void completed(String inferenceId, String input, String output) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("contentType", HostingContract.ENVELOPE_CONTENT_TYPE);
        response.put("outputLocation", output);
        publish(notification(inferenceId, "Completed", input, response, null), "-success");
    }

    @Override
    public void failed(String inferenceId, String input, String failure, String reason) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("contentType", HostingContract.JSON_CONTENT_TYPE);
        response.put("failureLocation", failure);
        publish(notification(inferenceId, "Failed", input, response, reason), "-error");
    }

    private Map<String, Object> notification(String id, String status, String input, Map<String, Object> response,
            String reason) {
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("awsRegion", LocalStack.REGION);
        n.put("eventTime", Instant.now().toString());
        n.put("invocationStatus", status);
        if (reason != null) {
            n.put("failureReason", reason);
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("contentType", HostingContract.ENVELOPE_CONTENT_TYPE);
        request.put("endpointName", endpointName);
        request.put("inputLocation", input);
        n.put("requestParameters", request);
        n.put("responseParameters", response);
        n.put("inferenceId", id);
        n.put("eventVersion", "1.0");
        n.put("eventSource", "aws:sagemaker");
        n.put("eventName", "InferenceResult");
        return n;
    }

    private void publish(Map<String, Object> message, String topicSuffix) {
        String body;
        try {
            Map<String, Object> envelope = new LinkedHashMap<>();
            envelope.put("Type", "Notification");
            envelope.put("MessageId", UUID.randomUUID().toString());
            envelope.put("TopicArn", "arn:aws:sns:" + LocalStack.REGION + ":000000000000:" + endpointName + topicSuffix);
            envelope.put("Message", JSON.writeValueAsString(message));
            envelope.put("Timestamp", Instant.now().toString());
            body = JSON.writeValueAsString(envelope);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        for (String q : queues) {
            try {
                sqs.sendMessage(b -> b.queueUrl(q).messageBody(body));
            } catch (SdkException e) {
                LOG.warn("publishing a notification to {} failed: {}", q, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        sqs.close();
        try {
            server.stopAndWait();
        } catch (RuntimeException e) {
            LOG.warn("stopping the local SQS API: {}", e.toString());
        }
    }
}
