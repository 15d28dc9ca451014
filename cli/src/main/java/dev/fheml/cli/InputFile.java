package dev.fheml.cli;

import dev.fheml.training.data.IdxArray;
import dev.fheml.training.data.IdxReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Inputs for {@code fhe-ml predict}: an IDX file of unsigned bytes (MNIST images, gzip or not:
 * one input per first-axis entry), or text with one input per line (numbers separated by commas,
 * semicolons or spaces; a first line that is not numeric is a header). Every input must have the
 * model's number of features.
 */
final class InputFile {
    /** Inputs per file: a bound on memory, and on what one command line sensibly encrypts. */
    static final int MAX_ROWS = 100_000;

    private InputFile() {}

    static List<double[]> read(Path file, int features) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("input file " + file + " does not exist");
        }
        List<double[]> rows = isIdx(file) ? readIdx(file, features) : readText(file, features);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no inputs");
        }
        return rows;
    }

    /** IDX starts with two zero bytes then the type byte; gzip with 0x1f 0x8b. */
    private static boolean isIdx(Path file) throws IOException {
        byte[] head = new byte[3];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 3);
            return n == 3 && ((head[0] == 0 && head[1] == 0 && head[2] == IdxReader.TYPE_UNSIGNED_BYTE)
                    || ((head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b));
        }
    }

    private static List<double[]> readIdx(Path file, int features) throws IOException {
        IdxArray a = new IdxReader((long) MAX_ROWS * features).read(file);
        int count = a.dim(0);
        if (count == 0 || a.size() / count != features) {
            throw new IllegalArgumentException(file + ": IDX entries hold " + (count == 0 ? 0 : a.size() / count)
                    + " values each, the model takes " + features);
        }
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

    private static List<double[]> readText(Path file, int features) throws IOException {
        List<double[]> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                number++;
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) {
                    continue;
                }
                double[] x = parse(t.split("[,;\\s]+"));
                boolean header = first && x == null;
                first = false;
                if (header) {
                    continue;
                }
                if (x == null) {
                    throw new IllegalArgumentException(file + " line " + number + ": not a list of numbers: '"
                            + (t.length() > 60 ? t.substring(0, 60) + "..." : t) + "'");
                }
                if (x.length != features) {
                    throw new IllegalArgumentException(file + " line " + number + ": " + x.length
                            + " values, the model takes " + features);
                }
                if (rows.size() == MAX_ROWS) {
                    throw new IllegalArgumentException(file + ": more than " + MAX_ROWS + " inputs; split the file");
                }
                rows.add(x);
            }
        }
        return rows;
    }

    private static double[] parse(String[] parts) {
        double[] x = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                x[i] = Double.parseDouble(parts[i]);
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Double.isFinite(x[i])) {
                return null;
            }
        }
        return x;
    }
}
