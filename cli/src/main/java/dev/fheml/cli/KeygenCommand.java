package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.client.KeyStore;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.protocol.ExchangeLayout;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fhe-ml keygen}: makes (or shows) this machine's keys for a model in the key store. With
 * only {@code --client-zip} it works offline; with a bucket (or {@code --upload}) it also uploads
 * the public evaluation key to {@code keys/<model-id>/<key-id>} (once: content-addressed).
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Generate the client's keys for a model (secret key stays in the key store); optionally upload the evaluation key.")
final class KeygenCommand implements Callable<Integer> {
    @Mixin
    TargetOptions target;

    @Option(names = "--upload", description = "Upload the evaluation key to the exchange bucket (implied by --bucket or --local).")
    boolean upload;

    @Option(names = "--rotate", description = "Make new keys (a new key id) for the model; the old ones are kept,"
            + " retired, until --remove-retired.")
    boolean rotate;

    @Option(names = "--remove-retired", description = "Delete the model's retired keys (results still encrypted"
            + " under them become unreadable).")
    boolean removeRetired;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (rotate || removeRetired) {
            rotateOrPrune(out);
            if (!target.local && target.bucket == null) {
                return 0;
            }
        }
        if (!target.local && target.bucket == null) {
            if (upload) {
                throw new IllegalArgumentException("--upload needs --bucket (and --endpoint, --region) or --local");
            }
            if (target.clientZip == null) {
                throw new IllegalArgumentException("give --client-zip FILE (offline), or --bucket with --model-id/--client-zip");
            }
            ClientSpec spec = ModelArtifacts.readClient(target.clientZip).spec();
            KeyStore store = new KeyStore(target.keyStoreRoot());
            boolean existed = store.has(spec.modelId());
            if (!existed) {
                out.println("generating keys for model " + spec.modelId() + " (a few seconds) ...");
            }
            try (KeyStore.Keys keys = store.loadOrCreate(spec.modelId(), spec.parameters())) {
                report(out, existed, spec.modelId(), keys.keyId(), Files.size(keys.evaluationKeyFile()),
                        keys.evaluationKeyFile().getParent().toString());
            }
            return 0;
        }
        try (TargetOptions.Session session = target.open(out)) {
            FheClient client = session.client();
            report(out, false, client.modelId(), client.keyId(), Files.size(client.evaluationKeyFile()),
                    client.evaluationKeyFile().getParent().toString());
            out.println("uploading the evaluation key to " + ExchangeLayout.s3Uri(client.config().bucket(), ExchangeLayout.keyObject(client.modelId(), client.keyId()))
                    + "/" + client.keyId() + " (skipped when already there) ...");
            client.uploadEvaluationKey();
            out.println("done");
        }
        return 0;
    }

    /** --rotate / --remove-retired on the local key store, for the model of --client-zip or --model-id. */
    private void rotateOrPrune(PrintStream out) throws Exception {
        String modelId;
        FheParameters parameters;
        if (target.clientZip != null) {
            ClientSpec spec = ModelArtifacts.readClient(target.clientZip).spec();
            modelId = spec.modelId();
            parameters = spec.parameters();
        } else if (rotate) {
            throw new IllegalArgumentException("--rotate needs --client-zip FILE (the model's parameter set)");
        } else if (target.modelId != null) {
            modelId = target.modelId;
            parameters = null;
        } else {
            throw new IllegalArgumentException("--remove-retired needs --client-zip FILE or --model-id ID");
        }
        KeyStore store = new KeyStore(target.keyStoreRoot());
        if (rotate) {
            out.println("rotating the keys of model " + modelId + " (a few seconds) ...");
            Path old = store.rotate(modelId, parameters);
            out.println(old == null ? "  (there were no keys to retire)" : "  old keys retired to " + old);
            try (KeyStore.Keys keys = store.load(modelId, parameters)) {
                report(out, false, modelId, keys.keyId(), Files.size(keys.evaluationKeyFile()),
                        keys.evaluationKeyFile().getParent().toString());
            }
        }
        if (removeRetired) {
            out.println("removed " + store.removeRetired(modelId) + " retired key folder(s) of model " + modelId);
        }
    }

    private static void report(PrintStream out, boolean existed, String modelId, String keyId, long evalBytes, String folder) {
        out.println(existed ? "keys already exist (kept):" : "keys:");
        out.println("  model id        " + modelId);
        out.println("  key id          " + keyId + "  (SHA-256 of the evaluation key)");
        out.println("  folder          " + folder);
        out.println("  secret key      " + KeyStore.CLIENT_KEY + " (owner-only; never leaves this machine)");
        out.printf("  evaluation key  %s (public, %.1f MB; uploaded once to keys/<model-id>/<key-id>)%n",
                KeyStore.EVALUATION_KEY, evalBytes / 1e6);
    }
}
