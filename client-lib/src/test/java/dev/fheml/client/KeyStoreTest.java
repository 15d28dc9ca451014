package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.Folders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The key store refuses a folder mixing two key pairs, and repairs or refuses a half-written one. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyStoreTest {
    private static final String MODEL = "ab".repeat(32);
    private final FheParameters p = FheParameters.byName(FheParameters.PBS_L1);
    private Path one;
    private Path two;

    @BeforeAll
    void twoPairs() throws Exception {
        one = Files.createTempDirectory("fhe-ml-keys-one-");
        two = Files.createTempDirectory("fhe-ml-keys-two-");
        new KeyStore(one).loadOrCreate(MODEL, p).close();
        new KeyStore(two).loadOrCreate(MODEL, p).close();
    }

    @AfterAll
    void delete() {
        Folders.deleteQuietly(one);
        Folders.deleteQuietly(two);
    }

    /** What a test does to a copy of a store (the copy is deleted afterwards). */
    private interface OnCopy {
        void run(Path store, Path folder) throws Exception;
    }

    /** Runs {@code test} on a fresh copy of {@code store}, passing the copy and its model folder. */
    private static void onCopy(Path store, OnCopy test) throws Exception {
        Path copy = Files.createTempDirectory("fhe-ml-keys-copy-");
        try {
            Path dir = Files.createDirectory(copy.resolve(MODEL));
            try (var files = Files.list(store.resolve(MODEL))) {
                for (Path f : files.toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
            test.run(copy, dir);
        } finally {
            Folders.deleteQuietly(copy);
        }
    }

    @Test
    void aFolderMixingTwoKeyPairsIsRefused() throws Exception {
        onCopy(one, (mixed, dir) -> {
            Files.copy(two.resolve(MODEL).resolve(KeyStore.CLIENT_KEY), dir.resolve(KeyStore.CLIENT_KEY),
                    StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> new KeyStore(mixed).load(MODEL, p));
            assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        });
    }

    @Test
    void aFolderWithoutFingerprintIsRefusedWithAHint() throws Exception {
        onCopy(one, (old, dir) -> {
            Files.delete(dir.resolve(KeyStore.FINGERPRINT));
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> new KeyStore(old).loadOrCreate(MODEL, p));
            assertTrue(e.getMessage().contains("rm -r"), e.getMessage());
        });
    }

    @Test
    void aMissingKeyIdIsRepairedWhenTheFingerprintProvesThePair() throws Exception {
        String id = Files.readString(one.resolve(MODEL).resolve(KeyStore.KEY_ID)).trim();
        onCopy(one, (half, dir) -> {
            Files.delete(dir.resolve(KeyStore.KEY_ID));
            try (KeyStore.Keys keys = new KeyStore(half).loadOrCreate(MODEL, p)) {
                assertEquals(id, keys.keyId(), "the same pair, repaired");
            }
        });
    }

    @Test
    void aHalfWrittenFolderIsRefusedWithAHintAndAnEmptyOneReplaced() throws Exception {
        onCopy(one, (half, dir) -> {
            Files.delete(dir.resolve(KeyStore.KEY_ID));
            Files.delete(dir.resolve(KeyStore.EVALUATION_KEY));
            KeyStoreException e = assertThrows(KeyStoreException.class, () -> new KeyStore(half).loadOrCreate(MODEL, p));
            assertTrue(e.getMessage().contains("incomplete") && e.getMessage().contains("rm -r"), e.getMessage());
            Folders.deleteQuietly(dir);
            Files.createDirectory(dir);
            try (KeyStore.Keys keys = new KeyStore(half).loadOrCreate(MODEL, p)) {
                assertTrue(Files.isRegularFile(dir.resolve(KeyStore.FINGERPRINT)), "new keys were made");
                assertEquals(64, keys.keyId().length());
            }
        });
    }
}
