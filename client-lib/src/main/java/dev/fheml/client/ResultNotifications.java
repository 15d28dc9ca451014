package dev.fheml.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * SageMaker's async notifications, received from an SQS queue subscribed to the endpoint's
 * success and error SNS topics. One daemon thread long-polls the queue and completes the future
 * of the inference id each message names; the client still polls S3 rarely as a fallback, so a
 * lost or late notification costs latency, never a result. Every message received is deleted:
 * give each client process its own queue (SNS fans out to all of them).
 */
final class ResultNotifications implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultNotifications.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Notifications that arrive before their waiter (or for other clients): kept briefly, bounded. */
    private static final int EARLY_CAPACITY = 4096;
    /** Larger bodies are not SageMaker notifications (they are a few hundred bytes). */
    private static final int MAX_BODY_CHARS = 64 * 1024;

    /** One SageMaker async notification. */
    record Notification(String inferenceId, boolean success, String outputLocation, String failureLocation,
            String failureReason) {}

    private final SqsClient sqs;
    private final String queueUrl;
    private final int waitSeconds;
    private final Map<String, CompletableFuture<Notification>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Notification> early = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Notification> eldest) {
            return size() > EARLY_CAPACITY;
        }
    };
    private volatile boolean closed;
    private Thread poller;

    /** @param waitSeconds SQS long-poll wait (1..20): also how long {@link #close()} may leave a request in flight */
    ResultNotifications(SqsClient sqs, String queueUrl, int waitSeconds) {
        if (waitSeconds < 1 || waitSeconds > 20) {
            throw new IllegalArgumentException("the SQS wait must be 1..20 s, got " + waitSeconds);
        }
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.waitSeconds = waitSeconds;
    }

    /** A future completed when the notification for {@code inferenceId} arrives; call before invoking. */
    CompletableFuture<Notification> expect(String inferenceId) {
        CompletableFuture<Notification> f = new CompletableFuture<>();
        waiting.put(inferenceId, f);
        synchronized (early) {
            Notification n = early.remove(inferenceId);
            if (n != null) {
                f.complete(n);
            }
            if (poller == null && !closed) {
                poller = new Thread(this::run, "fhe-ml-notifications");
                poller.setDaemon(true);
                poller.start();
            }
        }
        return f;
    }

    void forget(String inferenceId) {
        waiting.remove(inferenceId);
    }

    private void run() {
        Backoff reconnect = Backoff.exponential(Duration.ofMillis(500), Duration.ofSeconds(30));
        while (!closed) {
            List<Message> messages;
            try {
                messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(10)
                        .waitTimeSeconds(waitSeconds)).messages();
                reconnect.reset();
            } catch (SdkException e) {
                if (closed) {
                    return;
                }
                long wait = reconnect.nextMillis();
                LOG.warn("receiving notifications from {} failed ({}); S3 polling continues, retrying in {} ms", queueUrl,
                        e.getMessage(), wait);
                sleep(wait);
                continue;
            }
            List<DeleteMessageBatchRequestEntry> done = new ArrayList<>();
            for (Message m : messages) {
                Notification n = parse(m.body());
                if (n != null) {
                    dispatch(n);
                }
                done.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(done.size()))
                        .receiptHandle(m.receiptHandle()).build());
            }
            if (!done.isEmpty()) {
                try {
                    sqs.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(done));
                } catch (SdkException e) {
                    // Undeleted messages come back after the visibility timeout: handled twice, harmlessly.
                    if (!closed) {
                        LOG.warn("deleting {} notifications failed: {}", done.size(), e.getMessage());
                    }
                }
            }
        }
    }

    private void dispatch(Notification n) {
        CompletableFuture<Notification> f = waiting.get(n.inferenceId());
        if (f != null) {
            f.complete(n);
            return;
        }
        synchronized (early) {
            // Re-check under the lock: expect() may have registered in between.
            f = waiting.get(n.inferenceId());
            if (f != null) {
                f.complete(n);
            } else {
                early.put(n.inferenceId(), n);
            }
        }
    }

    /**
     * The notification in an SQS body: an SNS envelope ({@code {"Type":"Notification","Message":"..."}})
     * or SNS raw delivery (the SageMaker JSON itself). {@code null} for anything else.
     */
    static Notification parse(String body) {
        if (body == null || body.length() > MAX_BODY_CHARS) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.path("Type").asText().equals("Notification") && node.path("Message").isTextual()) {
                node = JSON.readTree(node.path("Message").asText());
            }
            if (node == null || !node.path("inferenceId").isTextual()) {
                return null;
            }
            JsonNode response = node.path("responseParameters");
            return new Notification(node.path("inferenceId").asText(),
                    "Completed".equals(node.path("invocationStatus").asText()),
                    text(response, "outputLocation"), text(response, "failureLocation"), text(node, "failureReason"));
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isTextual() ? v.asText() : null;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops polling (the thread ends after its current long poll) and fails nobody: S3 polling still works. */
    @Override
    public void close() {
        closed = true;
        synchronized (early) {
            if (poller != null) {
                poller.interrupt();
            }
        }
    }
}
