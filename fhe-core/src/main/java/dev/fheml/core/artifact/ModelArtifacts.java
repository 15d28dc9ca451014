package dev.fheml.core.artifact;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.circuit.Circuit;
import dev.fheml.core.circuit.CircuitCodec;
import dev.fheml.core.circuit.CircuitFormatException;
import dev.fheml.core.circuit.ClientSpec;
import dev.fheml.core.circuit.ClientSpecCodec;
import dev.fheml.protocol.ArtifactNames;
import dev.fheml.protocol.Ids;
import dev.fheml.protocol.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * {@code server.zip} (manifest + circuit) and {@code client.zip} (manifest + client spec + optional
 * smoke-test samples; never weights). Reading checks the format version, the kind, the parameter
 * set and that the model id matches the content, and says exactly what does not match. Zips are
 * read with size limits: they may come from an untrusted bucket.
 */
public final class ModelArtifacts {
    /** Largest entry read (a 784→256 circuit with full tables is a few MB of JSON). */
    public static final long MAX_ENTRY_BYTES = 128L << 20;
    private static final int MAX_ENTRIES = 16;
    private static final String CREATED_BY = "fhe-ml 0.1.0";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelArtifacts() {}

    public record ServerModel(Manifest manifest, Circuit circuit) {}

    public record ClientModel(Manifest manifest, ClientSpec spec, List<Sample> samples) {}

