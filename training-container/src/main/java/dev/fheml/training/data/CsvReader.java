package dev.fheml.training.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads a CSV file of numeric features and one label column into a {@link Dataset}, as described by a
 * {@link CsvFormat}. Cells may be quoted with {@code "} (a doubled quote inside stands for one); a
 * quoted cell cannot span lines. Blank lines are skipped. Every feature cell must parse as a finite
 * number.
 *
 * <p>Errors end in a {@link DatasetFormatException} naming the source and the 1-based line (and column
 * where it applies): a wrong number of cells, a cell that is not a number, an unknown class name, or
 * more rows or columns than the format's limits.
 */
public final class CsvReader {
  private final CsvFormat format;

  /** A reader for {@code format}. */
  public CsvReader(CsvFormat format) {
    this.format = format;
  }

  /** Reads a UTF-8 file. */
  public Dataset read(Path file) throws IOException {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.toString());
    }
  }

  /**
   * Reads CSV text; {@code sourceName} names it in error messages. The reader is not closed.
   *
   * @throws DatasetFormatException if the text does not match the format
   */
  public Dataset read(Reader reader, String sourceName) throws IOException {
    BufferedReader in = reader instanceof BufferedReader ? (BufferedReader) reader
        : new BufferedReader(reader);
    List<String[]> rows = new ArrayList<>();
    List<Integer> lineNumbers = new ArrayList<>();
    String line;
    int lineNo = 0;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (rows.size() > format.maxRows()) {
        throw new DatasetFormatException(sourceName, "line " + lineNo,
            "more than " + format.maxRows() + " rows (limit)");
      }
      rows.add(split(line, sourceName, lineNo));
      lineNumbers.add(lineNo);
    }
    if (rows.isEmpty()) {
      throw new DatasetFormatException(sourceName, "line 1", "no data: the file is empty");
    }
    int columns = rows.get(0).length;
    if (columns < 2) {
      throw new DatasetFormatException(sourceName, "line " + lineNumbers.get(0),
          "only " + columns + " column; need at least one feature and the label");
    }
    int labelCol = labelColumn(rows.get(0), sourceName, lineNumbers.get(0));
    boolean hasHeader = switch (format.header()) {
      case PRESENT -> true;
      case ABSENT -> false;
      case AUTO -> format.labelName().isPresent() || !allFeaturesNumeric(rows.get(0), labelCol);
    };
    List<String> featureNames = new ArrayList<>();
    int first = hasHeader ? 1 : 0;
    for (int c = 0; c < columns; c++) {
      if (c != labelCol) {
        featureNames.add(hasHeader ? rows.get(0)[c].strip() : "f" + featureNames.size());
      }
    }
    int n = rows.size() - first;
    if (n == 0) {
      throw new DatasetFormatException(sourceName, "line " + (lineNo + 1), "no data rows after the header");
    }
    if (n > format.maxRows()) {
      throw new DatasetFormatException(sourceName, "line " + lineNumbers.get(first + format.maxRows()),
          "more than " + format.maxRows() + " rows (limit)");
    }
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
        features[r * d + k] = parseNumber(cells[c], sourceName, at, c, featureNames.get(k));
        k++;
      }
    }
    return labelled(features, labelCells, featureNames, lineNumbers.subList(first, rows.size()),
        sourceName);
  }

  private Dataset labelled(float[] features, String[] labelCells, List<String> featureNames,
      List<Integer> lines, String source) throws DatasetFormatException {
    List<String> classes;
    int[] labels = new int[labelCells.length];
    if (!format.classNames().isEmpty()) {
      classes = format.classNames();
    } else if (Arrays.stream(labelCells).allMatch(CsvReader::isClassIndex)) {
      int max = Arrays.stream(labelCells).mapToInt(Integer::parseInt).max().orElse(0);
      classes = Dataset.numberedNames("", max + 1);
    } else {
      classes = List.copyOf(new TreeSet<>(Arrays.asList(labelCells)));
    }
    for (int r = 0; r < labelCells.length; r++) {
      labels[r] = classes.indexOf(labelCells[r]);
      if (labels[r] < 0) {
        throw new DatasetFormatException(source, "line " + lines.get(r),
            "label '" + labelCells[r] + "' is not one of the classes " + classes);
      }
    }
    return Dataset.of(features, labels, featureNames, classes);
  }

  private static boolean isClassIndex(String s) {
    if (s.isEmpty() || s.length() > 6) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return s.length() == 1 || s.charAt(0) != '0';
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

  private static boolean allFeaturesNumeric(String[] row, int labelCol) {
    for (int c = 0; c < row.length; c++) {
      if (c != labelCol && !isNumber(row[c].strip())) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNumber(String s) {
    try {
      return Double.isFinite(Double.parseDouble(s));
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static float parseNumber(String cell, String source, int line, int column, String name)
      throws DatasetFormatException {
    String s = cell.strip();
    float v;
    try {
      v = Float.parseFloat(s);
    } catch (NumberFormatException e) {
      throw new DatasetFormatException(source, "line " + line + ", column " + (column + 1) + " ("
          + name + ")", "'" + s + "' is not a number", e);
    }
    if (!Float.isFinite(v)) {
      throw new DatasetFormatException(source, "line " + line + ", column " + (column + 1) + " ("
          + name + ")", "'" + s + "' is not a finite float");
    }
    return v;
  }

  private String[] split(String line, String source, int lineNo) throws DatasetFormatException {
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    char delim = format.delimiter();
    for (int i = 0; i < line.length(); i++) {
      char ch = line.charAt(i);
      if (quoted) {
        if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == delim) {
        cells.add(cell.toString());
        cell.setLength(0);
        if (cells.size() >= format.maxColumns()) {
          throw new DatasetFormatException(source, "line " + lineNo,
              "more than " + format.maxColumns() + " columns (limit)");
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
