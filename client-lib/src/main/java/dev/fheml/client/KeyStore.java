package dev.fheml.client;

import dev.fheml.core.ClientKey;
import dev.fheml.core.EvaluationKey;
import dev.fheml.core.FheException;
import dev.fheml.core.FheParameters;
import dev.fheml.core.artifact.Folders;
import dev.fheml.protocol.Ids;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The client's keys on disk: one folder per model id ({@code <root>/<model-id>/}, mode 0700)
 * holding {@code client.key} (the secret, 0600), {@code evaluation.key} (public, 0600),
 * {@code key-id} (SHA-256 of the evaluation key) and {@code fingerprint} (SHA-256 binding the
 * secret key to that key id, written when the pair is made). A folder is created complete or not
 * at all (written aside, then renamed), so concurrent processes agree on one key. Loading checks
 * both hashes, so a folder mixing files of two key pairs (which would decrypt to wrong
 * predictions) is refused; a folder missing its {@code key-id} is repaired when its fingerprint
 * proves the pair, and refused with what to do otherwise. Secret keys never leave this folder and
 * are never logged; a secret file readable by others is refused, as ssh does.
 */
public final class KeyStore {
    public static final String CLIENT_KEY = "client.key";
    public static final String EVALUATION_KEY = "evaluation.key";
    public static final String KEY_ID = "key-id";
    public static final String FINGERPRINT = "fingerprint";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private final Path root;

    public KeyStore(Path root) {
        this.root = root.toAbsolutePath();
    }

