package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.FheParameters;
import dev.fheml.protocol.Ids;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** fhe-ml keygen --rotate: new keys and key id, the old pair retired and kept until removed. */
class KeyRotationTest {
    private static final String MODEL = "ab".repeat(32);

    @Test
    void rotationMakesANewKeyIdAndKeepsTheOldKeysUntilRemoved() throws Exception {
        Path root = Files.createTempDirectory("fhe-ml-rotation-");
        KeyStore store = new KeyStore(root);
        FheParameters p = FheParameters.byName(FheParameters.PBS_L1);
        assertNull(store.rotate(MODEL, p), "nothing to retire the first time");
        String first;
        try (KeyStore.Keys keys = store.load(MODEL, p)) {
            first = keys.keyId();
        }
        Path retired = store.rotate(MODEL, p);
        try (KeyStore.Keys keys = store.load(MODEL, p)) {
            assertNotEquals(first, keys.keyId(), "a new evaluation key, so a new key id");
            assertEquals(keys.keyId(), Ids.sha256(keys.evaluationKeyBytes()));
        }
        assertEquals(java.util.List.of(retired), store.retired(MODEL));
        assertTrue(Files.readString(retired.resolve(KeyStore.KEY_ID)).trim().equals(first), "the old pair is kept");
        assertEquals(1, store.removeRetired(MODEL));
        assertTrue(store.retired(MODEL).isEmpty() && !Files.exists(retired));
    }
}
