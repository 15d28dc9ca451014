package dev.fheml.inference;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.ModelArtifacts;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * What the server reads from outside, on arbitrary bytes: request ciphertexts, evaluation keys
 * from the key store, and {@code server.zip}. Each is refused with its documented exception
 * ({@link FheException}: {@code invalid_ciphertext} / {@code invalid_key}; {@link IOException} for
 * the zip) and never with anything else: an {@link AssertionError} from the engine would be a caught
 * native panic, answered 500. Regression inputs under {@code UntrustedBytesFuzzTestInputs/}; fuzzing
 * mode: {@code ./mvnw -Pfuzz -pl inference-container test -Dtest='UntrustedBytesFuzzTest#ciphertexts'}.
 */
class UntrustedBytesFuzzTest {
    private static final FheParameters L1 = FheParameters.byName(FheParameters.PBS_L1);

    @FuzzTest(maxDuration = "2m")
    void ciphertexts(byte[] data) {
        try (GlweBatch batch = GlweBatch.fromBytes(L1, data, SizeLimits.CIPHERTEXT_BATCH)) {
            batch.count();
        } catch (FheException expected) {
            // invalid_ciphertext
        }
    }

    @FuzzTest(maxDuration = "2m")
    void evaluationKeys(byte[] data) {
        try (EvaluationKey key = EvaluationKey.fromBytes(L1, data, SizeLimits.EVALUATION_KEY)) {
            key.parameters();
        } catch (FheException expected) {
            // invalid_key
        }
    }

    @FuzzTest(maxDuration = "2m")
    void serverZip(byte[] data) {
        try {
            ModelArtifacts.readServer(new ByteArrayInputStream(data), "fuzz");
        } catch (IOException | FheException expected) {
            // not a server.zip of this build
        }
    }
}
