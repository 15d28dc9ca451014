package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.DenseLayer;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.ServerContext;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitEvaluator;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.core.circuit.Stage;
import dev.fheml.protocol.Envelope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The session's request and response handling with real keys and a real engine evaluation in
 * between (what the server would do): outputs equal the plaintext simulation, and a response that
 * is not for this request is refused with the right exception.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EncryptionSessionTest {
    private TinyModel.Artifacts model;
    private Circuit circuit;
    private EncryptionSession session;
    private Path keys;

    @BeforeAll
    void open() throws Exception {
        model = TinyModel.write(Files.createTempDirectory("fhe-ml-session-model-"));
        circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        keys = Files.createTempDirectory("fhe-ml-session-keys-");
        session = EncryptionSession.open(ModelArtifacts.readClient(model.clientZip()), new KeyStore(keys));
    }

    @AfterAll
    void close() {
        session.close();
    }

    /** What the server does with a request envelope. */
    private byte[] serve(byte[] request) throws Exception {
        return serve(request, circuit);
    }

    private byte[] serve(byte[] request, Circuit circuit) throws Exception {
        Envelope in = Envelope.parse(request, Envelope.Kind.REQUEST, SizeLimits.CIPHERTEXT_BATCH);
        FheParameters p = circuit.parameters();
        try (EvaluationKey eval = EvaluationKey.fromBytes(p, session.evaluationKeyBytes(), SizeLimits.EVALUATION_KEY);
                ServerContext server = ServerContext.expand(eval, 1);
                GlweBatch batch = GlweBatch.fromBytes(p, in.payload(), SizeLimits.CIPHERTEXT_BATCH);
                CompactBatch out = CircuitEvaluator.evaluate(circuit, server, batch)) {
            return Envelope.response(in.modelId(), in.keyId(), in.count(), out.toBytes()).toBytes();
        }
    }

    /** A server running another circuit under the same model id: outputs past the range are refused. */
    @Test
    void outputsOutsideTheCompiledRangeAreRefusedNotClassified() throws Exception {
        List<Stage> stages = new ArrayList<>(circuit.stages());
        DenseLayer last = ((Stage.LevelledDense) stages.get(2)).layer();
        long[] w = last.weights();
        for (int i = 0; i < w.length; i++) {
            w[i] *= 50;
        }
        long[] bias = last.bias();
        Arrays.fill(bias, 1000);
        stages.set(2, new Stage.LevelledDense(new DenseLayer(last.inputs(), last.outputs(), w, bias, last.delta())));
        Circuit other = new Circuit(circuit.parameters(), circuit.inputLength(), circuit.inputDelta(), stages);
        long[][] x = {session.spec().quantize(session.samples().get(0).features())};
        InvalidResultException e = assertThrows(InvalidResultException.class,
                () -> session.decryptResponse(serve(session.encryptRequest(x), other), 1));
        assertTrue(e.getMessage().contains("outside its compiled range"), e.getMessage());
    }

    @Test
    void aRoundTripDecryptsToTheSimulatedOutputs() throws Exception {
        List<Sample> samples = session.samples();
        long[][] x = samples.stream().limit(3).map(s -> session.spec().quantize(s.features())).toArray(long[][]::new);
        byte[] request = session.encryptRequest(x);
        Envelope envelope = Envelope.parse(request, Envelope.Kind.REQUEST, SizeLimits.CIPHERTEXT_BATCH);
        assertEquals(session.modelId(), envelope.modelId());
        assertEquals(session.keyId(), envelope.keyId());
        assertEquals(3, envelope.count());
        long[][] out = session.decryptResponse(serve(request), 3);
        CircuitSimulator sim = CircuitSimulator.of(circuit);
        for (int q = 0; q < 3; q++) {
            assertArrayEquals(sim.evaluate(x[q]), out[q], "query " + q);
            assertEquals(samples.get(q).expectedClass(), session.spec().decode(out[q]).classIndex());
        }
    }

    @Test
    void aResponseForAnotherRequestIsRefused() throws Exception {
        long[][] x = {session.spec().quantize(session.samples().get(0).features())};
        byte[] response = serve(session.encryptRequest(x));
        assertThrows(TransportException.class, () -> session.decryptResponse(response, 2), "count differs");
        Envelope r = Envelope.parse(response, Envelope.Kind.RESPONSE, SizeLimits.CIPHERTEXT_BATCH);
        byte[] otherModel = Envelope.response("0".repeat(64), r.keyId(), 1, r.payload()).toBytes();
        assertThrows(ModelMismatchException.class, () -> session.decryptResponse(otherModel, 1));
        byte[] otherKey = Envelope.response(r.modelId(), "1".repeat(64), 1, r.payload()).toBytes();
        assertThrows(TransportException.class, () -> session.decryptResponse(otherKey, 1));
        TransportException garbled = assertThrows(TransportException.class,
                () -> session.decryptResponse(new byte[] {1, 2, 3}, 1));
        assertTrue(garbled.getMessage().contains("not a response envelope"), garbled.getMessage());
        byte[] request = session.encryptRequest(x);
        assertThrows(TransportException.class, () -> session.decryptResponse(request, 1), "a request is not a response");
    }

    @Test
    void batchesOutsideTheEnvelopesBoundsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> session.encryptRequest(new long[0][]));
        assertThrows(IllegalArgumentException.class, () -> session.encryptRequest(new long[Envelope.MAX_COUNT + 1][]));
    }

    @Test
    void theKeysPersistAcrossSessions() throws Exception {
        try (EncryptionSession again = EncryptionSession.open(ModelArtifacts.readClient(model.clientZip()),
                new KeyStore(keys))) {
            assertEquals(session.keyId(), again.keyId());
        }
    }
}
