package dev.fheml.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.fheml.core.circuit.Prediction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output file of a bulk run: results appended as they come, and read back to resume after an interruption. */
class BulkOutputFileTest {
    @TempDir
    Path dir;

    private static Prediction p(int c) {
        return new Prediction(c, c == 1 ? "malignant, probably" : "class " + c, new double[] {0.25, -1.5});
    }

    @Test
    void csvResultsAreReadBackAndAnInterruptedLastLineIsCutOff() throws Exception {
        Path file = dir.resolve("out.csv");
        try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.of(file), 6, 2)) {
            assertEquals(Set.of(), out.done());
            out.write(new int[] {3, 4}, List.of(p(0), p(1)));
            out.write(new int[] {0}, List.of(p(1)));
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals("input,class_index,class,score_0,score_1", lines.get(0));
        assertEquals("4,1,\"malignant, probably\",0.25,-1.5", lines.get(2));
        Files.writeString(file, "5,0,cla", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.CSV, 6, 2)) {
            assertEquals(Set.of(0, 3, 4), out.done(), "the half-written line for input 5 is not a result");
            out.write(new int[] {5}, List.of(p(0)));
        }
        lines = Files.readAllLines(file);
        assertEquals(5, lines.size());
        assertEquals("5,0,class 0,0.25,-1.5", lines.get(4));
    }

    @Test
    void jsonLinesAreReadBackToo() throws Exception {
        Path file = dir.resolve("out.jsonl");
        try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.of(file), 3, 2)) {
            out.write(new int[] {2}, List.of(p(1)));
        }
        assertEquals("{\"input\":2,\"class_index\":1,\"class\":\"malignant, probably\",\"scores\":[0.25,-1.5]}",
                Files.readString(file).strip());
        try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.JSON_LINES, 3, 2)) {
            assertEquals(Set.of(2), out.done());
        }
    }

    @Test
    void aSecondResultForAnInputIsRefused() throws Exception {
        Path file = dir.resolve("twice.csv");
        try (BulkOutputFile out = BulkOutputFile.open(file, BulkOutputFile.Format.CSV, 3, 2)) {
            out.write(new int[] {1}, List.of(p(0)));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> out.write(new int[] {1}, List.of(p(0))));
            assertTrue(e.getMessage().contains("input 1"), e.getMessage());
        }
        BulkResults.InMemory memory = new BulkResults.InMemory(2);
        memory.write(new int[] {0}, List.of(p(0)));
        assertThrows(IllegalStateException.class, () -> memory.write(new int[] {0}, List.of(p(0))));
        assertThrows(IllegalStateException.class, memory::predictions, "input 1 has no prediction yet");
    }

    @Test
    void aFileOfAnotherRunIsRefusedWithTheReason() throws Exception {
        Path beyond = dir.resolve("beyond.csv");
        Files.writeString(beyond, "input,class_index,class,score_0,score_1\n7,0,a,0,0\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BulkOutputFile.open(beyond, BulkOutputFile.Format.CSV, 5, 2));
        assertTrue(e.getMessage().contains("another input file"), e.getMessage());
        Path twice = dir.resolve("twice.jsonl");
        Files.writeString(twice, "{\"input\":1}\n{\"input\":1}\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> BulkOutputFile.open(twice, BulkOutputFile.Format.JSON_LINES, 5, 2));
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
        Path text = dir.resolve("notes.jsonl");
        Files.writeString(text, "hello\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> BulkOutputFile.open(text, BulkOutputFile.Format.JSON_LINES, 5, 2));
        assertTrue(e.getMessage().contains("line 1 is not a result line"), e.getMessage());
    }
}
