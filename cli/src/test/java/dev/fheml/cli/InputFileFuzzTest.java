package dev.fheml.cli;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CSV/IDX inputs of {@code predict} on arbitrary bytes: read, or refused with an
 * {@link IOException} (the dataset readers' format errors) or an {@link IllegalArgumentException}
 * naming the file; nothing else escapes. Regression inputs under {@code InputFileFuzzTestInputs/};
 * fuzzing mode: {@code ./mvnw -Pfuzz -pl cli test -Dtest=InputFileFuzzTest}.
 */
class InputFileFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void inputFiles(byte[] data) {
        Path file;
        try {
            file = Files.createTempFile("fuzz-input-", ".dat");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Files.write(file, data);
            InputFile.read(file, 4, note -> { });
        } catch (IOException | IllegalArgumentException expected) {
            // refused with a reason
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file
            }
        }
    }
}
