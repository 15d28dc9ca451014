package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.client.FheClient;
import dev.fheml.core.artifact.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/** A server restart loses no acknowledged request: the invoker retries, or the failure says why and the client resubmits. */
class RestartIT {
    @Test
    void requestsAcknowledgedBeforeARestartComplete() throws Exception {
        LocalStack.Options options = LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(2, 2);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("restart").build()) {
            client.uploadEvaluationKey();
            List<Sample> samples = client.samples();
            long acceptedBefore = stack.invoker().accepted();
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Sample s = samples.get(i % samples.size());
                results.add(pool.submit(() -> client.predict(s.features()).classIndex()));
            }
            while (stack.invoker().accepted() < acceptedBefore + 6) {
                Thread.sleep(5);
            }
            stack.stopServer(); // graceful: requests in flight finish, queued ones meet a closed port
            Thread.sleep(1500);
            stack.startServer(); // a fresh container: empty key cache
            for (int i = 0; i < 6; i++) {
                assertEquals(samples.get(i % samples.size()).expectedClass(), results.get(i).get(), "request " + i);
            }
            assertTrue(stack.invoker().retries() > 0, "some deliveries met the stopped server and were retried");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aRequestThatOutlivesTheRetryWindowFailsWithAReasonAndTheClientResubmits() throws Exception {
        LocalStack.Options options = LocalStack.Options.of(Fixtures.model().dir()).withRetryWindow(Duration.ofMillis(500));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (LocalStack stack = LocalStack.start(options);
                FheClient client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("resubmit")
                        .maxAttempts(10).build()) {
            client.uploadEvaluationKey();
            Sample s = client.samples().get(0);
            stack.stopServer();
            Future<Integer> result = pool.submit(() -> client.predict(s.features()).classIndex());
            List<S3Object> failures = List.of();
            for (int i = 0; i < 400 && failures.isEmpty(); i++) {
                Thread.sleep(25);
                failures = stack.s3().listObjectsV2(b -> b.bucket(stack.bucket()).prefix("failures/")).contents();
            }
            assertTrue(!failures.isEmpty(), "the invoker wrote a failure object");
            String key = failures.get(0).key();
            byte[] body = stack.s3().getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key)).asByteArray();
            assertEquals("endpoint_unavailable", new ObjectMapper().readTree(body).path("error").asText());
            stack.startServer();
            assertEquals(s.expectedClass(), result.get(), "the client resubmitted after endpoint_unavailable");
        } finally {
            pool.shutdownNow();
        }
    }
}