    public static void writeServer(Path zip, Circuit circuit, Map<String, Object> info) throws IOException {
        String id = CircuitCodec.modelId(circuit);
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, Manifest.SERVER, circuit.parameters().name(), id, Instant.now().toString(),
                CREATED_BY, info);
        write(zip, Map.of(ArtifactNames.MANIFEST_ENTRY, JSON.writeValueAsBytes(m), ArtifactNames.CIRCUIT_ENTRY, CircuitCodec.toJson(circuit)));
    }

    public static void writeClient(Path zip, ClientSpec spec, List<Sample> samples, Map<String, Object> info)
            throws IOException {
        Manifest m = new Manifest(Manifest.FORMAT_VERSION, Manifest.CLIENT, spec.parameters().name(), spec.modelId(), Instant.now().toString(),
                CREATED_BY, info);
        write(zip, Map.of(ArtifactNames.MANIFEST_ENTRY, JSON.writeValueAsBytes(m), ArtifactNames.CLIENT_SPEC_ENTRY, ClientSpecCodec.toJson(spec),
                ArtifactNames.SAMPLES_ENTRY, JSON.writeValueAsBytes(samples)));
    }

    public static ServerModel readServer(Path zip) throws IOException {
        try (InputStream in = Files.newInputStream(zip)) {
            return readServer(in, zip.toString());
        }
    }

    /** @throws CircuitFormatException naming the mismatch (version, kind, parameters, model id, missing entry) */
    public static ServerModel readServer(InputStream in, String source) throws IOException {
        Map<String, byte[]> entries = read(in, source);
        Manifest m = manifest(entries, Manifest.SERVER, source);
        Circuit circuit = CircuitCodec.fromJson(entry(entries, ArtifactNames.CIRCUIT_ENTRY, source));
        if (!circuit.parameters().name().equals(m.parameters())) {
            throw new CircuitFormatException(source + ": manifest says parameter set '" + m.parameters()
                    + "' but the circuit was compiled for '" + circuit.parameters().name() + "'");
        }
        String actual = CircuitCodec.modelId(circuit);
        if (!actual.equals(m.modelId())) {
            throw new CircuitFormatException(source + ": manifest model id " + m.modelId()
                    + " does not match the circuit's SHA-256 " + actual + " (modified or mixed-up artifact)");
        }
        return new ServerModel(m, circuit);
    }

    public static ClientModel readClient(Path zip) throws IOException {
        try (InputStream in = Files.newInputStream(zip)) {
            return readClient(in, zip.toString());
        }
    }

    public static ClientModel readClient(InputStream in, String source) throws IOException {
        Map<String, byte[]> entries = read(in, source);
        Manifest m = manifest(entries, Manifest.CLIENT, source);
        ClientSpec spec = ClientSpecCodec.fromJson(entry(entries, ArtifactNames.CLIENT_SPEC_ENTRY, source));
        if (!spec.modelId().equals(m.modelId()) || !spec.parameters().name().equals(m.parameters())) {
            throw new CircuitFormatException(source + ": manifest (model " + m.modelId() + ", " + m.parameters()
                    + ") does not match its client spec (model " + spec.modelId() + ", " + spec.parameters().name() + ")");
        }
        List<Sample> samples = entries.containsKey(ArtifactNames.SAMPLES_ENTRY)
                ? JSON.readValue(entries.get(ArtifactNames.SAMPLES_ENTRY), new TypeReference<List<Sample>>() {})
                : List.of();
        return new ClientModel(m, spec, samples);
    }

    private static Manifest manifest(Map<String, byte[]> entries, String kind, String source) throws IOException {
        Manifest m;
        try {
            m = JSON.readValue(entry(entries, ArtifactNames.MANIFEST_ENTRY, source), Manifest.class);
        } catch (IOException e) {
            throw new CircuitFormatException(source + ": unreadable manifest.json: " + e.getMessage(), e);
        }
        if (m.formatVersion() != Manifest.FORMAT_VERSION) {
            throw new CircuitFormatException(source + ": artifact format version " + m.formatVersion()
                    + " is not supported (this build reads " + Manifest.FORMAT_VERSION + ")");
        }
        if (!kind.equals(m.kind())) {
            throw new CircuitFormatException(source + ": this is a '" + m.kind() + "' artifact, expected '" + kind + "'");
        }
        if (!Ids.isId(m.modelId())) {
            throw new CircuitFormatException(source + ": manifest model id is not a SHA-256 hex string");
        }
        return m;
    }

    private static byte[] entry(Map<String, byte[]> entries, String name, String source) {
        byte[] bytes = entries.get(name);
        if (bytes == null) {
            throw new CircuitFormatException(source + ": missing " + name);
        }
        return bytes;
    }

    private static void write(Path zip, Map<String, byte[]> entries) throws IOException {
        Path tmp = Files.createTempFile(zip.toAbsolutePath().getParent(), ".artifact-", ".zip");
        try (OutputStream out = Files.newOutputStream(tmp); ZipOutputStream z = new ZipOutputStream(out)) {
            for (String name : entries.keySet().stream().sorted().toList()) {
                ZipEntry e = new ZipEntry(name);
                e.setTime(0); // reproducible bytes
                z.putNextEntry(e);
                z.write(entries.get(name));
                z.closeEntry();
            }
        }
        Files.move(tmp, zip, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static Map<String, byte[]> read(InputStream in, String source) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (ZipInputStream z = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                if (entries.size() >= MAX_ENTRIES) {
                    throw new CircuitFormatException(source + ": more than " + MAX_ENTRIES + " entries");
                }
                if (e.isDirectory()) {
                    continue;
                }
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                byte[] chunk = new byte[65536];
                long total = 0;
                for (int n; (n = z.read(chunk)) > 0; ) {
                    total += n;
                    if (total > MAX_ENTRY_BYTES) {
                        throw new CircuitFormatException(source + ": entry " + e.getName() + " exceeds "
                                + MAX_ENTRY_BYTES + " bytes");
                    }
                    buf.write(chunk, 0, n);
                }
                if (entries.put(e.getName(), buf.toByteArray()) != null) {
                    throw new CircuitFormatException(source + ": duplicate entry " + e.getName());
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new CircuitFormatException(source + ": not a valid zip: " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw new CircuitFormatException(source + ": empty or not a zip file");
        }
        return entries;
    }
}
