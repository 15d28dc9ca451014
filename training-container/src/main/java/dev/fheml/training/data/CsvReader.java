package dev.fheml.training.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Reads CSV text of numbers, as described by a {@link CsvFormat}: labelled rows into a
 * {@link Dataset} (training data), or rows of features only (inputs to predict). Cells may be quoted
 * with {@code "} (a doubled quote inside stands for one); a quoted cell cannot span lines. Blank lines
 * are skipped. Every feature cell must hold a finite number. Files may be gzip-compressed. Whether the
 * first row is a header is {@link CsvHeader}'s decision, what the labels' classes are
 * {@link CsvLabels}'; the decisions a file does not spell out go to the reader's notes (the log).
 *
 * <p>Errors end in a {@link DatasetFormatException} naming the source and the 1-based line (and column
 * where it applies): a wrong number of cells, an empty cell, a cell that is not a number, an unknown
 * class name, or more rows or columns than the format's limits.
 */
public final class CsvReader {
  private static final char BLANKS = ' ';
  private static final char[] DETECTED = {',', ';', '\t'};

  private final CsvFormat format;
  private final Consumer<String> notes;

  /** A reader for {@code format} that keeps its decisions to itself (tests, bundled data). */
  public CsvReader(CsvFormat format) {
    this(format, note -> { });
  }

  /**
   * A reader for {@code format}.
   *
   * @param notes receives, one line each, the decisions the reader took that the file did not spell
   *              out (a first row of numbers read as a header, numeric labels that skip values), for the log
   */
  public CsvReader(CsvFormat format, Consumer<String> notes) {
    this.format = format;
    this.notes = notes;
  }

  /** One row of features and the line it came from. */
  public record Row(int line, double[] values) {}

  /** The non-blank lines of a source, split into cells. */
  private record Table(List<String[]> rows, List<Integer> lines, int lastLine) {}

  /** Reads a UTF-8 file, gzip-compressed or not. */
  public Dataset read(Path file) throws IOException {
    try (Reader r = open(file)) {
      return read(r, file.toString());
    }
  }

  /**
   * Reads labelled CSV text; {@code sourceName} names it in error messages. The reader is not closed.
   *
   * @throws DatasetFormatException if the text does not match the format
   */
  public Dataset read(Reader reader, String sourceName) throws IOException {
    Table table = table(reader, sourceName);
    List<String[]> rows = table.rows();
    List<Integer> lineNumbers = table.lines();
    int columns = rows.get(0).length;
    if (columns < 2) {
      throw new DatasetFormatException(sourceName, "line " + lineNumbers.get(0),
          "only " + columns + " column; need at least one feature and the label");
    }
    int labelCol = labelColumn(rows.get(0), sourceName, lineNumbers.get(0));
    boolean hasHeader = hasHeader(rows, labelCol, sourceName, lineNumbers.get(0));
    if (hasHeader) {
      CsvHeader.requireNoRowIndex(rows, sourceName, lineNumbers.get(0));
    }
    List<String> featureNames = new ArrayList<>();
    int first = hasHeader ? 1 : 0;
    for (int c = 0; c < columns; c++) {
      if (c != labelCol) {
        featureNames.add(hasHeader ? rows.get(0)[c].strip() : "f" + featureNames.size());
      }
    }
    int n = rows.size() - first;
    if (n == 0) {
      throw new DatasetFormatException(sourceName, "line " + (table.lastLine() + 1), "no data rows after the header");
    }
    checkRowLimit(table, first, sourceName);
    int d = columns - 1;
    float[] features = new float[n * d];
    String[] labelCells = new String[n];
    for (int r = 0; r < n; r++) {
      String[] cells = rows.get(first + r);
      int at = lineNumbers.get(first + r);
      if (cells.length != columns) {
        throw new DatasetFormatException(sourceName, "line " + at,
            cells.length + " cells, expected " + columns + " as on line " + lineNumbers.get(0));
      }
      int k = 0;
      for (int c = 0; c < columns; c++) {
        if (c == labelCol) {
          labelCells[r] = cells[c].strip();
          continue;
        }
        // Float.parseFloat rounds the text once; (float) of a parsed double could round twice.
        features[r * d + k] = (float) number(cells[c], true, sourceName, at, c, featureNames.get(k));
        k++;
      }
    }
    return labelled(features, labelCells, featureNames, lineNumbers.subList(first, rows.size()),
        sourceName);
  }

  /**
   * Reads rows whose every column is a feature (no label: the format's label settings do not apply),
   * with the header detected as for {@link #read(Reader, String)}. Rows may differ in length: the
   * caller knows how many values it needs and says so in its own words.
   *
   * @throws DatasetFormatException naming the line and column of an empty cell or one that is not a
   *                                number, or if there are more rows than the format's limit
   */
  public List<Row> readRows(Path file) throws IOException {
    try (Reader r = open(file)) {
      Table table = table(r, file.toString());
      boolean hasHeader = hasHeader(table.rows(), -1, file.toString(), table.lines().get(0));
      String[] names = hasHeader ? table.rows().get(0) : null;
      int first = hasHeader ? 1 : 0;
      checkRowLimit(table, first, file.toString());
      List<Row> out = new ArrayList<>();
      for (int i = first; i < table.rows().size(); i++) {
        String[] cells = table.rows().get(i);
        int line = table.lines().get(i);
        double[] values = new double[cells.length];
        for (int c = 0; c < cells.length; c++) {
          String name = names != null && c < names.length ? names[c].strip() : null;
          values[c] = number(cells[c], false, file.toString(), line, c, name);
        }
        out.add(new Row(line, values));
      }
      return out;
    }
  }

  private static Reader open(Path file) throws IOException {
    // A decoder of its own reports malformed UTF-8 instead of replacing it.
    return new InputStreamReader(DataFormat.openDecompressed(file), StandardCharsets.UTF_8.newDecoder());
  }

  private Table table(Reader reader, String source) throws IOException {
    BufferedReader in = reader instanceof BufferedReader ? (BufferedReader) reader : new BufferedReader(reader);
    List<String[]> rows = new ArrayList<>();
    List<Integer> lines = new ArrayList<>();
    char delimiter = format.delimiter();
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank() || format.commentLines() && line.strip().startsWith("#")) {
        continue;
      }
      // One more than maxRows: the first row may be a header.
      if (rows.size() > format.maxRows()) {
        throw new DatasetFormatException(source, "line " + lineNo, "more than " + format.maxRows() + " rows (limit)");
      }
      if (rows.isEmpty() && format.detectDelimiter()) {
        delimiter = detectDelimiter(line);
      }
      rows.add(split(line, delimiter, source, lineNo));
      lines.add(lineNo);
    }
    if (rows.isEmpty()) {
      throw new DatasetFormatException(source, "line 1", "no data: the file is empty");
    }
    return new Table(rows, lines, lineNo);
  }

  private void checkRowLimit(Table table, int first, String source) throws DatasetFormatException {
    if (table.rows().size() - first > format.maxRows()) {
      throw new DatasetFormatException(source, "line " + table.lines().get(first + format.maxRows()),
          "more than " + format.maxRows() + " rows (limit)");
    }
  }

  private static char detectDelimiter(String line) {
    for (char c : DETECTED) {
      if (line.indexOf(c) >= 0) {
        return c;
      }
    }
    return BLANKS;
  }

  private boolean hasHeader(List<String[]> rows, int labelCol, String source, int line)
      throws DatasetFormatException {
    return switch (format.header()) {
      case PRESENT -> true;
      case ABSENT -> false;
      case AUTO -> {
        if (labelCol >= 0 && format.labelName().isPresent()) {
          yield true;
        }
        CsvHeader.Decision d = CsvHeader.detect(rows, labelCol, source, line);
        d.note().ifPresent(notes);
        yield d.header();
      }
    };
  }

  private Dataset labelled(float[] features, String[] labelCells, List<String> featureNames,
      List<Integer> lines, String source) throws DatasetFormatException {
    CsvLabels.Classes classes = CsvLabels.read(labelCells, format.classNames(), lines, source, notes);
    return Dataset.of(features, classes.labels(), featureNames, classes.names());
  }

  private int labelColumn(String[] firstRow, String source, int line) throws DatasetFormatException {
    if (format.labelName().isPresent()) {
      String name = format.labelName().get();
      for (int c = 0; c < firstRow.length; c++) {
        if (firstRow[c].strip().equals(name)) {
          return c;
        }
      }
      throw new DatasetFormatException(source, "line " + line,
          "no label column named '" + name + "' in the header " + Arrays.toString(firstRow));
    }
    int idx = format.labelIndex() < 0 ? firstRow.length + format.labelIndex() : format.labelIndex();
    if (idx < 0 || idx >= firstRow.length) {
      throw new DatasetFormatException(source, "line " + line, "label column " + format.labelIndex()
          + " does not exist in a row of " + firstRow.length + " cells");
    }
    return idx;
  }

  /** The finite number in {@code cell}, parsed as a float or a double; {@code name} may be null. */
  private static double number(String cell, boolean asFloat, String source, int line, int column, String name)
      throws DatasetFormatException {
    String s = cell.strip();
    String place = "line " + line + ", column " + (column + 1)
        + (name == null || name.isEmpty() ? "" : " (" + name + ")");
    if (s.isEmpty()) {
      throw new DatasetFormatException(source, place, "empty cell: a number is missing");
    }
    double v;
    try {
      v = asFloat ? Float.parseFloat(s) : Double.parseDouble(s);
    } catch (NumberFormatException e) {
      throw new DatasetFormatException(source, place, "'" + s + "' is not a number", e);
    }
    if (!Double.isFinite(v)) {
      throw new DatasetFormatException(source, place, "'" + s + "' is not a finite " + (asFloat ? "float" : "number"));
    }
    return v;
  }

  private String[] split(String line, char delimiter, String source, int lineNo) throws DatasetFormatException {
    boolean blanks = delimiter == BLANKS;
    String text = blanks ? line.strip() : line;
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (blanks ? ch == ' ' || ch == '\t' : ch == delimiter) {
        cells.add(cell.toString());
        cell.setLength(0);
        if (cells.size() >= format.maxColumns()) {
          throw new DatasetFormatException(source, "line " + lineNo, "more than " + format.maxColumns()
              + " columns (limit)");
        }
        while (blanks && i + 1 < text.length() && (text.charAt(i + 1) == ' ' || text.charAt(i + 1) == '\t')) {
          i++;
        }
      } else {
        cell.append(ch);
      }
    }
    if (quoted) {
      throw new DatasetFormatException(source, "line " + lineNo, "unterminated quoted cell");
    }
    cells.add(cell.toString());
    return cells.toArray(new String[0]);
  }
}
