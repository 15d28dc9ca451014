package dev.fheml.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Checks of the folders the CLI writes models into. */
final class Folders {
    private Folders() {}

    /** A model goes into a new or empty folder, never over another model. */
    static void requireNewOrEmpty(Path out) throws IOException {
        if (Files.exists(out) && !isEmptyDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " exists and is not empty: choose a new folder");
        }
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }
}
