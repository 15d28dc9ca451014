package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.training.pipeline.ModelPipeline;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model cache: a copy it cannot read is rebuilt, with a line saying why, instead of failing the command. */
class MnistModelsTest {
    @Test
    void anUnreadableCachedCopyIsRebuiltNotAnError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve(ModelPipeline.SERVER_ZIP), "x");
        Files.writeString(dir.resolve(ModelPipeline.CLIENT_ZIP), "x");
        // A field this version does not know, as a copy written by another version would have.
        Files.writeString(dir.resolve(ModelPipeline.METRICS), "{\"name\": \"m\", \"from_the_future\": 1}");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertEquals(Optional.empty(), MnistModels.reusable(dir, log));
        String said = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("cannot be read") && said.contains("rebuilding it") && said.contains(dir.toString()),
                said);
        // No copy at all: nothing to say.
        bytes.reset();
        assertEquals(Optional.empty(), MnistModels.reusable(dir.resolve("absent"), log));
        assertEquals("", bytes.toString(StandardCharsets.UTF_8));
    }
}
