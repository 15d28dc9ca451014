package dev.fheml.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.ClientKey;
import dev.fheml.core.CompactBatch;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheParameters;
import dev.fheml.core.GlweBatch;
import dev.fheml.core.SizeLimits;
import dev.fheml.core.artifact.Folders;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.TinyModel;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitSimulator;
import dev.fheml.protocol.Envelope;
import dev.fheml.protocol.ExchangeLayout;
import dev.fheml.protocol.HostingContract;
import dev.fheml.protocol.Ids;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.SplittableRandom;
import org.gaul.s3proxy.junit.S3ProxyJunitCore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real inference server for the server's own tests: a real S3 API (s3proxy) holding the keys, the
 * tiny model on disk, a client key whose evaluation key is uploaded, and a real HTTP client. Requests
 * are built and responses decrypted here, so a test checks what the server computed, not only its
 * status codes.
 */
final class TestServer implements AutoCloseable {
    static final String BUCKET = "test-exchange";
    private static final ObjectMapper JSON = new ObjectMapper();

    final S3ProxyJunitCore s3proxy;
    final S3Client s3;
    final Path modelDir;
    final Circuit circuit;
    final FheParameters parameters;
    final ClientKey clientKey;
    final String keyId;
    final String modelId;
    final ServerConfig config;
    final InferenceServer server;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestServer(S3ProxyJunitCore s3proxy, S3Client s3, Path modelDir, String modelId, Circuit circuit,
            ClientKey clientKey, String keyId, ServerConfig config, InferenceServer server) {
        this.s3proxy = s3proxy;
        this.s3 = s3;
        this.modelDir = modelDir;
        this.circuit = circuit;
        this.parameters = circuit.parameters();
        this.clientKey = clientKey;
        this.keyId = keyId;
        this.modelId = modelId;
        this.config = config;
        this.server = server;
    }

    /** Starts everything; {@code tune} adjusts the server's configuration (limits, concurrency...). */
    static TestServer start(java.util.function.UnaryOperator<ServerConfig.Builder> tune) throws Exception {
        S3ProxyJunitCore proxy = new S3ProxyJunitCore.Builder().withCredentials("test-access", "test-secret")
                .ignoreUnknownHeaders().build();
        proxy.beforeEach();
        S3Client s3 = s3Client(proxy);
        s3.createBucket(b -> b.bucket(BUCKET));
        Path dir = Files.createTempDirectory("fhe-ml-server-test-");
        TinyModel.Artifacts model = TinyModel.write(dir);
        Circuit circuit = ModelArtifacts.readServer(model.serverZip()).circuit();
        ClientKey key = ClientKey.generate(circuit.parameters());
        String keyId;
        try (EvaluationKey eval = key.evaluationKey()) {
            byte[] bytes = eval.toBytes();
            keyId = Ids.sha256(bytes);
            s3.putObject(b -> b.bucket(BUCKET).key(ExchangeLayout.keyObject(model.modelId(), keyId)),
                    RequestBody.fromBytes(bytes));
        }
        ServerConfig.Builder b = ServerConfig.builder().host("127.0.0.1").port(0).modelDir(dir).keyBucket(BUCKET)
                .s3Endpoint(proxy.getUri()).region("us-east-1").credentials(proxy.getAccessKey(), proxy.getSecretKey())
                .concurrency(2).shutdownGrace(Duration.ofSeconds(20));
        ServerConfig config = tune.apply(b).build();
        InferenceServer server = InferenceServer.start(config);
        if (!server.awaitReady(Duration.ofMinutes(1))) {
            throw new IllegalStateException("the server did not load the tiny model");
        }
        return new TestServer(proxy, s3, dir, model.modelId(), circuit, key, keyId, config, server);
    }

    static TestServer start() throws Exception {
        return start(b -> b);
    }

    private static S3Client s3Client(S3ProxyJunitCore proxy) {
        return S3Client.builder().endpointOverride(proxy.getUri()).forcePathStyle(true).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(proxy.getAccessKey(), proxy.getSecretKey())))
                .build();
    }

    /** A new client of the S3 API, for a component that closes what it is given. */
    S3Client newS3Client() {
        return s3Client(s3proxy);
    }

    /** A request envelope for {@code inputs} (values 0..3) under this test's key. */
    byte[] request(long[][] inputs) {
        try (GlweBatch in = clientKey.encrypt(inputs, circuit.inputDelta())) {
            return Envelope.request(modelId, keyId, inputs.length, in.toBytes()).toBytes();
        }
    }

    /** A random valid input of the tiny model. */
    long[] randomInput(long seed) {
        return new SplittableRandom(seed).ints(circuit.inputLength(), 0, 4).asLongStream().toArray();
    }

    /** The decrypted outputs of a 200 response. */
    long[][] decrypt(byte[] response, int count) {
        Envelope e = Envelope.parse(response, Envelope.Kind.RESPONSE, SizeLimits.CIPHERTEXT_BATCH);
        if (!e.modelId().equals(modelId) || !e.keyId().equals(keyId) || e.count() != count) {
            throw new AssertionError("response for another request: " + e);
        }
        try (CompactBatch out = CompactBatch.fromBytes(parameters, e.payload(), SizeLimits.CIPHERTEXT_BATCH)) {
            return clientKey.decrypt(out, circuit.outputDelta());
        }
    }

    /** What the circuit computes on {@code input}, exactly. */
    long[] expected(long[] input) {
        return CircuitSimulator.of(circuit).evaluate(input);
    }

    HttpResponse<byte[]> post(byte[] body) throws IOException, InterruptedException {
        return post(server.uri(), body);
    }

    HttpResponse<byte[]> post(URI uri, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri.resolve(HostingContract.INVOCATIONS))
                .header("Content-Type", HostingContract.ENVELOPE_CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Status and body of a raw HTTP exchange. */
    record RawResponse(int status, byte[] body) {}

    /**
     * Sends a POST's headers only, declaring {@code contentLength} body bytes that never follow, and
     * reads the answer: what a server that refuses on the Content-Length alone must answer without
     * reading the body. (Through a client that uploads the body, the answer races an upload the server
     * will not read, and the connection's close can swallow it.)
     */
    RawResponse postHeadersOnly(long contentLength) throws IOException {
        URI uri = server.uri();
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(20_000);
            String head = "POST " + HostingContract.INVOCATIONS + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
                    + "Content-Type: " + HostingContract.ENVELOPE_CONTENT_TYPE + "\r\nContent-Length: " + contentLength
                    + "\r\n\r\n";
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream headers = new ByteArrayOutputStream();
            while (!headers.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the connection closed before the response headers ended: " + headers);
                }
                headers.write(b);
            }
            String[] lines = headers.toString(StandardCharsets.US_ASCII).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            int length = -1;
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
            return new RawResponse(status, body);
        }
    }

    HttpClient http() {
        return http;
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(server.uri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code error} code of a JSON error body. */
    static String errorCode(byte[] body) throws IOException {
        JsonNode node = JSON.readTree(body);
        if (!node.path(HostingContract.MESSAGE_FIELD).isTextual()) {
            throw new AssertionError("error body without a message: " + new String(body));
        }
        return node.path(HostingContract.ERROR_FIELD).asText();
    }

    void putKey(String modelId, String keyId, byte[] bytes) {
        s3.putObject(b -> b.bucket(BUCKET).key(ExchangeLayout.keyObject(modelId, keyId)), RequestBody.fromBytes(bytes));
    }

    @Override
    public void close() {
        server.close();
        clientKey.close();
        s3.close();
        s3proxy.afterEach();
        Folders.deleteQuietly(modelDir);
    }
}
