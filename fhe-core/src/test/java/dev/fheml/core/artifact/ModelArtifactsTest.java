package dev.fheml.core.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.DenseLayer;
import dev.fheml.core.FheParameters;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitCodec;
import dev.fheml.core.circuit.CircuitFormatException;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.InputEncoding;
import dev.fheml.core.circuit.Stage;
import dev.fheml.protocol.ArtifactNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelArtifactsTest {
    @TempDir
    Path dir;

    private static final long DELTA = 1L << 40;
    /** Distinctive weights, so a leak into client.zip is detectable. */
    private static final long[] WEIGHTS = {1234567, -7654321, 2345678, -8765432, 3456789, -9876543};

    private static Circuit circuit() {
        return new Circuit(FheParameters.byName(FheParameters.PBS_L1), 3, DELTA, List.of(
                new Stage.InputDense(new DenseLayer(3, 2, WEIGHTS, new long[] {11, 22}, DELTA)),
                new Stage.Compact(false, 32)));
    }

    private static ClientSpec spec(String modelId) {
        return new ClientSpec(FheParameters.byName(FheParameters.PBS_L1), modelId,
                new InputEncoding(new double[] {0, 0, 0}, new double[] {1, 1, 1}, 4), DELTA, DELTA,
                List.of("no", "yes"), new double[] {0.5, 0.5});
    }

    @Test
    void roundTripAndClientZipHoldsNoWeights() throws IOException {
        Circuit c = circuit();
        String id = CircuitCodec.modelId(c);
        Path server = dir.resolve("server.zip");
        Path client = dir.resolve("client.zip");
        ModelArtifacts.writeServer(server, c, Map.of("trainer", "test"));
        ModelArtifacts.writeClient(client, spec(id), List.of(new Sample(new double[] {0.1, 0.2, 0.3}, 1)), Map.of());

        ModelArtifacts.ServerModel s = ModelArtifacts.readServer(server);
        assertEquals(c, s.circuit());
        assertEquals(id, s.manifest().modelId());
        assertEquals("test", s.manifest().info().get("trainer"));
        ModelArtifacts.ClientModel m = ModelArtifacts.readClient(client);
        assertEquals(id, m.spec().modelId());
        assertEquals(1, m.samples().size());
        assertEquals(1, m.samples().get(0).expectedClass());

        try (ZipFile zip = new ZipFile(client.toFile())) {
            assertTrue(zip.getEntry(ArtifactNames.CIRCUIT_ENTRY) == null, "client.zip must not contain the circuit");
            StringBuilder all = new StringBuilder();
            zip.stream().forEach(e -> {
                try {
                    all.append(new String(zip.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            for (long w : WEIGHTS) {
                assertFalse(all.toString().contains(Long.toString(w)), "client.zip contains weight " + w);
            }
        }
    }

    @Test
    void mismatchesAreNamed() throws IOException {
        Circuit c = circuit();
        Path server = dir.resolve("server.zip");
        ModelArtifacts.writeServer(server, c, Map.of());

        // A tampered circuit no longer matches the manifest's id.
        byte[] tampered = new String(CircuitCodec.toJson(c), StandardCharsets.UTF_8)
                .replace("1234567", "1234568").getBytes(StandardCharsets.UTF_8);
        Path bad = rewrite(server, ArtifactNames.CIRCUIT_ENTRY, tampered);
        String msg = assertThrows(CircuitFormatException.class, () -> ModelArtifacts.readServer(bad)).getMessage();
        assertTrue(msg.contains("does not match the circuit's SHA-256"), msg);

        Path future = rewrite(server, ArtifactNames.MANIFEST_ENTRY, ("{\"formatVersion\":9,\"kind\":\"server\",\"parameters\":\""
                + FheParameters.PBS_L1 + "\",\"modelId\":\"" + CircuitCodec.modelId(c) + "\",\"info\":{}}")
                .getBytes(StandardCharsets.UTF_8));
        msg = assertThrows(CircuitFormatException.class, () -> ModelArtifacts.readServer(future)).getMessage();
        assertTrue(msg.contains("format version 9"), msg);

        msg = assertThrows(CircuitFormatException.class, () -> ModelArtifacts.readClient(server)).getMessage();
        assertTrue(msg.contains("'server' artifact, expected 'client'"), msg);

        Path client = dir.resolve("client.zip");
        ModelArtifacts.writeClient(client, spec("0".repeat(64)), List.of(), Map.of());
        Path mixed = rewrite(client, ArtifactNames.MANIFEST_ENTRY, ("{\"formatVersion\":1,\"kind\":\"client\",\"parameters\":\""
                + FheParameters.PBS_L1 + "\",\"modelId\":\"" + "1".repeat(64) + "\",\"info\":{}}").getBytes(StandardCharsets.UTF_8));
        msg = assertThrows(CircuitFormatException.class, () -> ModelArtifacts.readClient(mixed)).getMessage();
        assertTrue(msg.contains("does not match its client spec"), msg);

        Path garbage = dir.resolve("garbage.zip");
        Files.write(garbage, "not a zip".getBytes(StandardCharsets.UTF_8));
        assertThrows(CircuitFormatException.class, () -> ModelArtifacts.readServer(garbage));
    }

    private Path rewrite(Path zip, String entry, byte[] content) throws IOException {
        Path out = dir.resolve("rewritten-" + entry + "-" + zip.getFileName());
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ZipFile in = new ZipFile(zip.toFile()); ZipOutputStream z = new ZipOutputStream(buf)) {
            for (ZipEntry e : in.stream().toList()) {
                z.putNextEntry(new ZipEntry(e.getName()));
                z.write(e.getName().equals(entry) ? content : in.getInputStream(e).readAllBytes());
                z.closeEntry();
            }
        }
        try (OutputStream o = Files.newOutputStream(out)) {
            o.write(buf.toByteArray());
        }
        return out;
    }

    @Test
    void inputEncodingMatchesTheDocumentedRule() {
        InputEncoding e = new InputEncoding(new double[] {0, 10, 5}, new double[] {255, 20, 5}, 4);
        assertEquals("[0, 15, 0]", Arrays.toString(e.quantize(new double[] {-3, 99, 7})));
        assertEquals("[8, 8, 0]", Arrays.toString(e.quantize(new double[] {136, 15.2, 5})));
        assertThrows(IllegalArgumentException.class, () -> e.quantize(new double[] {Double.NaN, 0, 0}));
    }
}
