package dev.fheml.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.fheml.core.circuit.InputLayout;
import dev.fheml.training.data.DatasetFormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code fhe-ml predict} reads, and how it says what is wrong with a file. */
class InputFileTest {
    @TempDir
    Path dir;

    private final List<String> notes = new ArrayList<>();

    private List<double[]> read(Path file, int features) throws IOException {
        return InputFile.read(file, features, notes::add);
    }

    private Path file(String text) throws IOException {
        return Files.writeString(dir.resolve("inputs.csv"), text);
    }

    @Test
    void csvWithAHeaderCommentsAndAnySeparator() throws IOException {
        List<double[]> rows = read(file("# two inputs\nf0,f1,f2\n1,2,3\n\n4.5,-1,0\n"), 3);
        assertEquals(2, rows.size());
        assertArrayEquals(new double[] {4.5, -1, 0}, rows.get(1));
        assertArrayEquals(new double[] {1, 2, 3}, read(file("1;2;3\n"), 3).get(0));
        assertArrayEquals(new double[] {1, 2, 3}, read(file("1 2  3\n"), 3).get(0));
    }

    @Test
    void aWrongValueCountNamesFileAndLine() throws IOException {
        Path f = file("1,2,3\n1,2\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(f, 3));
        assertEquals(f + ": line 2: 2 values, the model takes 3", e.getMessage());
    }

    @Test
    void anEmptyCellIsReportedAsOneNotAsAShortRow() throws IOException {
        Path f = file("1,2,,4\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(f, 4));
        assertEquals(f + ": line 1, column 3: empty cell: a number is missing", e.getMessage());
    }

    /** A header-less file whose first input has a bad cell: refused, not dropped as if it were a header. */
    @Test
    void aFirstLineMixingTextAndNumbersIsRefusedNotSkipped() throws IOException {
        Path f = file("1,x,3\n4,5,6\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(f, 3));
        assertEquals(f + ": line 1: the first row mixes text (column 2: 'x') and numbers (column 1: '1'): a header"
                + " names every column with text, a data row holds numbers only; fix that cell, or name every column",
                e.getMessage());
    }

    /** pandas' default column names (0, 1, 2, ...) are a header, and the log says so. */
    @Test
    void pandasDefaultColumnNamesAreAHeaderAndSaidSo() throws IOException {
        Path f = file("0,1,2\n5,6,7\n");
        List<double[]> rows = read(f, 3);
        assertEquals(1, rows.size());
        assertArrayEquals(new double[] {5, 6, 7}, rows.get(0));
        assertEquals(List.of("line 1 of " + f + " read as a header: its cells are 0, 1, 2, ... (pandas' default"
                + " column names)"), notes);
    }

    @Test
    void textThatIsNotANumberIsNamed() throws IOException {
        Path f = file("a,b\n1,x\n");
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> read(f, 2));
        assertEquals("line 2, column 2 (b)", e.location());
    }

    @Test
    void idxAndGzipAreToldByContent() throws IOException {
        byte[] idx = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, (byte) 255};
        Path raw = Files.write(dir.resolve("images.csv"), idx);
        List<double[]> rows = read(raw, 3);
        assertArrayEquals(new double[] {4, 5, 255}, rows.get(1));
        Path gz = Files.write(dir.resolve("inputs"), gzip("7,8,9\n".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(new double[] {7, 8, 9}, read(gz, 3).get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> read(raw, 4));
        assertEquals(raw + ": entries hold 3 values each, the model takes 4", e.getMessage());
    }

    @Test
    void idxImagesMustHaveTheModelsImageSize() throws IOException {
        // Two 2×3 images.
        byte[] idx = {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        Path images = Files.write(dir.resolve("images-idx3-ubyte"), idx);
        List<double[]> rows = InputFile.read(images, InputLayout.image(1, 2, 3, "pixel / 255"), notes::add);
        assertArrayEquals(new double[] {7, 8, 9, 10, 11, 12}, rows.get(1));
        // The same six values per image, transposed: a CNN would see garbage, so it is refused.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InputFile.read(images, InputLayout.image(1, 3, 2, "pixel / 255"), notes::add));
        assertEquals(images + ": images are 2×3, the model takes 1×3×2 (channels×height×width) images, pixel / 255;"
                + " resize them first", e.getMessage());
        // A flat model of six features takes them as they are.
        assertEquals(2, read(images, 6).size());
    }

    @Test
    void emptyOrBinaryFilesAreRefused() throws IOException {
        Path header = file("a,b\n");
        assertEquals(header + " holds no inputs",
                assertThrows(IllegalArgumentException.class, () -> read(header, 2)).getMessage());
        Path binary = Files.write(dir.resolve("x.bin"), new byte[] {1, 0, 2});
        assertEquals(binary + " is neither IDX (header 00 00 08 <rank>) nor CSV text",
                assertThrows(IllegalArgumentException.class, () -> read(binary, 2)).getMessage());
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        }
        return out.toByteArray();
    }
}
