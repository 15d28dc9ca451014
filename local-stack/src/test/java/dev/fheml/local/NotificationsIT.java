package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.client.InferenceFailedException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Results announced through SageMaker-style SNS notifications on SQS (ElasticMQ). The clients poll
 * S3 only every 10 minutes here (first wait included), so a prediction that completes within the test's bound was woken
 * by its notification, not by a poll.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationsIT {
    private static final Duration RARE_POLLS = Duration.ofMinutes(10);
    private LocalStack stack;

    @BeforeAll
    void start() throws Exception {
        stack = LocalStack.start(LocalStack.Options.of(Fixtures.model().dir()).withNotifications(true));
    }

    @AfterAll
    void stop() {
        stack.close();
    }

    private FheClient client(String id) throws FheClientException {
        return stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId(id)
                .pollInterval(RARE_POLLS, RARE_POLLS).timeout(Duration.ofMinutes(20)).build();
    }

    @Test
    void successNotificationsWakeTheClient() throws Exception {
        try (FheClient a = client("notified-a"); FheClient b = client("notified-b")) {
            for (int i = 0; i < 3; i++) {
                for (FheClient c : new FheClient[] {a, b}) { // two queues: each sees all results, keeps its own
                    Sample s = c.samples().get(i);
                    long start = System.nanoTime();
                    assertEquals(s.expectedClass(), c.predict(s.features()).classIndex());
                    double seconds = (System.nanoTime() - start) / 1e9;
                    assertTrue(seconds < 120, "woken by the notification, not a 10-minute poll: " + seconds + " s");
                }
            }
        }
    }

    @Test
    void failureNotificationsCarryTheServersCode() throws Exception {
        Path otherDir = Files.createTempDirectory("fhe-ml-it-notified-other-");
        TinyModel.Artifacts other = TinyModel.write(otherDir, FheParameters.PBS_L1, 64, 8, 7, 2);
        try (FheClient wrong = stack.clientBuilder().clientZip(other.clientZip()).keyStore(Fixtures.sharedKeyStore())
                .clientId("notified-wrong").pollInterval(RARE_POLLS, RARE_POLLS).build()) {
            long start = System.nanoTime();
            InferenceFailedException e = assertThrows(InferenceFailedException.class,
                    () -> wrong.predict(wrong.samples().get(0).features()));
            assertEquals("model_mismatch", e.errorCode());
            assertTrue((System.nanoTime() - start) / 1e9 < 120, "woken by the error notification");
        }
    }
}