    /** {@code $FHEML_KEY_STORE}, else {@code ~/.fhe-ml/keys}. */
    public static Path defaultRoot() {
        String env = System.getenv("FHEML_KEY_STORE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".fhe-ml", "keys");
    }

    public Path root() {
        return root;
    }

    /** The keys of one model; close to free the native secret key. */
    public record Keys(ClientKey clientKey, String keyId, Path evaluationKeyFile) implements AutoCloseable {
        /** The serialized public evaluation key (what is uploaded). */
        public byte[] evaluationKeyBytes() throws KeyStoreException {
            try {
                return Files.readAllBytes(evaluationKeyFile);
            } catch (IOException e) {
                throw new KeyStoreException("cannot read " + evaluationKeyFile + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            clientKey.close();
        }
    }

    /** True when keys for this model exist. */
    public boolean has(String modelId) {
        return Files.isRegularFile(folder(modelId).resolve(KEY_ID));
    }

    /**
     * Loads the model's keys, generating them first (a few seconds) when there are none; repairs or
     * refuses an incomplete folder (see the class comment).
     */
    public Keys loadOrCreate(String modelId, FheParameters parameters) throws KeyStoreException {
        if (!has(modelId)) {
            if (Files.isDirectory(folder(modelId))) {
                repair(modelId);
            }
            if (!has(modelId)) {
                create(modelId, parameters);
            }
        }
        return load(modelId, parameters);
    }

    /**
     * A folder without {@code key-id}: an empty one is removed (nothing is lost), a complete pair
     * whose fingerprint holds gets its {@code key-id} back, anything else is refused.
     */
    private void repair(String modelId) throws KeyStoreException {
        Path dir = folder(modelId);
        try {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) {
                    Files.delete(dir);
                    return;
                }
            }
            Path secret = dir.resolve(CLIENT_KEY);
            Path evaluation = dir.resolve(EVALUATION_KEY);
            Path fingerprint = dir.resolve(FINGERPRINT);
            if (Files.isRegularFile(secret) && Files.isRegularFile(evaluation) && Files.isRegularFile(fingerprint)) {
                String keyId = Ids.sha256(Files.readAllBytes(evaluation));
                byte[] secretBytes = Files.readAllBytes(secret);
                boolean proven;
                try {
                    proven = fingerprint(secretBytes, keyId).equals(Files.readString(fingerprint).trim());
                } finally {
                    Arrays.fill(secretBytes, (byte) 0);
                }
                if (proven) {
                    writeOwnerOnly(dir.resolve(KEY_ID), (keyId + "\n").getBytes(StandardCharsets.US_ASCII));
                    return;
                }
            }
        } catch (IOException e) {
            throw new KeyStoreException("cannot read the incomplete key folder " + dir + ": " + e.getMessage(), e);
        }
        throw new KeyStoreException(dir + " is incomplete (no " + KEY_ID + ", and its files do not prove one key pair):"
                + " an interrupted copy or an older fhe-ml left it. Delete it to make new keys (rm -r " + dir + "); the"
                + " endpoint gets the new evaluation key on the next request", null);
    }

    /** Binds a secret key to the id of the evaluation key made from it. */
    private static String fingerprint(byte[] secretKey, String keyId) {
        return Ids.sha256(("fhe-ml key pair 1\n" + Ids.sha256(secretKey) + "\n" + keyId)
                .getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Loads existing keys, checking permissions, that the evaluation key matches its id and that the
     * secret key belongs to it (the fingerprint).
     */
    public Keys load(String modelId, FheParameters parameters) throws KeyStoreException {
        Path dir = folder(modelId);
        try {
            Path secret = dir.resolve(CLIENT_KEY);
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(secret);
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new KeyStoreException(secret + " is readable by others (" + PosixFilePermissions.toString(perms)
                        + "): run chmod 600 on it, or delete the folder to make new keys", null);
            }
            String keyId = Files.readString(dir.resolve(KEY_ID), StandardCharsets.US_ASCII).trim();
            Path evaluation = dir.resolve(EVALUATION_KEY);
            if (!Ids.isId(keyId) || !Ids.sha256(Files.readAllBytes(evaluation)).equals(keyId)) {
                throw new KeyStoreException(dir + ": evaluation.key does not match key-id (corrupted store);"
                        + " delete the folder to make new keys", null);
            }
            byte[] secretBytes = Files.readAllBytes(secret);
            try {
                Path fingerprint = dir.resolve(FINGERPRINT);
                if (!Files.isRegularFile(fingerprint)) {
                    throw new KeyStoreException(dir + " has no " + FINGERPRINT + " (made by an older fhe-ml, or copied"
                            + " by hand): nothing shows that client.key belongs to evaluation.key. Delete the folder to"
                            + " make new keys (rm -r " + dir + ")", null);
                }
                if (!fingerprint(secretBytes, keyId).equals(
                        Files.readString(fingerprint, StandardCharsets.US_ASCII).trim())) {
                    throw new KeyStoreException(dir + ": client.key does not belong to evaluation.key (the folder"
                            + " mixes files of two key pairs, so results would decrypt wrongly). Put back the files of"
                            + " one pair, or delete the folder to make new keys (rm -r " + dir + ")", null);
                }
                return new Keys(ClientKey.fromBytes(parameters, secretBytes), keyId, evaluation);
            } finally {
                Arrays.fill(secretBytes, (byte) 0); // the engine wiped its own copy
            }
        } catch (IOException e) {
            throw new KeyStoreException("cannot read the keys in " + dir + ": " + e.getMessage(), e);
        } catch (FheException e) {
            throw new KeyStoreException(dir + ": client.key is not a " + parameters.name()
                    + " secret key (" + e.getMessage() + "); delete the folder to make new keys", e);
        }
    }

    private void create(String modelId, FheParameters parameters) throws KeyStoreException {
        Path dir = folder(modelId);
        Path tmp = null;
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            tmp = Files.createTempDirectory(root, ".new-" + modelId.substring(0, 8) + "-",
                    PosixFilePermissions.asFileAttribute(OWNER_DIR));
            String keyId;
            try (ClientKey key = ClientKey.generate(parameters); EvaluationKey evaluation = key.evaluationKey()) {
                byte[] secret = key.toBytes();
                byte[] eval = evaluation.toBytes();
                keyId = Ids.sha256(eval);
                try {
                    writeOwnerOnly(tmp.resolve(CLIENT_KEY), secret);
                    writeOwnerOnly(tmp.resolve(FINGERPRINT), (fingerprint(secret, keyId) + "\n")
                            .getBytes(StandardCharsets.US_ASCII));
                } finally {
                    Arrays.fill(secret, (byte) 0);
                }
                writeOwnerOnly(tmp.resolve(EVALUATION_KEY), eval);
            }
            writeOwnerOnly(tmp.resolve(KEY_ID), (keyId + "\n").getBytes(StandardCharsets.US_ASCII));
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
            } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // Another process won the race: use its keys.
            } catch (AtomicMoveNotSupportedException e) {
                throw new KeyStoreException("the key store " + root + " must be on a local file system", e);
            }
        } catch (IOException e) {
            throw new KeyStoreException("cannot create keys in " + dir + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                Folders.deleteQuietly(tmp);
            }
        }
    }

    /**
     * Key rotation: the model's current keys are retired (their folder renamed to
     * {@code <model-id>.retired-<UTC time>-<key-id prefix>}, kept so results still in flight under them
     * can be decrypted) and new keys, with a new key id, become current. Retired keys are never used
     * again by this store; {@link #removeRetired} deletes them.
     *
     * @return the folder the old keys moved to, or null when the model had none
     */
    public Path rotate(String modelId, FheParameters parameters) throws KeyStoreException {
        Path dir = folder(modelId);
        Path retired = null;
        if (Files.isDirectory(dir)) {
            String keyId = "unknown";
            try {
                keyId = Files.readString(dir.resolve(KEY_ID), StandardCharsets.US_ASCII).trim();
            } catch (IOException e) {
                // an incomplete folder is retired as it is
            }
            String stamp = Instant.now().toString().replaceAll("[^0-9TZ]", "");
            retired = root.resolve(modelId + RETIRED + stamp + "-" + keyId.substring(0, Math.min(8, keyId.length())));
            try {
                Files.move(dir, retired, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new KeyStoreException("cannot retire the keys in " + dir + ": " + e.getMessage(), e);
            }
        }
        create(modelId, parameters);
        return retired;
    }

    /** The model's retired key folders, oldest first. */
    public List<Path> retired(String modelId) throws KeyStoreException {
        folder(modelId);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(root)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(modelId + RETIRED)).sorted().toList();
        } catch (IOException e) {
            throw new KeyStoreException("cannot list " + root + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the model's retired keys (results still encrypted under them become unreadable). */
    public int removeRetired(String modelId) throws KeyStoreException {
        List<Path> old = retired(modelId);
        for (Path p : old) {
            try {
                Folders.deleteRecursively(p);
            } catch (IOException e) {
                throw new KeyStoreException("cannot delete " + p + ": " + e.getMessage(), e);
            }
        }
        return old.size();
    }

    private static final String RETIRED = ".retired-";

    private Path folder(String modelId) {
        if (!Ids.isId(modelId)) {
            throw new IllegalArgumentException("model id must be 64 lowercase hex digits: " + modelId);
        }
        return root.resolve(modelId);
    }

    private static void writeOwnerOnly(Path file, byte[] bytes) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.write(file, bytes);
    }
}
