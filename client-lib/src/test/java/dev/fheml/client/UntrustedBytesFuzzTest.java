package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.EnvelopeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * What the client reads from the exchange bucket, on arbitrary bytes: response envelopes with their
 * compact ciphertexts, failure objects, and a published {@code client.zip}. Each is refused with its
 * documented exception or, for a failure body, read into an {@link InferenceFailedException}; nothing
 * else escapes. Regression inputs under {@code UntrustedBytesFuzzTestInputs/}; fuzzing mode:
 * {@code ./mvnw -Pfuzz -pl client-lib test -Dtest='UntrustedBytesFuzzTest#compactResponses'}.
 */
class UntrustedBytesFuzzTest {
    private static final FheParameters L1 = FheParameters.byName(FheParameters.PBS_L1);

    @FuzzTest(maxDuration = "2m")
    void compactResponses(byte[] data) {
        try {
            Envelope e = Envelope.parse(data, Envelope.Kind.RESPONSE, SizeLimits.CIPHERTEXT_BATCH);
            try (CompactBatch batch = CompactBatch.fromBytes(L1, e.payload(), SizeLimits.CIPHERTEXT_BATCH)) {
                batch.width();
            }
        } catch (EnvelopeException | FheException expected) {
            // not a response this client can read
        }
    }

    @FuzzTest(maxDuration = "2m")
    void failureBodies(byte[] data) {
        assertNotNull(FailureBody.parse("fuzz", data).code());
    }

    @FuzzTest(maxDuration = "2m")
    void clientZip(byte[] data) {
        try {
            ModelArtifacts.readClient(new ByteArrayInputStream(data), "fuzz");
        } catch (IOException | FheException expected) {
            // not a client.zip of this build
        }
    }
}
