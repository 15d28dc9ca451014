package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.FheClient;
import dev.fheml.client.KeyConflictException;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.Sample;
import dev.fheml.protocol.ExchangeLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The client heals its key in the exchange bucket: after the {@code keys/} expiry it uploads it again
 * and resubmits; when another key sits under its name (an overwrite old buckets allowed) it reports
 * a {@link KeyConflictException} that says what to do, instead of failing every request forever.
 */
class KeyRecoveryIT {
    @Test
    void anExpiredKeyIsUploadedAgainAndAnOverwrittenOneIsReportedClearly() throws Exception {
        Path keys = Files.createTempDirectory("fhe-ml-it-recovery-keys-");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.of(Fixtures.model().dir()).withConcurrency(1, 2));
                FheClient client = stack.clientBuilder().keyStore(keys).clientId("recovery").build()) {
            Sample sample = client.samples().get(0);
            assertEquals(sample.expectedClass(), client.predict(sample.features()).classIndex());
            String object = ExchangeLayout.keyObject(client.modelId(), client.keyId());

            // The 30-day expiry of keys/, and a fresh container (nothing cached).
            stack.s3().deleteObject(b -> b.bucket(stack.bucket()).key(object));
            stack.stopServer();
            stack.startServer();
            assertEquals(sample.expectedClass(), client.predict(sample.features()).classIndex(),
                    "unknown_key -> the key is uploaded again and the request resubmitted");
            assertTrue(stack.s3().headObject(b -> b.bucket(stack.bucket()).key(object)).contentLength() > 0);

            // Someone else's bytes under this key's name, in a bucket that allowed the overwrite.
            stack.s3().putObject(b -> b.bucket(stack.bucket()).key(object), RequestBody.fromBytes(new byte[] {1, 2, 3}));
            stack.stopServer();
            stack.startServer();
            KeyConflictException e = assertThrows(KeyConflictException.class, () -> client.predict(sample.features()));
            assertTrue(e.getMessage().contains(object) && e.getMessage().contains("delete"), e.getMessage());
        } finally {
            Folders.deleteQuietly(keys);
        }
    }
}
