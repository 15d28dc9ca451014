package dev.fheml.local;

import dev.fheml.core.artifact.TinyModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shared, expensive test inputs: one tiny model and one key store per JVM (keys take seconds). */
public final class Fixtures {
    private static TinyModel.Artifacts model;
    private static Path keys;

    private Fixtures() {}

    /** The default tiny model (64 → 8 → 4, level-1 bootstrap), written once. */
    public static synchronized TinyModel.Artifacts model() {
        if (model == null) {
            try {
                model = TinyModel.write(Files.createTempDirectory("fhe-ml-it-model-"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return model;
    }

    /** A key store shared by tests that do not need distinct keys. */
    public static synchronized Path sharedKeyStore() {
        if (keys == null) {
            try {
                keys = Files.createTempDirectory("fhe-ml-it-keys-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return keys;
    }
}
