package dev.fheml.core.artifact;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Folder housekeeping shared by the tools that write models, keys and local stores. */
public final class Folders {
    private Folders() {}

    /**
     * Deletes {@code dir} and everything below it; nothing happens when it does not exist. Links are
     * deleted, never followed.
     *
     * @throws IOException naming the first path that could not be deleted
     */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** {@link #deleteRecursively} for clean-ups that must not hide the error being handled. */
    public static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException | RuntimeException ignored) {
            // best effort: a leftover temporary folder is harmless
        }
    }
}
