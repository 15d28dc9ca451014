package dev.fheml.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fheml.core.circuit.Prediction;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A bulk run's output file, written as results arrive (one line per input, in completion order,
 * flushed after each request) and read back to resume: the inputs it already holds are not scored
 * again. A last line without its newline (the run was interrupted while writing it) is cut off
 * before appending. CSV: a header {@code input,class_index,class,score_0,...}, then one row per
 * input; JSON lines: one object per input with {@code input}, {@code class_index}, {@code class},
 * {@code scores}.
 */
public final class BulkOutputFile implements BulkResults, AutoCloseable {
    /** The two line formats. */
    public enum Format {
        CSV, JSON_LINES;

        /** CSV for a name ending in {@code .csv}, JSON lines otherwise. */
        public static Format of(Path file) {
            return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? CSV : JSON_LINES;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Format format;
    private final int outputs;
    private final Set<Integer> initial;
    private final Set<Integer> done;
    private final BufferedWriter writer;

    private BulkOutputFile(Path file, Format format, int outputs, Set<Integer> done, BufferedWriter writer) {
        this.file = file;
        this.format = format;
        this.outputs = outputs;
        this.initial = Set.copyOf(done);
        this.done = done;
        this.writer = writer;
    }

    /**
     * Opens {@code file} for a run over {@code total} inputs of a model with {@code outputs} scores:
     * creates it, or reads the inputs it already holds and appends after them.
     *
     * @throws IllegalArgumentException the file is not an output of this run's kind (a line that is
     *     not a result, an input out of range or present twice)
     */
    public static BulkOutputFile open(Path file, Format format, int total, int outputs) throws IOException {
        Set<Integer> done = new HashSet<>();
        int complete = 0;
        if (Files.isRegularFile(file)) {
            byte[] all = Files.readAllBytes(file);
            complete = all.length;
            while (complete > 0 && all[complete - 1] != '\n') {
                complete--;
            }
            String text = new String(all, 0, complete, StandardCharsets.UTF_8);
            String[] lines = text.isEmpty() ? new String[0] : text.split("\n", -1);
            for (int n = 0; n < lines.length; n++) {
                String line = lines[n];
                if (line.isEmpty() || (format == Format.CSV && n == 0 && line.startsWith("input,"))) {
                    continue;
                }
                int input = inputOf(format, line, file, n + 1);
                if (input < 0 || input >= total) {
                    throw new IllegalArgumentException(file + ": line " + (n + 1) + " is input " + input + ", but the"
                            + " inputs are 0.." + (total - 1) + ": this output belongs to another input file");
                }
                if (!done.add(input)) {
                    throw new IllegalArgumentException(file + ": input " + input + " appears twice (line " + (n + 1)
                            + "): this file was not written by one bulk run");
                }
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(complete); // an interrupted last line goes
            }
        }
        BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        BulkOutputFile out = new BulkOutputFile(file, format, outputs, done, writer);
        if (format == Format.CSV && complete == 0) {
            out.header();
        }
        return out;
    }

    /** Inputs the file held when it was opened. */
    public Set<Integer> done() {
        return initial;
    }

    public Path file() {
        return file;
    }

    @Override
    public synchronized void write(int[] inputs, List<Prediction> predictions) throws IOException {
        for (int k = 0; k < inputs.length; k++) {
            if (!done.add(inputs[k])) {
                throw new IllegalStateException("input " + inputs[k] + " received a second result");
            }
            writer.write(line(inputs[k], predictions.get(k)));
            writer.write('\n');
        }
        writer.flush();
    }

    private void header() throws IOException {
        StringBuilder b = new StringBuilder("input,class_index,class");
        for (int i = 0; i < outputs; i++) {
            b.append(",score_").append(i);
        }
        writer.write(b.append('\n').toString());
        writer.flush();
    }

    private String line(int input, Prediction p) throws IOException {
        if (format == Format.JSON_LINES) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("input", input);
            m.put("class_index", p.classIndex());
            m.put("class", p.className());
            m.put("scores", p.scores());
            return JSON.writeValueAsString(m);
        }
        StringBuilder b = new StringBuilder().append(input).append(',').append(p.classIndex()).append(',')
                .append(csvField(p.className()));
        for (double s : p.scores()) {
            b.append(',').append(s);
        }
        return b.toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static int inputOf(Format format, String line, Path file, int number) {
        try {
            if (format == Format.JSON_LINES) {
                JsonNode node = JSON.readTree(line);
                if (node == null || !node.path("input").isInt()) {
                    throw new IllegalArgumentException("no integer field input");
                }
                return node.get("input").asInt();
            }
            return Integer.parseInt(line.substring(0, line.indexOf(',') < 0 ? line.length() : line.indexOf(',')));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(file + ": line " + number + " is not a result line of a bulk run ("
                    + format + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
