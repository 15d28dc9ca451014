package dev.fheml.client;

import dev.fheml.core.CompactBatch;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.ModelArtifacts.ClientModel;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.OutputRangeException;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.EnvelopeException;
import dev.fheml.protocol.Ids;
import dev.fheml.protocol.Manifest;
import java.nio.file.Path;
import java.util.List;

/**
 * The client's cryptographic side of one model, with no I/O but the key store: the model binding
 * ({@code client.zip}: spec, model id, parameters), the keys, encryption of quantized inputs into a
 * request envelope, and decryption of a response envelope after checking that it answers this
 * model, this key and this many queries. Thread-safe. The secret key never leaves the session.
 */
public final class EncryptionSession implements AutoCloseable {
    private final ClientModel model;
    private final FheParameters parameters;
    private final KeyStore.Keys keys;

    private EncryptionSession(ClientModel model, FheParameters parameters, KeyStore.Keys keys) {
        this.model = model;
        this.parameters = parameters;
        this.keys = keys;
    }

    /** Loads the model's keys from {@code store}, generating them first (a few seconds) when there are none. */
    public static EncryptionSession open(ClientModel model, KeyStore store) throws KeyStoreException {
        FheParameters p = model.spec().parameters();
        return new EncryptionSession(model, p, store.loadOrCreate(model.spec().modelId(), p));
    }

    public String modelId() {
        return model.spec().modelId();
    }

    /** SHA-256 of the evaluation key: its object name under {@code keys/<model-id>/}. */
    public String keyId() {
        return keys.keyId();
    }

    public ClientSpec spec() {
        return model.spec();
    }

    public Manifest manifest() {
        return model.manifest();
    }

    /** Known inputs shipped in {@code client.zip} with their expected classes (smoke tests). */
    public List<Sample> samples() {
        return model.samples();
    }

    /** The public evaluation key in the key store. */
    public Path evaluationKeyFile() {
        return keys.evaluationKeyFile();
    }

    /** The serialized public evaluation key (what is uploaded). */
    public byte[] evaluationKeyBytes() throws KeyStoreException {
        return keys.evaluationKeyBytes();
    }

    /** A request envelope holding {@code quantized} (1 to {@link Envelope#MAX_COUNT} inputs) as one encrypted batch. */
    public byte[] encryptRequest(long[][] quantized) {
        if (quantized.length == 0 || quantized.length > Envelope.MAX_COUNT) {
            throw new IllegalArgumentException("a batch holds 1 to " + Envelope.MAX_COUNT + " inputs, got " + quantized.length);
        }
        try (GlweBatch query = keys.clientKey().encrypt(quantized, model.spec().inputDelta())) {
            return Envelope.request(modelId(), keyId(), quantized.length, query.toBytes()).toBytes();
        }
    }

    /**
     * The decrypted output integers ({@code [query][output]}) of a response envelope, each checked
     * against the range the model was compiled for. The results are the client's: they must never be
     * sent back to the server (the IND-CPA^D rule, docs/security.md).
     *
     * @throws ModelMismatchException the response is for another model
     * @throws InvalidResultException an output decrypted outside its compiled range (another key or
     *     model, an altered response, or a bounded failure): never turned into a class
     * @throws TransportException the bytes are not a response to this request
     */
    public long[][] decryptResponse(byte[] response, int count) throws FheClientException {
        Envelope envelope;
        try {
            envelope = Envelope.parse(response, Envelope.Kind.RESPONSE, SizeLimits.CIPHERTEXT_BATCH);
        } catch (EnvelopeException e) {
            throw new TransportException("the result object is not a response envelope: " + e.getMessage(), e);
        }
        if (!envelope.modelId().equals(modelId())) {
            throw new ModelMismatchException("the endpoint answered for model " + envelope.modelId()
                    + " but this client uses model " + modelId() + ": deploy or fetch the matching client.zip");
        }
        if (!envelope.keyId().equals(keyId()) || envelope.count() != count) {
            throw new TransportException("the result belongs to another request (key " + Ids.shortId(envelope.keyId())
                    + ", " + envelope.count() + " results)", null);
        }
        try (CompactBatch result = CompactBatch.fromBytes(parameters, envelope.payload(), SizeLimits.CIPHERTEXT_BATCH)) {
            if (result.count() != count || result.width() != model.spec().outputs()) {
                throw new TransportException("the result holds " + result.count() + "x" + result.width()
                        + " values, expected " + count + "x" + model.spec().outputs(), null);
            }
            long[][] outputs = keys.clientKey().decrypt(result, model.spec().outputDelta());
            for (long[] query : outputs) {
                model.spec().checkOutputs(query);
            }
            return outputs;
        } catch (OutputRangeException e) {
            throw new InvalidResultException(e.getMessage(), e);
        } catch (FheException e) {
            throw new TransportException("the result ciphertexts cannot be read: " + e.getMessage(), e);
        }
    }

    /** Frees the native secret key. */
    @Override
    public void close() {
        keys.close();
    }
}
