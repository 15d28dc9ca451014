package dev.fheml.cli;

import dev.fheml.client.FheClient;
import dev.fheml.client.FheClientException;
import dev.fheml.client.KeyStore;
import dev.fheml.core.FheParameters;
import dev.fheml.local.LocalStack;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.training.compile.ParameterChoice;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Where a client command sends its encrypted queries: a local stack started for the occasion
 * ({@code --local}), or a SageMaker async endpoint ({@code --endpoint --bucket --region}), possibly
 * behind endpoint overrides (a stack started by {@code fhe-ml serve --local}). Shared by
 * {@code predict}, {@code smoke-test} and {@code keygen}.
 */
final class TargetOptions {
    @Option(names = "--local", description = "Start a local stack (s3proxy, inference server, async invoker) for the model.")
    boolean local;

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "--local: folder with server.zip and client.zip (default: the demo's MNIST model, trained if missing).")
    Path modelDir;

    @Option(names = "--client-zip", paramLabel = "FILE", description = "The model's client.zip on this machine.")
    Path clientZip;

    @Option(names = "--model-id", paramLabel = "ID",
            description = "Fetch client.zip from s3://BUCKET/client/ID/client.zip and require that model id.")
    String modelId;

    @Option(names = "--endpoint", paramLabel = "NAME", description = "SageMaker endpoint name (default: ${DEFAULT-VALUE}).")
    String endpoint = "fhe-ml-endpoint";

    @Option(names = "--bucket", paramLabel = "BUCKET", description = "The exchange bucket (keys/, queries/, results/, failures/, client/).")
    String bucket;

    @Option(names = "--region", paramLabel = "REGION", description = "AWS region (default: the SDK's default chain).")
    String region;

    @Option(names = "--s3-endpoint", paramLabel = "URL", description = "S3 endpoint override (e.g. a stack from 'fhe-ml serve --local').")
    URI s3Endpoint;

    @Option(names = "--sagemaker-endpoint", paramLabel = "URL", description = "SageMaker runtime endpoint override.")
    URI sageMakerEndpoint;

    @Option(names = "--notification-queue", paramLabel = "URL",
            description = "SQS queue subscribed to the endpoint's success/error SNS topics: results are picked up when"
                    + " notified instead of by polling S3 (one queue per client process).")
    String notificationQueue;

    @Option(names = "--sqs-endpoint", paramLabel = "URL", description = "SQS endpoint override.")
    URI sqsEndpoint;

    @Option(names = "--fips", description = "Use AWS's FIPS endpoints for S3, SQS and the SageMaker runtime"
            + " (US and GovCloud regions).")
    boolean fips;

    @Option(names = "--key-store", paramLabel = "DIR", description = "Key store folder (default: $FHEML_KEY_STORE or ~/.fhe-ml/keys).")
    Path keyStore;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Deadline per request (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds = 900;

    @Option(names = "--client-id", paramLabel = "ID", description = "Folder under queries/ for this client's requests (default: the user name).")
    String clientId;

    /** A connected client, and the local stack behind it when {@code --local}; close both with this. */
    record Session(FheClient client, LocalStack stack) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            if (stack != null) {
                stack.close();
            }
        }
    }

    Path keyStoreRoot() {
        return keyStore != null ? keyStore : KeyStore.defaultRoot();
    }

    /** The folder of the model served by {@code --local}. */
    Path localModelDir(PrintStream log) throws IOException {
        return localModelDir(modelDir, log);
    }

    /** {@code modelDir}, checked, or the demo's MNIST model (trained first if missing). */
    static Path localModelDir(Path modelDir, PrintStream log) throws IOException {
        if (modelDir != null) {
            if (!Files.isRegularFile(modelDir.resolve(ArtifactNames.SERVER_ZIP))
                    || !Files.isRegularFile(modelDir.resolve(ArtifactNames.CLIENT_ZIP))) {
                throw new IllegalArgumentException("--model-dir " + modelDir + " must hold server.zip and client.zip");
            }
            return modelDir;
        }
        return MnistModels.ensure(List.of(64), null, 1, ParameterChoice.AUTO, false, log).directory();
    }

    /** Opens the session: starts the local stack first when {@code --local}. */
    Session open(PrintStream log) throws IOException, FheClientException {
        if (local) {
            if (bucket != null || s3Endpoint != null || sageMakerEndpoint != null || modelId != null || clientZip != null
                    || notificationQueue != null || sqsEndpoint != null || fips) {
                throw new IllegalArgumentException("--local starts its own stack: drop --bucket, --s3-endpoint,"
                        + " --sagemaker-endpoint, --notification-queue, --sqs-endpoint, --fips, --model-id and --client-zip"
                        + " (use --model-dir to choose the model)");
            }
            Path dir = localModelDir(log);
            log.println("local stack: starting s3proxy, the inference server, the async invoker and SQS notifications for " + dir);
            LocalStack stack = LocalStack.start(LocalStack.Options.of(dir).withNotifications(true));
            try {
                FheClient.Builder b = stack.clientBuilder().keyStore(keyStoreRoot()).timeout(Duration.ofSeconds(timeoutSeconds));
                if (clientId != null) {
                    b.clientId(clientId);
                }
                return new Session(b.build(), stack);
            } catch (FheClientException | RuntimeException e) {
                stack.close();
                throw e;
            }
        }
        if (bucket == null) {
            throw new IllegalArgumentException("give --local, or --bucket (and --endpoint, --region) for a deployed endpoint");
        }
        if ((clientZip == null) == (modelId == null)) {
            throw new IllegalArgumentException("give exactly one of --client-zip FILE or --model-id ID");
        }
        FheClient.Builder b = FheClient.builder().bucket(bucket).endpointName(endpoint).region(region)
                .s3Endpoint(s3Endpoint).sageMakerEndpoint(sageMakerEndpoint).keyStore(keyStoreRoot())
                .notificationQueue(notificationQueue).sqsEndpoint(sqsEndpoint).timeout(Duration.ofSeconds(timeoutSeconds))
                .fipsEndpoints(fips);
        if (clientZip != null) {
            b.clientZip(clientZip);
        } else {
            b.clientZipFromS3(ExchangeLayout.clientZipObject(modelId)).expectedModelId(modelId);
        }
        if (clientId != null) {
            b.clientId(clientId);
        }
        return new Session(b.build(), null);
    }
}
