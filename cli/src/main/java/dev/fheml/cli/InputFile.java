package dev.fheml.cli;

import dev.fheml.core.circuit.InputLayout;
import dev.fheml.training.data.CsvFormat;
import dev.fheml.training.data.CsvReader;
import dev.fheml.training.data.DataFormat;
import dev.fheml.training.data.IdxArray;
import dev.fheml.training.data.IdxReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Inputs for {@code fhe-ml predict}, the format told by the content ({@link DataFormat}, gzip or
 * not): an IDX file of unsigned bytes (MNIST images: one input per first-axis entry), or CSV text
 * with one input per line (numbers separated by commas, semicolons, tabs or spaces; a first line
 * of names is a header, one mixing names and numbers is refused; lines starting with {@code #} are
 * comments), read by the training data's {@link CsvReader}. Every input must have the model's
 * number of features, and IDX images the model's image size.
 */
final class InputFile {
    /** Inputs per file: a bound on memory, and on what one command line sensibly encrypts. */
    static final int MAX_ROWS = 100_000;

    private InputFile() {}

    /** Reads {@code file} for a flat model of {@code features} values. */
    static List<double[]> read(Path file, int features, Consumer<String> notes) throws IOException {
        return read(file, InputLayout.flat(features), notes);
    }

    /**
     * Reads {@code file} for a model of {@code layout} (IDX images must have its size, see {@link
     * InputLayout#checkStored}); {@code notes} gets the reader's decisions the file did not spell out (a header).
     */
    static List<double[]> read(Path file, InputLayout layout, Consumer<String> notes) throws IOException {
        int features = layout.features();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input file " + file + " does not exist");
        }
        List<double[]> rows = switch (DataFormat.of(file)) {
            case IDX -> readIdx(file, layout);
            case TEXT -> readText(file, features, notes);
            case OTHER -> throw new IllegalArgumentException(file + " is neither IDX (header 00 00 08 <rank>) nor"
                    + " CSV text");
        };
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no inputs");
        }
        return rows;
    }

    private static List<double[]> readIdx(Path file, InputLayout layout) throws IOException {
        int features = layout.features();
        IdxArray a = new IdxReader((long) MAX_ROWS * features).read(file);
        int count = a.dim(0);
        int[] dims = a.dims();
        layout.checkStored(java.util.Arrays.copyOfRange(dims, 1, dims.length), file.toString());
        List<double[]> rows = new ArrayList<>(count);
        for (int r = 0; r < count; r++) {
            double[] x = new double[features];
            for (int i = 0; i < features; i++) {
                x[i] = a.unsigned(r * features + i);
            }
            rows.add(x);
        }
        return rows;
    }

    private static List<double[]> readText(Path file, int features, Consumer<String> notes) throws IOException {
        CsvFormat format = CsvFormat.builder().detectDelimiter().commentLines(true).maxRows(MAX_ROWS).build();
        List<double[]> rows = new ArrayList<>();
        for (CsvReader.Row row : new CsvReader(format, notes).readRows(file)) {
            if (row.values().length != features) {
                throw new IllegalArgumentException(file + ": line " + row.line() + ": " + row.values().length
                        + " values, the model takes " + features);
            }
            rows.add(row.values());
        }
        return rows;
    }
}
