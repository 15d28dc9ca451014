package dev.fheml.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.client.FheClient;
import dev.fheml.client.InferenceFailedException;
import dev.fheml.client.ModelMismatchException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.Prediction;
import dev.fheml.protocol.ErrorCode;
import dev.fheml.protocol.ExchangeLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The client through the whole local serving path (S3 API, async invoker, HTTP server): what it
 * decrypts is what the circuit computes, and the server's failures reach it with their codes. The
 * server's own error table, limits and key cache are tested in inference-container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServingIT {
    private LocalStack stack;
    private FheClient client;
    private Circuit circuit;
    private List<Sample> samples;

    @BeforeAll
    void start() throws Exception {
        TinyModel.Artifacts model = Fixtures.model();
        stack = LocalStack.start(model.dir());
        client = stack.clientBuilder().keyStore(Fixtures.sharedKeyStore()).clientId("serving-it").build();
        circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        samples = client.samples();
    }

    @AfterAll
    void stop() {
        client.close();
        stack.close();
    }

    @Test
    void predictionsEqualThePlaintextCircuit() throws Exception {
        long[][] x = samples.stream().map(s -> client.spec().quantize(s.features())).toArray(long[][]::new);
        long[][] remote = client.evaluate(x);
        CircuitSimulator sim = CircuitSimulator.of(circuit);
        for (int q = 0; q < x.length; q++) {
            assertArrayEquals(sim.evaluate(x[q]), remote[q], "query " + q + ": endpoint vs plaintext simulation");
        }
        List<Prediction> predictions = client.predictBatch(samples.stream().map(Sample::features).toList());
        for (int i = 0; i < samples.size(); i++) {
            assertEquals(samples.get(i).expectedClass(), predictions.get(i).classIndex(), "sample " + i);
        }
        assertEquals(samples.get(0).expectedClass(), client.predict(samples.get(0).features()).classIndex());
    }

    @Test
    void theEvaluationKeyIsUploadedOnceUnderItsContentAddress() throws Exception {
        client.uploadEvaluationKey();
        String key = ExchangeLayout.keyObject(client.modelId(), client.keyId());
        byte[] stored = stack.s3().getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key)).asByteArray();
        assertArrayEquals(Files.readAllBytes(client.evaluationKeyFile()), stored);
    }

    @Test
    void aKeyObjectIsCreatedOnceAndNeverOverwritten() throws Exception {
        // The client uploads keys with If-None-Match: * (the deployed bucket policy requires it);
        // the local S3 API honours the condition as S3 does.
        String key = ExchangeLayout.keyObject(client.modelId(), "e".repeat(64));
        stack.s3().putObject(b -> b.bucket(stack.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromBytes(new byte[] {1}));
        S3Exception again = assertThrows(S3Exception.class, () -> stack.s3().putObject(
                b -> b.bucket(stack.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromBytes(new byte[] {2})));
        assertEquals(412, again.statusCode());
        assertArrayEquals(new byte[] {1},
                stack.s3().getObjectAsBytes(b -> b.bucket(stack.bucket()).key(key)).asByteArray());
    }

    @Test
    void theServersFailureReachesTheClientWithItsCode() throws Exception {
        Path otherDir = Files.createTempDirectory("fhe-ml-it-other-");
        TinyModel.Artifacts other = TinyModel.write(otherDir, FheParameters.PBS_L1, 64, 8, 99, 2);
        try (FheClient wrong = stack.clientBuilder().clientZip(other.clientZip()).keyStore(Fixtures.sharedKeyStore())
                .clientId("wrong-model").build()) {
            InferenceFailedException e = assertThrows(InferenceFailedException.class,
                    () -> wrong.predict(wrong.samples().get(0).features()));
            assertEquals(ErrorCode.MODEL_MISMATCH, e.code());
            assertTrue(e.getMessage().contains(stack.modelId()), "the message names the served model: " + e.getMessage());
        }
        ModelMismatchException mismatch = assertThrows(ModelMismatchException.class,
                () -> stack.clientBuilder().expectedModelId("0".repeat(64)).keyStore(Fixtures.sharedKeyStore()).build());
        assertTrue(mismatch.getMessage().contains("0".repeat(64)), mismatch.getMessage());
        assertEquals(samples.get(1).expectedClass(), client.predict(samples.get(1).features()).classIndex());
    }

    @Test
    void clientZipFromTheExchangeBucketBindsTheClientToThePublishedModel() throws Exception {
        Path keys = Files.createTempDirectory("fhe-ml-it-s3-zip-");
        try (FheClient fromS3 = stack.clientBuilder().clientZipFromS3(ExchangeLayout.clientZipObject(stack.modelId()))
                .expectedModelId(stack.modelId()).keyStore(keys).clientId("zip-from-s3").build()) {
            Sample s = fromS3.samples().get(0);
            assertEquals(s.expectedClass(), fromS3.predict(s.features()).classIndex());
        }
    }
}
