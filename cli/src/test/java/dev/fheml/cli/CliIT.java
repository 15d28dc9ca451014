package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.artifact.ModelArtifacts;
import dev.fheml.core.artifact.Sample;
import dev.fheml.core.artifact.TinyModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fhe-ml commands end to end, in process, through real local stacks (s3proxy, HTTP server, tfhe-rs). */
class CliIT {
    @TempDir
    static Path tmp;
    static TinyModel.Artifacts model;
    static Path keys;

    @BeforeAll
    static void model() throws IOException {
        model = TinyModel.write(tmp.resolve("model"));
        keys = tmp.resolve("keys");
    }

    /** Exit code, stdout and stderr of one command. */
    record Run(int exit, String out, String err) {}

    static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        int exit;
        try {
            exit = FheMl.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        Run r = new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        System.out.println("$ fhe-ml " + String.join(" ", args) + "  -> exit " + exit + "\n" + r.out() + r.err());
        return r;
    }

    @Test
    void smokeTestLocalPasses() {
        Run r = run("smoke-test", "--local", "--model-dir", model.dir().toString(), "--key-store", keys.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("smoke test PASSED: 8 of 8"), r.out());
    }

    @Test
    void smokeTestFailsAndExitsNonZeroWhenAPredictionIsWrong() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("wrong-expectations"));
        Files.copy(model.serverZip(), dir.resolve("server.zip"));
        ModelArtifacts.ClientModel c = ModelArtifacts.readClient(model.clientZip());
        List<Sample> wrong = new ArrayList<>(c.samples());
        Sample first = wrong.get(0);
        wrong.set(0, new Sample(first.features(), (first.expectedClass() + 1) % TinyModel.CLASSES));
        ModelArtifacts.writeClient(dir.resolve("client.zip"), c.spec(), wrong, Map.of("test", "wrong expectation"));
        Run r = run("smoke-test", "--local", "--model-dir", dir.toString(), "--key-store", keys.toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("FAIL") && r.out().contains("smoke test FAILED: 7 of 8"), r.out());
    }

    @Test
    void predictLocalDecryptsWhatThePlaintextModelPredicts() throws IOException {
        List<Sample> samples = ModelArtifacts.readClient(model.clientZip()).samples();
        Path csv = tmp.resolve("inputs.csv");
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", java.util.stream.IntStream.range(0, 64).mapToObj(i -> "f" + i).toList())); // header
        for (Sample s : samples) {
            lines.add(Arrays.stream(s.features()).mapToObj(v -> String.valueOf((int) v)).collect(Collectors.joining(",")));
        }
        Files.write(csv, lines);
        Run r = run("predict", "--local", "--model-dir", model.dir().toString(), "--key-store", keys.toString(), "--json",
                "--batch", "3", csv.toString());
        assertEquals(0, r.exit(), r.err());
        List<String> json = r.out().lines().filter(l -> l.startsWith("{")).toList();
        assertEquals(samples.size(), json.size(), r.out());
        ObjectMapper mapper = new ObjectMapper();
        for (int i = 0; i < samples.size(); i++) {
            JsonNode node = mapper.readTree(json.get(i));
            assertEquals(i, node.get("input").asInt());
            assertEquals(samples.get(i).expectedClass(), node.get("class_index").asInt(), "input " + i);
        }
    }

    @Test
    void predictBulkWritesEveryResultOnceAndResumesAPartialFile() throws IOException {
        List<Sample> samples = TinyModel.samples(ModelArtifacts.readServer(model.serverZip()).circuit(), 10, 5);
        Path csv = tmp.resolve("bulk-inputs.csv");
        Files.write(csv, samples.stream().map(s -> Arrays.stream(s.features()).mapToObj(v -> String.valueOf((int) v))
                .collect(Collectors.joining(","))).toList());
        Path out = tmp.resolve("bulk-out.jsonl");
        String[] args = {"predict", "--local", "--model-dir", model.dir().toString(), "--key-store", keys.toString(),
            "--bulk", "--output", out.toString(), "--batch", "4", "--in-flight", "2", csv.toString()};
        Run r = run(args);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("10 inputs, 0 already in") && r.err().contains("4 per request"), r.err());
        assertTrue(r.err().contains("10/10 done") && r.err().contains("ETA"), r.err());
        assertEveryInputOnce(out, samples);

        // Keep the first two results and half of a third, as an interrupted run leaves them.
        List<String> lines = Files.readAllLines(out);
        Files.writeString(out, lines.get(0) + "\n" + lines.get(1) + "\n" + lines.get(2).substring(0, 10));
        Run resumed = run(args);
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("10 inputs, 2 already in"), resumed.err());
        assertTrue(resumed.err().contains("bulk: 8 scored"), resumed.err());
        assertEveryInputOnce(out, samples);

        Run noOutput = run("predict", "--local", "--model-dir", model.dir().toString(), "--bulk", csv.toString());
        assertEquals(1, noOutput.exit());
        assertTrue(noOutput.err().contains("give --output OUT"), noOutput.err());
    }

    private static void assertEveryInputOnce(Path out, List<Sample> samples) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        int[] seen = new int[samples.size()];
        for (String line : Files.readAllLines(out)) {
            JsonNode node = mapper.readTree(line);
            int input = node.get("input").asInt();
            seen[input]++;
            assertEquals(samples.get(input).expectedClass(), node.get("class_index").asInt(), "input " + input);
        }
        assertTrue(Arrays.stream(seen).allMatch(n -> n == 1), "each input once: " + Arrays.toString(seen));
    }

    @Test
    void benchScaleMeasuresEachFleetSizeWithNoLostOrDuplicatedResult() throws IOException {
        JsonNode node = bench("scale.json", "scale", "--model", "tiny", "--servers", "1,2", "--images", "8");
        assertEquals(8, node.get("bootstraps_per_image").asInt());
        JsonNode runs = node.get("runs");
        assertEquals(2, runs.size());
        for (int i = 0; i < 2; i++) {
            JsonNode k = runs.get(i);
            assertEquals(i + 1, k.get("servers").asInt());
            assertEquals(0, k.get("lost_results").asInt(), k.toString());
            assertEquals(0, k.get("duplicate_deliveries").asInt(), k.toString());
            assertEquals(0, k.get("wrong_predictions").asInt(), k.toString());
            assertTrue(k.get("images_per_s").asDouble() > 0 && k.get("bound_images_per_s").asDouble() > 0, k.toString());
            assertEquals(i + 1, k.get("instances").size());
            int deliveries = 0;
            for (JsonNode instance : k.get("instances")) {
                deliveries += instance.get("deliveries").asInt();
                assertEquals(1, instance.get("key_expansions").asInt(), "each server expanded the key once: " + k);
            }
            assertEquals(8, deliveries, "one delivery per image: " + k);
        }
        assertEquals(1.0, runs.get(0).get("efficiency").asDouble(), 1e-9);
    }

    /** Runs {@code fhe-ml bench ARGS --json FILE}, which must exit 0, and reads the JSON it wrote. */
    private static JsonNode bench(String file, String... args) throws IOException {
        Path json = tmp.resolve(file);
        List<String> all = new ArrayList<>(List.of("bench"));
        all.addAll(List.of(args));
        all.addAll(List.of("--json", json.toString()));
        Run r = run(all.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return new ObjectMapper().readTree(json.toFile());
    }

    @Test
    void predictNamesTheLineOfABadInput() throws IOException {
        Path csv = tmp.resolve("short.csv");
        Files.writeString(csv, "1,2,3\n");
        Run r = run("predict", "--local", "--model-dir", model.dir().toString(), "--key-store", keys.toString(), csv.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("line 1: 3 values, the model takes 64"), r.err());
    }

    @Test
    void keygenOfflineWritesOwnerOnlyKeysOnceAndKeepsThem() throws IOException {
        Path store = tmp.resolve("keygen-store");
        Run first = run("keygen", "--client-zip", model.clientZip().toString(), "--key-store", store.toString());
        assertEquals(0, first.exit(), first.err());
        Path folder = store.resolve(model.modelId());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(folder.resolve("client.key"))));
        String keyId = Files.readString(folder.resolve("key-id")).trim();
        assertTrue(first.out().contains(keyId), first.out());
        Run second = run("keygen", "--client-zip", model.clientZip().toString(), "--key-store", store.toString());
        assertEquals(0, second.exit());
        assertTrue(second.out().contains("keys already exist (kept)") && second.out().contains(keyId), second.out());
    }

    @Test
    void clientCommandsNeedATarget() {
        Run r = run("smoke-test", "--model-id", model.modelId());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("give --local, or --bucket"), r.err());
    }

    /** The tabular example: the bundled breast-cancer CSV, trained as the SageMaker job does, served locally. */
    @Test
    void breastCancerTrainedAndServedLikeMnist() throws IOException {
        Path csv = Path.of("..", "data", "breast-cancer", "wdbc.csv");
        for (String model : List.of("logreg", "mlp")) {
            Path out = tmp.resolve("breast-cancer-" + model);
            List<String> args = new ArrayList<>(List.of("train", "--train", csv.toString(), "--out", out.toString(),
                    "-p", "model=" + model, "-p", "epochs=60", "-p", "batch_size=16", "-p", "learning_rate=0.01",
                    "-p", "input_bits=6", "-p", "weight_bits=6"));
            if (model.equals("mlp")) {
                args.addAll(List.of("-p", "hidden=16"));
            }
            Run t = run(args.toArray(String[]::new));
            assertEquals(0, t.exit(), t.err());
            assertTrue(t.out().contains("metric: accuracy_quantized="), t.out());
            Run r = run("smoke-test", "--local", "--model-dir", out.toString(), "--key-store", keys.toString());
            assertEquals(0, r.exit(), r.out() + r.err());
            assertTrue(r.out().contains("smoke test PASSED"), r.out());
        }
        Run bad = run("train", "--train", csv.toString(), "--out", tmp.resolve("bad").toString(), "-p", "modle=mlp");
        assertEquals(1, bad.exit());
        assertTrue(bad.err().contains("modle"), bad.err());
    }

    @Test
    void demoRunsThroughTheLocalStack() {
        // Logistic regression, 2 epochs: seconds to train; no bootstrap, so FHE must equal the simulator exactly.
        Run r = run("demo", "--model", "logreg", "--epochs", "2", "--samples", "3", "--key-store", keys.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("[5/5] report"), r.out());
        assertTrue(r.out().contains("agreement with the integer model 1.0000"), r.out());
    }

    @Test
    void benchServeReportsAnErrorFreeLoadRun() throws IOException {
        JsonNode node = bench("serve.json", "serve", "--requests", "8", "--concurrency", "3", "--clients", "2");
        assertEquals(8, node.get("requests").asInt());
        assertEquals(0, node.get("errors").asInt());
        assertEquals(0, node.get("wrong_predictions").asInt());
        assertEquals(2, node.at("/key_cache/downloads").asInt(), "one download per client key");
        assertTrue(node.at("/key_cache/within_limit_when_idle").asBoolean());
        assertTrue(node.get("peak_rss_bytes").asLong() > 0);
    }

    @Test
    void benchSoakSendsMixedTrafficWithNoUnexpectedError() throws IOException {
        JsonNode node = bench("soak.json", "soak", "--minutes", "0.3", "--clients", "2", "--sample-seconds", "2");
        assertEquals(0, node.get("unexpected_errors").asInt(), node.toString());
        assertTrue(node.get("good_requests").asLong() > 0 && node.get("bad_requests").asLong() > 0, node.toString());
        assertTrue(node.at("/rss/samples").asInt() >= 3, node.toString());
        assertTrue(node.at("/good_latency_ms/p99").asDouble() > 0, node.toString());
    }
}
